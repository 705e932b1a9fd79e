import type { ClaimedRow } from './sql.js';

/** A claimed job waiting for a slot, with when it was claimed (clock ms). */
export interface Held {
  job: ClaimedRow;
  at: number;
}

/**
 * The jobs a worker has claimed and not started yet, in the order they should start. Kept apart
 * from the worker's slots and round trips so that the order, the caps and the hand-back of stale
 * jobs can be read (and tested) on their own.
 * - Held jobs are kept highest priority first; a batch of intake claimed behind a backlog of
 *   low-priority jobs starts before them.
 * - A held job whose kind is at its cap (WorkerJob.maxRunning) is parked under its kind, in the
 *   order it was held: the jobs behind it (other kinds) take the free slots, and no more of its
 *   kind is claimed meanwhile (see isParked).
 */
export class HeldJobs {
  /** Held jobs, from `from` on (the ones before it were started or parked). */
  private held: Held[] = [];
  private from = 0;
  /** Parked jobs by kind; only kinds with jobs parked are keys. */
  private readonly parked = new Map<string, Held[]>();

  /** Held jobs not parked: what keeps the slots busy while a claim is on its way. */
  get size(): number {
    return this.held.length - this.from;
  }

  /** Whether jobs of this kind wait for its cap: claiming more of them would not start them sooner. */
  isParked(kind: string): boolean {
    return this.parked.has(kind);
  }

  /** Adds claimed jobs (sorted by priority by the claim) at `at`, keeping the highest priority first. */
  add(jobs: ClaimedRow[], at: number): void {
    const before = this.held.slice(this.from);
    const merged: Held[] = [];
    let i = 0;
    for (const job of jobs) {
      while (i < before.length && before[i]!.job.priority >= job.priority) merged.push(before[i++]!);
      merged.push({ job, at });
    }
    while (i < before.length) merged.push(before[i++]!);
    this.held = merged;
    this.from = 0;
  }

  /**
   * The job to start next: the first held, in priority order, whose kind is under its cap (those of
   * capped kinds met on the way are parked), unless a parked job whose kind has room again ranks at
   * least as high (it was held first).
   */
  next(atCap: (kind: string) => boolean): Held | undefined {
    let head: Held | undefined;
    while (this.from < this.held.length) {
      const h = this.held[this.from]!;
      if (!atCap(h.job.kind)) {
        head = h;
        break;
      }
      this.from++;
      const list = this.parked.get(h.job.kind);
      if (list) list.push(h);
      else this.parked.set(h.job.kind, [h]);
    }
    let best: Held[] | undefined;
    for (const [kind, list] of this.parked) {
      if (atCap(kind)) continue;
      const p = list[0]!;
      if (!best || p.job.priority > best[0]!.job.priority || (p.job.priority === best[0]!.job.priority && p.at < best[0]!.at)) best = list;
    }
    let out: Held | undefined = head;
    if (best && (!head || best[0]!.job.priority >= head.job.priority)) {
      out = best.shift()!;
      if (!best.length) this.parked.delete(out.job.kind);
    } else if (head) this.from++;
    if (this.from === this.held.length) {
      this.held = [];
      this.from = 0;
    }
    return out;
  }

  /** Removes the jobs, held or parked, claimed before `now - maxAge`; their ids. */
  takeStale(now: number, maxAge: number): string[] {
    const stale: string[] = [];
    const fresh = (list: Held[]) =>
      list.filter((h) => {
        if (now - h.at <= maxAge) return true;
        stale.push(h.job.id);
        return false;
      });
    this.held = fresh(this.held.slice(this.from));
    this.from = 0;
    for (const [kind, list] of this.parked) {
      const kept = fresh(list);
      if (kept.length) this.parked.set(kind, kept);
      else this.parked.delete(kind);
    }
    return stale;
  }

  /** Removes every job, held or parked; their ids. */
  takeAll(): string[] {
    const ids = [...this.held.slice(this.from), ...[...this.parked.values()].flat()].map((h) => h.job.id);
    this.held = [];
    this.from = 0;
    this.parked.clear();
    return ids;
  }
}
