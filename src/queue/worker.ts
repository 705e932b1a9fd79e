import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { systemClock, type Clock } from '../clock.js';
import type { Db } from '../db/prisma.js';
import { isPermanent } from '../errors.js';
import { scrubContacts } from '../contacts.js';
import type { Logger } from '../logger.js';
import { backoffSeconds } from './backoff.js';
import type { WorkerJob } from './job.js';
import { maintainQueue } from './maintenance.js';
import { Completions } from './completions.js';
import { HeldJobs } from './held-jobs.js';
import { Prefetch } from './prefetch.js';
import { completeAndClaimJobs, completeJobs, listenForJobs, notifyWorkers, recordFailure, releaseJobs, renewLeases, type ClaimedRow } from './sql.js';

// Runs the PostgreSQL job queue on the `job` table. Claims use FOR UPDATE SKIP LOCKED so any
// number of worker processes share one database; a claim is a lease that another
// worker takes over once it expires (the holder died); LISTEN/NOTIFY wakes idle
// workers at once and a slow poll covers lost notifications.

export interface WorkerOptions<D> {
  prisma: Db;
  databaseUrl: string;
  deps: D;
  definitions: WorkerJob<any, D>[];
  logger: Logger;
  concurrency?: number;
  /**
   * Jobs claimed beyond the free slots and held, leased, in memory until a slot frees: one round
   * trip claims many and a finished job's slot is refilled without one. Unset, it follows the
   * work: about a second's worth at the rate this worker has been finishing jobs, at least
   * 4 × concurrency and at most 1,000 (a backlog of quick jobs is claimed hundreds per round trip;
   * slow jobs are not hoarded). A held job counts against its lease like a running one, so a killed
   * worker's held jobs come back with its running ones; one held for a third of the lease is handed back instead.
   */
  prefetch?: number;
  leaseSeconds?: number;
  pollSeconds?: number;
  backoffBaseSeconds?: number;
  backoffCapSeconds?: number;
  retentionHours?: number;
  /** Attempts for jobs enqueued without maxAttempts whose kind sets none either. */
  maxAttempts?: number;
  /** How often expired leases are recovered and old jobs pruned. */
  maintenanceSeconds?: number;
  workerId?: string;
  /** How long stop() lets running jobs finish before it hands them back. */
  shutdownGraceMs?: number;
  onJobEvent?: (event: 'completed' | 'retry' | 'dead', kind: string) => void;
  /** Ages of held jobs and the finishing rate behind the default prefetch. */
  clock?: Clock;
}

export class Worker<D> {
  readonly id: string;
  private readonly defs: Map<string, WorkerJob<any, D>>;
  private readonly running = new Map<string, { abort: AbortController; promise: Promise<void> }>();
  /** Running jobs per kind, for the kinds with a cap (WorkerJob.maxRunning). */
  private readonly runningByKind = new Map<string, number>();
  private readonly caps = new Map<string, number>();
  private listener?: pg.Client;
  /** The queue's own connections for claims and outcomes (see start()). */
  private pool?: pg.Pool;
  private stopping = false;
  private sleeper?: () => void;
  private poked = false;
  private loopDone?: Promise<void>;
  private timers: NodeJS.Timeout[] = [];
  /** Finished jobs not yet recorded (deleted, or COMPLETED if keyed): the next claim takes them along, else their own statement on the next tick. */
  private readonly completed: Completions;
  /** Claimed jobs waiting for a free slot (held-jobs.ts). */
  private readonly held = new HeldJobs();
  private readonly prefetch: Prefetch;
  private readonly clock: Clock;
  private readonly o: Required<Omit<WorkerOptions<D>, 'onJobEvent' | 'workerId' | 'prefetch' | 'clock'>> &
    Pick<WorkerOptions<D>, 'onJobEvent' | 'prefetch'>;

