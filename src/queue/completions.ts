import type { Logger } from '../logger.js';

// Finished jobs waiting to be recorded (deleted, or marked COMPLETED if they have a unique key). Recording them one statement per job cost as
// much as claiming them; here whatever finished by the next tick goes out in one statement, one
// statement in flight at a time (what finishes meanwhile goes in the next), and a claim about to
// be sent takes them along instead (Worker.claim). Until a completion is recorded the job is still
// RUNNING under its lease: if the worker dies first, the job runs again once the lease expires
// (at-least-once; handlers are idempotent, docs/reliability.md).

export interface FinishedJob {
  id: string;
  kind: string;
  keyed: boolean;
}

/** How long a failed write waits before it is tried again (a claim may take the jobs sooner). */
const RETRY_MS = 1000;

export class Completions {
  private pending: FinishedJob[] = [];
  private tick?: NodeJS.Immediate;
  private retry?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private closed = false;

  constructor(
    /** Records the jobs' completion, in one statement. */
    private readonly write: (jobs: FinishedJob[]) => Promise<void>,
    /** Called once the jobs' completion is recorded. */
    private readonly recorded: (jobs: FinishedJob[]) => void,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  /** A job finished: it is recorded on the next tick, with every other that finished by then. */
  add(job: FinishedJob): void {
    this.pending.push(job);
    this.schedule();
  }

  /** Hands the pending jobs to a statement that records them with something else (a claim). */
  take(): FinishedJob[] {
    return this.pending.splice(0);
  }

  /** That statement failed: the jobs wait for the next write. */
  giveBack(jobs: FinishedJob[]): void {
    if (!jobs.length) return;
    this.pending.unshift(...jobs);
    this.scheduleRetry();
  }

  /** That statement committed. */
  done(jobs: FinishedJob[]): void {
    if (jobs.length) this.recorded(jobs);
  }

  /** Records what is pending and writes no more on its own (the worker is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.tick) clearImmediate(this.tick);
    clearTimeout(this.retry);
    await this.flushing;
    const jobs = this.take();
    if (!jobs.length) return;
    try {
      await this.write(jobs);
    } catch (err) {
      this.pending.unshift(...jobs);
      throw err;
    }
    this.recorded(jobs);
  }

  private schedule(): void {
    if (this.closed || this.tick || this.flushing || this.retry) return;
    this.tick = setImmediate(() => {
      this.tick = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.length) this.schedule();
      });
    });
  }

  private scheduleRetry(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.schedule();
    }, RETRY_MS);
    this.retry.unref();
  }

  private async flush(): Promise<void> {
    const jobs = this.take();
    if (!jobs.length) return;
    try {
      await this.write(jobs);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, jobs: jobs.length }, 'could not record finished jobs; will retry');
      this.giveBack(jobs);
      return;
    }
    this.recorded(jobs);
  }
}
