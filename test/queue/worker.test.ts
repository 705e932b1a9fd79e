import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type Db } from '../../src/db/prisma.js';
import { PermanentJobError } from '../../src/errors.js';
// The queue's own tests run kinds outside the job registry, so they insert with the statement enqueue() wraps.
import { insertJob, JOB_CHANNEL } from '../../src/queue/sql.js';
import { queueDepth } from '../../src/queue/admin.js';
import { Worker } from '../../src/queue/worker.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { jobRow, startWorker, testJob, waitForJobGone, waitForJobState } from './support.js';

let h: Harness;
const workers: Worker<unknown>[] = [];
const clients: Db[] = [];

beforeAll(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await Promise.all(clients.splice(0).map((c) => c.$disconnect()));
});
afterAll(async () => h?.close());

const enqueueOne = (kind: string, payload: unknown = {}, opts = {}) => h.deps.prisma.$transaction((tx) => insertJob(tx, kind, payload, opts));

/** A worker on the harness database, stopped after the test. */
async function own(o: Partial<Parameters<typeof startWorker>[0]> & Pick<Parameters<typeof startWorker>[0], 'definitions'>) {
  const w = await startWorker({ prisma: h.deps.prisma, databaseUrl: h.db.url, logger: h.deps.logger, ...o });
  workers.push(w);
  return w;
}