  constructor(opts: WorkerOptions<D>) {
    this.id = opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.defs = new Map(opts.definitions.map((d) => [d.id, d]));
    for (const d of opts.definitions) if (d.maxRunning !== undefined) this.caps.set(d.id, Math.max(1, d.maxRunning));
    this.o = {
      concurrency: 4,
      leaseSeconds: 60,
      pollSeconds: 5,
      backoffBaseSeconds: 5,
      backoffCapSeconds: 3600,
      retentionHours: 72,
      maxAttempts: 10,
      maintenanceSeconds: 30,
      shutdownGraceMs: 10_000,
      ...opts,
    } as typeof this.o;
    this.clock = opts.clock ?? systemClock;
    this.prefetch = new Prefetch(this.o.concurrency, this.clock, opts.prefetch);
    this.completed = new Completions(
      (jobs) => completeJobs(this.pool!, jobs, this.id),
      (jobs) => {
        for (const j of jobs) this.o.onJobEvent?.('completed', j.kind);
      },
      this.o.logger,
    );
  }

  async start(): Promise<void> {
    // Claims, completions, failures and lease renewals commit without waiting for the WAL
    // flush: that wait is most of a claim's cost. Only a crash of the database server can lose
    // such a commit, and then the job simply runs again (at-least-once; handlers are idempotent).
    // Enqueues stay in the caller's durable transaction; stop()'s hand-back is durable too.
    this.pool = new pg.Pool({
      connectionString: this.o.databaseUrl,
      max: 3,
      options: '-c synchronous_commit=off',
      application_name: 'tipdesk-queue',
    } as pg.PoolConfig);
    // pg-pool's end() can resolve while an idle client's socket is still closing; if the database
    // stops right after (the embedded one does, on shutdown), that client reports the termination.
    // Once stopping, a lost connection is expected and costs nothing: the jobs were handed back.
    this.pool.on('error', (err) =>
      this.stopping
        ? this.o.logger.debug({ err: err.message }, 'queue connection closed during shutdown')
        : this.o.logger.warn({ err: err.message }, 'queue connection lost'),
    );
    await this.listen();
    this.loopDone = this.loop();
    const maintenance = setInterval(
      () => void this.maintain().catch((e) => this.o.logger.warn({ err: (e as Error).message }, 'queue maintenance failed')),
      this.o.maintenanceSeconds * 1000,
    );
    maintenance.unref();
    this.timers.push(maintenance);
    const renewal = setInterval(
      () => {
        this.renewRunning();
        this.handBackStale();
      },
      (this.o.leaseSeconds * 1000) / 3,
    );
    renewal.unref();
    this.timers.push(renewal);
    void this.maintain().catch(() => {});
    this.o.logger.info({ worker: this.id, kinds: [...this.defs.keys()], concurrency: this.o.concurrency }, 'worker started');
  }

