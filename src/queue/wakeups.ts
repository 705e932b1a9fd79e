import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { notifyKinds } from './sql.js';

/**
 * Wakes the workers for jobs that hot paths (webhooks) inserted without a NOTIFY of their own.
 *
 * A NOTIFY inside a transaction takes a cluster-wide lock at commit and holds it through the
 * commit's disk flush, so a NOTIFY per webhook serialized every webhook behind every other one.
 * Here the caller commits first (durably), then calls poke(); pokes within `delayMs`, and any
 * that arrive while a notification is on its way, go out together as one statement on a
 * connection of our own that commits without waiting for the flush (a lost notification costs
 * nothing: workers also poll). One notification at a time, so under a storm the notifications
 * cost one round trip per batch, not one per request.
 *
 * Notifications are also at least `minIntervalMs` apart. With only the `delayMs` window a
 * webhook at a time (concurrency 1: one every few ms) still sent a NOTIFY per request, a second
 * round trip and a few timers that the CPU profile showed beside the webhook's own statement.
 * A worker told 20 ms later loses nothing: in the webhooks' own process intake-first holds
 * intake jobs until webhooks have been quiet for 25 ms (QUIET_MS) anyway, and every worker polls.
 */
export class JobWakeups {
  private pending = new Set<string>();
  private timer?: NodeJS.Timeout;
  private sending?: Promise<void>;
  private pool?: pg.Pool;
  private closed = false;
  /** When the last notification went out (performance.now(); -Infinity before the first). */
  private lastSentAt = -Infinity;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly delayMs = 2,
    private readonly minIntervalMs = 20,
  ) {}

  /** Announces committed jobs of `kind` (soon, together with others). */
  poke(kind: string): void {
    if (this.closed) return;
    this.pending.add(kind);
    if (!this.timer && !this.sending) this.schedule();
  }

  private schedule(): void {
    const wait = Math.max(this.delayMs, this.lastSentAt + this.minIntervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sending = this.send().finally(() => {
        this.sending = undefined;
        if (this.pending.size && !this.closed) this.schedule();
      });
    }, wait);
    this.timer.unref();
  }

  private async send(): Promise<void> {
    const kinds = [...this.pending];
    this.pending.clear();
    if (!kinds.length) return;
    this.lastSentAt = performance.now();
    this.pool ??= this.createPool();
    try {
      await notifyKinds(this.pool, kinds);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not wake the job workers; they will find the jobs on their next poll');
    }
  }

  private createPool(): pg.Pool {
    const pool = new pg.Pool({
      connectionString: this.databaseUrl,
      max: 1,
      options: '-c synchronous_commit=off',
      application_name: 'tipdesk-wakeups',
    } as pg.PoolConfig);
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return pool;
  }

  /** Sends what is pending and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
    if (this.pending.size) await this.send();
    this.closed = true;
    await this.pool?.end().catch(() => {});
  }
}
