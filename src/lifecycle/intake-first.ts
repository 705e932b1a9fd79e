import { performance } from 'node:perf_hooks';

/**
 * Intake first: in a process that serves the webhooks AND runs the job workers (`npm start`),
 * the background work of intake (normalizing submissions, reading tips) waits while webhook
 * requests are being served, so a storm's webhooks get the CPU and answer at the database's
 * speed; the backlog drains once the storm eases.
 *
 * - The webhook routes report each request (begin → its returned end).
 * - A yielding job calls turn() before its work: it goes on at once when no webhook is in flight
 *   and none ended within QUIET_MS, else when that becomes true, but never later than
 *   `maxWaitMs` after it asked (bounded delay: under an endless storm the backlog still moves,
 *   `concurrency` jobs per `maxWaitMs`, and nothing waits forever).
 * - A process without webhooks (a separate worker) never waits: nothing reports a request.
 *
 * Times are monotonic (performance.now()): this schedules CPU, it decides nothing the clock decides.
 * docs/reliability.md ("Intake first") explains the choice.
 */
export const QUIET_MS = 25;

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class IntakeFirst {
  private inflight = 0;
  private lastEnd = -Infinity;
  private readonly waiters = new Set<Waiter>();
  private check?: NodeJS.Timeout;

  constructor(private readonly maxWaitMs: number) {}

  /** A webhook request started; call the returned function once it ended (idempotent). */
  begin(): () => void {
    this.inflight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inflight--;
      this.lastEnd = performance.now();
      if (this.inflight === 0) this.scheduleCheck(QUIET_MS);
    };
  }

  /** Whether intake is quiet now: nothing in flight and nothing ended within QUIET_MS. */
  get quiet(): boolean {
    return this.inflight === 0 && performance.now() - this.lastEnd >= QUIET_MS;
  }

  /** Resolves when intake is quiet, or after maxWaitMs at most. */
  turn(): Promise<void> {
    if (this.maxWaitMs <= 0 || this.quiet) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w: Waiter = { resolve, timer: setTimeout(() => this.release(w), this.maxWaitMs) };
      this.waiters.add(w);
      if (this.inflight === 0) this.scheduleCheck(QUIET_MS - (performance.now() - this.lastEnd));
    });
  }

  private release(w: Waiter): void {
    if (!this.waiters.delete(w)) return;
    clearTimeout(w.timer);
    w.resolve();
  }

  private scheduleCheck(ms: number): void {
    if (this.check || !this.waiters.size) return;
    this.check = setTimeout(() => {
      this.check = undefined;
      if (this.inflight > 0) return; // the next end schedules again
      const wait = QUIET_MS - (performance.now() - this.lastEnd);
      if (wait > 0) return this.scheduleCheck(wait);
      for (const w of [...this.waiters]) this.release(w);
    }, ms);
    this.check.unref();
  }

  /** Lets every waiting job go (shutdown: jobs finish or are handed back without waiting). */
  close(): void {
    clearTimeout(this.check);
    this.check = undefined;
    for (const w of [...this.waiters]) this.release(w);
  }
}