describe('enqueue', () => {
  it('creates the job only when the surrounding transaction commits', async () => {
    await expect(
      h.deps.prisma.$transaction(async (tx) => {
        await insertJob(tx, 'rollback-kind', { n: 1 });
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    expect(await h.deps.prisma.job.count({ where: { kind: 'rollback-kind' } })).toBe(0);
    const id = await enqueueOne('rollback-kind', { n: 2 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await h.deps.prisma.job.count({ where: { kind: 'rollback-kind' } })).toBe(1);
  });

  it('enqueues a unique key once', async () => {
    const first = await enqueueOne('unique-kind', {}, { uniqueKey: 'ack:T-260321-0042' });
    const second = await enqueueOne('unique-kind', {}, { uniqueKey: 'ack:T-260321-0042' });
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    expect(await h.deps.prisma.job.count({ where: { uniqueKey: 'ack:T-260321-0042' } })).toBe(1);
  });

  it('keeps a keyed job COMPLETED after it ran, so its key is still taken; a job without a key is deleted', async () => {
    const ran: string[] = [];
    await own({ definitions: [testJob('once-kind', async (_d, _p, ctx) => void ran.push(ctx.id))] });
    const keyed = (await enqueueOne('once-kind', {}, { uniqueKey: 'ack:T-260321-0043' }))!;
    const plain = (await enqueueOne('once-kind'))!;
    const done = await waitForJobState(h.deps.prisma, keyed, 'COMPLETED');
    expect(done).toMatchObject({ attempts: 1, locked_by: null });
    expect(done.finished_at).not.toBeNull();
    await waitForJobGone(h.deps.prisma, plain);
    // The acknowledgement of that tip was sent: enqueueing it again is still a no-op.
    expect(await enqueueOne('once-kind', {}, { uniqueKey: 'ack:T-260321-0043' })).toBeNull();
    expect(ran.sort()).toEqual([keyed, plain].sort());
    expect(await h.deps.prisma.job.count({ where: { kind: 'once-kind' } })).toBe(1);
  });
});

describe('workers', () => {
  it('drains 2,000 jobs with 4 workers of concurrency 4 on separate connections, each job done exactly once', async () => {
    const runs = new Map<string, number>();
    const seen = new Map<number, string[]>();
    const byWorker = new Map<string, number>();
    const total = 2000;
    // Each worker's first job waits until every worker has one: the claim must be shared, not won by
    // one process. Waiting (not counting afterwards) keeps this true on a busy machine, where a worker
    // that starts late could otherwise find the queue already drained.
    let allIn!: () => void;
    const everyWorkerStarted = new Promise<void>((resolve) => (allIn = resolve));
    for (let i = 0; i < 4; i++) {
      const prisma = createPrisma(h.db.url, 5);
      clients.push(prisma);
      const w: Worker<unknown> = await own({
        prisma,
        concurrency: 4,
        workerId: `drain-${i}`,
        definitions: [
          testJob('drain', async (_d, payload, ctx) => {
            runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
            const n = payload.n as number;
            seen.set(n, [...(seen.get(n) ?? []), ctx.id]);
            byWorker.set(w.id, (byWorker.get(w.id) ?? 0) + 1);
            if (byWorker.size === 4) allIn();
            await everyWorkerStarted;
            // Yield so that jobs of different workers interleave.
            if (n % 7 === 0) await new Promise((r) => setTimeout(r, 1));
          }),
        ],
      });
    }
    // Enqueued in batches while the workers run, each batch announced like enqueue() does.
    const ids: string[] = [];
    for (let b = 0; b < 4; b++) {
      await h.deps.prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ id: string }[]>`
          INSERT INTO job (kind, payload) SELECT 'drain', jsonb_build_object('n', n) FROM generate_series(${b * 500}::int, ${b * 500 + 499}::int) AS n
          RETURNING id::text`;
        ids.push(...rows.map((r) => r.id));
        await tx.$executeRaw`SELECT pg_notify(${JOB_CHANNEL}, 'drain')`;
      });
    }
    await waitFor(async () => byWorker.size === 4, 30_000, 'every worker took a job');
    // Without a unique key, a job's row is deleted once its completion is recorded.
    await waitFor(async () => (await h.deps.prisma.job.count({ where: { kind: 'drain' } })) === 0, 60_000, 'all jobs completed');

    expect(ids).toHaveLength(total);
    expect([...runs.values()].filter((n) => n !== 1)).toEqual([]);
    expect(new Set(ids)).toEqual(new Set(runs.keys()));
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect([...seen.values()].every((v) => v.length === 1)).toBe(true);
    // Every worker took part (the claim is shared, not won by one process).
    expect(byWorker.size).toBe(4);
  });

  it('backs off a failing handler, moving run_at forward, and marks it dead after max attempts with the last error', async () => {
    const attempts: number[] = [];
    // pollSeconds is huge: the retries run because the worker wakes itself when each backoff ends.
    await own({
      pollSeconds: 600,
      backoffBaseSeconds: 1,
      definitions: [
        testJob('always-fails', async (_d, _p, ctx) => {
          attempts.push(ctx.attempt);
          throw new Error(`漏水 report could not be processed (attempt ${ctx.attempt})`);
        }),
      ],
    });
    const id = (await enqueueOne('always-fails', { submissionId: 'x' }, { maxAttempts: 3 }))!;
    const afterFirst = await waitFor(
      async () => {
        const r = await jobRow(h.deps.prisma, id);
        return r?.attempts === 1 && r.state === 'QUEUED' ? r : null;
      },
      15_000,
      'first failure recorded',
    );
    expect(afterFirst.last_error).toContain('attempt 1');
    expect(afterFirst.locked_by).toBeNull();
    // Backoff of attempt 1 with base 1 s is between 0.5 and 1 s after the failure.
    expect(afterFirst.run_at.getTime()).toBeGreaterThan(afterFirst.started_at!.getTime() + 400);

    const dead = await waitForJobState(h.deps.prisma, id, 'DEAD', 20_000);
    expect(dead.attempts).toBe(3);
    expect(dead.last_error).toContain('attempt 3');
    expect(dead.finished_at).not.toBeNull();
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('sends a permanent failure straight to dead', async () => {
    let calls = 0;
    await own({
      definitions: [
        testJob('permanent', async () => {
          calls++;
          throw new PermanentJobError('submission no longer exists');
        }),
      ],
    });
    const id = (await enqueueOne('permanent', {}, { maxAttempts: 5 }))!;
    const dead = await waitForJobState(h.deps.prisma, id, 'DEAD');
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toBe('submission no longer exists');
    expect(calls).toBe(1);
  });

  it("gives a job enqueued without maxAttempts its kind's limit, else the worker default", async () => {
    await own({
      maxAttempts: 1,
      backoffBaseSeconds: 0.05,
      definitions: [
        testJob(
          'kind-limit',
          async () => {
            throw new Error('楼道灯坏了 job failed');
          },
          2,
        ),
        testJob('worker-limit', async () => {
          throw new Error('still failing');
        }),
      ],
    });
    const a = (await enqueueOne('kind-limit'))!;
    const b = (await enqueueOne('worker-limit'))!;
    expect((await waitForJobState(h.deps.prisma, a, 'DEAD')).attempts).toBe(2);
    expect((await waitForJobState(h.deps.prisma, b, 'DEAD')).attempts).toBe(1);
  });

  it('wakes an idle worker through LISTEN/NOTIFY long before its poll', async () => {
    const done: string[] = [];
    await own({
      pollSeconds: 600,
      definitions: [testJob('wake', async (_d, _p, ctx) => void done.push(ctx.id))],
    });
    const first = (await enqueueOne('wake'))!;
    await waitFor(async () => done.includes(first));
    // Let the worker go back to sleep (a 600 s poll) before the next job arrives.
    await new Promise((r) => setTimeout(r, 500));
    const second = (await enqueueOne('wake'))!;
    await waitFor(async () => done.includes(second), 10_000, 'job run after NOTIFY');
    await waitForJobGone(h.deps.prisma, second);
  });

  it('on stop hands back a job that does not finish in the grace period, and records one that does', async () => {
    let release!: () => void;
    const slowDone = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const w = await startWorker({
      prisma: h.deps.prisma,
      databaseUrl: h.db.url,
      logger: h.deps.logger,
      concurrency: 2,
      shutdownGraceMs: 400,
      definitions: [
        testJob('stuck', async (_d, _p, ctx) => {
          started.push(ctx.id);
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          throw new Error('aborted');
        }),
        testJob('finishing', async (_d, _p, ctx) => {
          started.push(ctx.id);
          await slowDone;
        }),
      ],
    });
    const stuck = (await enqueueOne('stuck'))!;
    const finishing = (await enqueueOne('finishing'))!;
    await waitFor(async () => started.length === 2);
    const stopping = w.stop();
    setTimeout(release, 100);
    await stopping;

    const s = await jobRow(h.deps.prisma, stuck);
    expect(s).toMatchObject({ state: 'QUEUED', attempts: 0, locked_by: null, last_error: null });
    // Its completion was recorded before stop() returned: the row is gone (it has no unique key).
    expect(await jobRow(h.deps.prisma, finishing)).toBeUndefined();
    expect(h.logs.text).toContain('released unfinished jobs on shutdown');
  });

  it('prunes completed jobs older than the retention period and keeps the rest', async () => {
    await h.deps.prisma.$executeRaw`
      INSERT INTO job (kind, state, finished_at) VALUES
        ('prune-old', 'COMPLETED', now() - interval '100 hours'),
        ('prune-old', 'COMPLETED', now() - interval '73 hours'),
        ('prune-recent', 'COMPLETED', now() - interval '1 hour'),
        ('prune-dead', 'DEAD', now() - interval '500 hours')`;
    // Not started: start() runs maintenance in the background, which would race this call.
    const w = new Worker<unknown>({
      prisma: h.deps.prisma,
      databaseUrl: h.db.url,
      logger: h.deps.logger,
      deps: {},
      retentionHours: 72,
      definitions: [],
    });
    const { pruned } = await w.maintain();
    expect(pruned).toBe(2);
    expect(await h.deps.prisma.job.count({ where: { kind: 'prune-old' } })).toBe(0);
    expect(await h.deps.prisma.job.count({ where: { kind: 'prune-recent' } })).toBe(1);
    expect(await h.deps.prisma.job.count({ where: { kind: 'prune-dead' } })).toBe(1);
    expect((await queueDepth(h.deps.prisma)).DEAD).toBeGreaterThanOrEqual(1);
  });
});

describe('priorities and per-kind caps', () => {
  it('starts the jobs it claimed in priority order, whatever order the claim returned them in', async () => {
    const order: number[] = [];
    for (let i = 0; i < 6; i++) await enqueueOne('prio-kind', { p: -1 }, { priority: -1 });
    for (let i = 0; i < 6; i++) await enqueueOne('prio-kind', { p: 0 });
    // Concurrency 1: the twelve are claimed in one round trip and started one at a time.
    await own({ concurrency: 1, prefetch: 20, definitions: [testJob('prio-kind', async (_d, p) => void order.push(p.p as number))] });
    await waitFor(async () => order.length === 12);
    expect(order).toEqual([0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1]);
  });

  it("keeps a capped kind to its slots; the kind's backlog does not hold up other kinds", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let most = 0;
    const read: string[] = [];
    const intake: string[] = [];
    const reading = testJob('capped-read', async (_d, _p, ctx) => {
      most = Math.max(most, ++running);
      await gate;
      running--;
      read.push(ctx.id);
    });
    for (let i = 0; i < 8; i++) await enqueueOne('capped-read');
    await own({
      concurrency: 3,
      definitions: [{ ...reading, maxRunning: 1 }, testJob('capped-intake', async (_d, _p, ctx) => void intake.push(ctx.id))],
    });
    await waitFor(async () => running === 1);
    // Queued after the readings were claimed (and parked behind the one running): they still run at once.
    const later = [(await enqueueOne('capped-intake'))!, (await enqueueOne('capped-intake'))!];
    await waitFor(async () => intake.length === 2, 10_000, 'the other kind to run while the capped kind waits');
    expect(intake.sort()).toEqual(later.sort());
    expect(read).toEqual([]);
    release();
    await waitFor(async () => read.length === 8);
    expect(most).toBe(1);
    expect(new Set(read).size).toBe(8);
  });

  it('hands a job waiting on its kind’s cap back to the queue before its lease runs out', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runs: string[] = [];
    const first = (await enqueueOne('capped-lease', { n: 1 }))!;
    await own({
      concurrency: 2,
      leaseSeconds: 3,
      definitions: [
        {
          ...testJob('capped-lease', async (_d, p, ctx) => {
            if (p.n === 1) await gate;
            runs.push(ctx.id);
          }),
          maxRunning: 1,
        },
      ],
    });
    await waitFor(async () => (await jobRow(h.deps.prisma, first))?.state === 'RUNNING');
    const second = (await enqueueOne('capped-lease', { n: 2 }))!;
    const claimed = await waitFor(async () => {
      const r = await jobRow(h.deps.prisma, second);
      return r?.state === 'RUNNING' ? r : null;
    });
    // Held, not started (the first job has the kind's one slot): within a third of the 3 s lease,
    // plus the sweep's interval, it goes back (and is claimed again), never past its lease.
    await waitFor(
      async () => {
        const r = await jobRow(h.deps.prisma, second);
        return r && (r.state === 'QUEUED' || r.started_at!.getTime() !== claimed.started_at!.getTime());
      },
      10_000,
      'the held job to be handed back',
    );
    expect(runs).toEqual([]);
    release();
    await waitForJobGone(h.deps.prisma, second);
    await waitForJobGone(h.deps.prisma, first);
    expect(runs.sort()).toEqual([first, second].sort());
  });
});