  /**
   * Stops claiming, hands back the jobs held and not started, lets running jobs finish for the grace
   * period, then hands the rest back; every finished job's completion is recorded before it returns.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.timers.forEach(clearInterval);
    this.wake();
    await this.loopDone;
    await this.handBack(this.held.takeAll());
    const inflight = [...this.running.values()].map((r) => r.promise);
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((r) => (graceTimer = setTimeout(() => r('timeout'), this.o.shutdownGraceMs)));
    const outcome = await Promise.race([Promise.all(inflight), grace]);
    clearTimeout(graceTimer);
    if (outcome === 'timeout') {
      const ids = [...this.running.keys()];
      // Hand back first, then abort: a handler failing on the abort must not record a failed attempt.
      await releaseJobs(this.o.prisma, ids, this.id);
      for (const r of this.running.values()) r.abort.abort();
      await notifyWorkers(this.o.prisma, 'released');
      this.o.logger.warn({ released: ids.length }, 'released unfinished jobs on shutdown');
    }
    await this.completed.close().catch((e) => this.o.logger.error({ err: (e as Error).message }, 'could not record finished jobs'));
    await this.listener?.end().catch(() => {});
    await this.pool?.end().catch(() => {});
    this.o.logger.info({ worker: this.id }, 'worker stopped');
  }

  private async listen(): Promise<void> {
    if (this.stopping) return;
    const client = new pg.Client({ connectionString: this.o.databaseUrl });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      this.listener = undefined;
      client.end().catch(() => {});
      // Shutting down: the database may be stopping too; nothing to reconnect for.
      if (this.stopping) return void this.o.logger.debug({ err: err.message }, 'job listener closed during shutdown');
      this.o.logger.warn({ err: err.message }, 'job listener connection lost; polling until it is back');
      const t = setTimeout(() => void this.listen().catch(() => {}), 2000);
      t.unref();
    });
    try {
      await client.connect();
      await listenForJobs(client);
      if (this.stopping) {
        await client.end().catch(() => {});
        return;
      }
      this.listener = client;
      this.wake();
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'job listener could not connect; retrying');
      client.end().catch(() => {});
      const t = setTimeout(() => void this.listen().catch(() => {}), 2000);
      t.unref();
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.fill();
      // Claim when a slot is free and nothing is held, or early, once the held jobs are down to
      // half the prefetch: they keep the slots busy while the claim is on its way.
      const heldCount = this.held.size;
      const claiming = heldCount === 0 ? this.running.size < this.o.concurrency : heldCount <= this.lowWater();
      let claimed = 0;
      let want = 0;
      if (claiming) {
        want = this.o.concurrency + this.prefetch.size - this.running.size - heldCount;
        try {
          const jobs = await this.claim(want);
          claimed = jobs.length;
          this.held.add(jobs, this.clock.now().getTime());
          this.fill();
          failures = 0;
        } catch (err) {
          failures++;
          this.o.logger.warn({ err: (err as Error).message }, 'claiming jobs failed; will retry');
          await this.sleep(Math.min(30_000, 250 * 2 ** failures));
          continue;
        }
      }
      // A full batch means there may be more: claim again as soon as the held jobs run low (a
      // finished job wakes the loop then). A short batch means every due job is taken (SKIP
      // LOCKED only skips rows other workers are claiming), so wait for a notification or the poll.
      if (claimed > 0 && claimed === want && this.held.size <= this.lowWater()) continue;
      await this.sleep(this.o.pollSeconds * 1000);
    }
  }

  private lowWater(): number {
    return Math.floor(this.prefetch.size / 2);
  }

  private atCap(kind: string): boolean {
    const cap = this.caps.get(kind);
    return cap !== undefined && (this.runningByKind.get(kind) ?? 0) >= cap;
  }

  /** Starts held jobs in the free slots (no round trip); one held too long (its lease running out) is handed back. */
  private fill(): void {
    if (this.stopping) return;
    const stale: string[] = [];
    const maxAge = (this.o.leaseSeconds * 1000) / 3;
    const now = this.clock.now().getTime();
    while (this.running.size < this.o.concurrency) {
      const next = this.held.next((kind) => this.atCap(kind));
      if (!next) break;
      if (now - next.at > maxAge) stale.push(next.job.id);
      else this.run(next.job);
    }
    if (stale.length) void this.handBack(stale).catch((e) => this.o.logger.warn({ err: (e as Error).message }, 'could not hand back held jobs'));
  }

  /**
   * Held and parked jobs claimed more than a third of the lease ago go back to the queue. fill()
   * does this for the jobs it comes to; this covers those it does not reach while every slot stays
   * busy or their kind stays at its cap, so none is held past its lease (another worker would run it too).
   */
  private handBackStale(): void {
    if (this.stopping) return;
    const stale = this.held.takeStale(this.clock.now().getTime(), (this.o.leaseSeconds * 1000) / 3);
    if (stale.length) void this.handBack(stale).catch((e) => this.o.logger.warn({ err: (e as Error).message }, 'could not hand back held jobs'));
  }

  /** Claimed jobs that never started go back to the queue at once, their attempt not counted. */
  private async handBack(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await releaseJobs(this.o.prisma, ids, this.id);
    await notifyWorkers(this.o.prisma, 'released');
  }

