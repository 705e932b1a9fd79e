import type { Clock } from '../clock.js';

/** The default prefetch's ceiling. Claims then go out at half of it, 500 rows at a time: per row about as cheap as 100, half the cost of 20. */
const MAX_PREFETCH = 1000;
/** The default prefetch holds about this much work, at the rate jobs have been finishing. */
const HOLD_MS = 1000;

/**
 * How many jobs a worker claims beyond its free slots (WorkerOptions.prefetch): a fixed number if
 * configured, else about HOLD_MS of work at the rate the worker has been finishing jobs, between
 * 4 × concurrency and MAX_PREFETCH. A backlog of quick jobs is claimed hundreds per round trip;
 * slow jobs stay near the floor, so one worker does not hoard what others could run.
 */
export class Prefetch {
  /** Jobs finished per second: up at once to a higher sample, down by halves (a backlog is taken in big batches from the second claim on). */
  private rate = 0;
  private finished = 0;
  /** When the current sample began (unset until the first claim, so the worker's start-up is not counted). */
  private since?: number;

  constructor(
    private readonly concurrency: number,
    private readonly clock: Clock,
    private readonly fixed?: number,
  ) {}

  get size(): number {
    if (this.fixed !== undefined) return this.fixed;
    return Math.max(4 * this.concurrency, Math.min(MAX_PREFETCH, Math.round((this.rate * HOLD_MS) / 1000)));
  }

  finishedOne(): void {
    this.finished++;
  }

  /** Takes in the jobs finished since the last measurement (before each claim). */
  measure(): void {
    const now = this.clock.now().getTime();
    this.since ??= now;
    const elapsed = now - this.since;
    // The clock counts whole milliseconds: claims closer together are measured together.
    if (elapsed < 5) return;
    const sample = (this.finished * 1000) / elapsed;
    this.rate = Math.max(sample, (this.rate + sample) / 2);
    this.finished = 0;
    this.since = now;
  }
}