  /** Wakes the claim loop; a poke while it is busy makes the next sleep return at once. */
  private wake(): void {
    this.poked = true;
    this.sleeper?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.sleeper = undefined;
        this.poked = false;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.sleeper = done;
    });
  }

  /** Wakes the loop when a job this worker scheduled for later becomes due (no NOTIFY fires then). */
  private wakeIn(ms: number): void {
    if (ms >= this.o.pollSeconds * 1000) return;
    // Timers count from the event loop's cached time and can fire a few ms before run_at
    // has passed on the database clock; a claim then finds nothing and the retry waits a poll.
    setTimeout(() => this.wake(), ms + 100).unref();
  }

  /**
   * Records finished jobs and claims up to `limit` due jobs, in one statement. Kinds with jobs
   * parked (at their cap, with more waiting) are left out: more of them could not start either.
   */
  private async claim(limit: number): Promise<ClaimedRow[]> {
    this.prefetch.measure();
    const defs = [...this.defs.values()].filter((d) => !this.held.isParked(d.id));
    if (!defs.length) return [];
    const kinds = defs.map((d) => d.id);
    const maxes = defs.map((d) => d.maxAttempts ?? this.o.maxAttempts);
    const done = this.completed.take();
    let rows: ClaimedRow[];
    try {
      rows = await completeAndClaimJobs(this.pool!, {
        completed: done,
        workerId: this.id,
        kinds,
        maxes,
        limit,
        leaseSeconds: this.o.leaseSeconds,
      });
    } catch (err) {
      this.completed.giveBack(done);
      throw err;
    }
    this.completed.done(done);
    return rows;
  }

  private run(job: ClaimedRow): void {
    const abort = new AbortController();
    const capped = this.caps.has(job.kind);
    if (capped) this.runningByKind.set(job.kind, (this.runningByKind.get(job.kind) ?? 0) + 1);
    const promise = this.execute(job, abort.signal)
      .catch((err) => this.o.logger.error({ err: (err as Error).message, job: job.id }, 'could not record job outcome'))
      .finally(() => {
        this.running.delete(job.id);
        if (capped) this.runningByKind.set(job.kind, this.runningByKind.get(job.kind)! - 1);
        this.prefetch.finishedOne();
        // The freed slot takes the next held job at once; the loop is woken only when a claim may be due.
        this.fill();
        if (this.held.size <= this.lowWater()) this.wake();
      });
    this.running.set(job.id, { abort, promise });
  }

  private async execute(job: ClaimedRow, signal: AbortSignal): Promise<void> {
    const def = this.defs.get(job.kind)!;
    // The lease of a long handler is renewed by renewRunning() so it is not mistaken for a dead worker.
    try {
      const parsed = def.payload.safeParse(job.payload);
      if (!parsed.success)
        throw Object.assign(new Error(`invalid payload: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`), { permanent: true });
      await def.handler(this.o.deps, parsed.data, { id: job.id, kind: job.kind, attempt: job.attempts, maxAttempts: job.max_attempts, signal });
      // Recorded on the next tick with the others finished by then, or by a claim sent sooner (or by
      // stop()). A crash before that runs the job again after its lease: handlers are idempotent.
      if (!signal.aborted) this.completed.add({ id: job.id, kind: job.kind, keyed: job.keyed });
    } catch (err) {
      // stop() already handed this job back; its failure on the abort is not an attempt.
      if (signal.aborted) return;
      // The error text is shown to admins (GET /api/jobs) and logged: no tipster contact in it.
      const message = scrubContacts(err instanceof Error ? err.message : String(err));
      const dead = isPermanent(err) || job.attempts >= job.max_attempts;
      const delay = backoffSeconds(job.attempts, this.o.backoffBaseSeconds, this.o.backoffCapSeconds);
      await recordFailure(this.pool!, { id: job.id, workerId: this.id, dead, error: message.slice(0, 2000), delaySeconds: delay });
      this.o.onJobEvent?.(dead ? 'dead' : 'retry', job.kind);
      if (!dead) this.wakeIn(delay * 1000);
      const log = this.o.logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
      if (dead) log.error({ err: message }, 'job is dead');
      else log.warn({ err: message, retryInSeconds: Math.round(delay) }, 'job failed; will retry');
    }
  }

  /** Extends the lease of every running job in one statement (a timer per job cost more than the jobs). */
  private renewRunning(): void {
    const ids = [...this.running.keys()];
    if (ids.length) void renewLeases(this.pool!, ids, this.id, this.o.leaseSeconds).catch(() => {});
  }

  /** Expired leases go back to the queue (their worker died); old completed jobs are pruned. */
  maintain(): Promise<{ recovered: number; pruned: number }> {
    return maintainQueue(this.o.prisma, this.o.logger, this.o.retentionHours);
  }

  get busy(): number {
    return this.running.size;
  }
}
