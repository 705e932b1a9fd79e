// npm run bench:queue — Tipdesk's job queue against pg-boss 10 on the same PostgreSQL.
//
// For each concurrency (1, 4, 16) and each queue:
//  - throughput: 20,000 trivial jobs are inserted in bulk, then workers start and drain them;
//    jobs/s = 20,000 / (time from worker start to the last job recorded as completed).
//  - latency: 1,000 jobs are enqueued one per transaction at ~200/s while the workers idle;
//    enqueue-to-start = started_at - created_at of each job, both taken by the database clock
//    (Tipdesk's latency jobs carry a unique key, so their rows stay after completion).
// "Concurrency N" is one Tipdesk Worker with concurrency N, and for pg-boss N fetch→complete
// loops (one job each, the next fetch right after a completion, a 0.5 s sleep — pg-boss's minimum
// polling interval — only when a fetch came back empty) and also pg-boss's batch style (one loop
// fetching N jobs at a time and completing them together); the ratio uses the better of the two.
// graphile-worker 0.17 runs the same jobs in its default mode and in its batched mode (a local
// queue of 500 jobs locked per fetch, completions batched with no delay); its jobs are rows
// deleted on completion, so a run ends when its job table is empty, and its enqueue→start is
// locked_at - created_at (the claim, like Tipdesk's started_at).
// All run in this one process with a pool of 10 connections each.
//
// Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server at
// postgresql://postgres@127.0.0.1:5432/postgres, else an embedded PostgreSQL in a temp dir.
// A scratch database is created for the run and dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Logger as GraphileLogger, run as graphileWorker, runMigrations as graphileMigrations } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { z } from 'zod';
import { createPrisma, type Db } from '../src/db/prisma.js';
import { createLogger } from '../src/logger.js';
// The bench's kind is not in the job registry: it inserts with the statement enqueue() wraps.
import { insertJob } from '../src/queue/sql.js';
import { Worker } from '../src/queue/worker.js';
import { benchDatabase } from './bench-db.js';
import { loadNow, startLoad } from './load.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    latency: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1,4,16' },
    // Tipdesk's jobs claimed ahead per worker (default: the worker's own, 4 × concurrency).
    prefetch: { type: 'string' },
    // Which queues to run (a short run leaves out pg-boss, whose fetch sorts the whole backlog).
    queues: { type: 'string', default: 'tipdesk,pg-boss,graphile-default,graphile-batched' },
  },
});
const JOBS = Number(args.jobs);
const LATENCY_JOBS = Number(args.latency);
const RATE = Number(args.rate);
const LEVELS = args.concurrency!.split(',').map(Number);
const POOL = 10;
const QUEUES = new Set(args.queues!.split(','));

interface Result {
  queue: string;
  concurrency: number;
  jobsPerSecond: number;
  drainSeconds: number;
  p50Ms: number;
  p99Ms: number;
  /** The machine's 1-minute load average when this run ended. */
  loadAverage?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

// ---- Tipdesk -----------------------------------------------------------------------------

const silent = createLogger('silent');
const trivial = { id: 'bench', payload: z.object({ n: z.number() }), handler: async () => {} };

async function tipdeskRun(url: string, prisma: Db, concurrency: number): Promise<Result> {
  await prisma.$executeRaw`TRUNCATE job`;
  for (let i = 0; i < JOBS; i += 5000) {
    await prisma.$executeRaw`
      INSERT INTO job (kind, payload, max_attempts) SELECT 'bench', jsonb_build_object('n', n), 10
      FROM generate_series(${i}::int, ${Math.min(JOBS, i + 5000) - 1}::int) AS n`;
  }
  await prisma.$executeRaw`ANALYZE job`;
  let completed = 0;
  let allDone!: () => void;
  const drained = new Promise<void>((r) => (allDone = r));
  const worker = new Worker({
    prisma,
    databaseUrl: url,
    deps: {},
    definitions: [trivial],
    logger: silent,
    concurrency,
    ...(args.prefetch ? { prefetch: Number(args.prefetch) } : {}),
    pollSeconds: 5,
    onJobEvent: (e) => {
      if (e === 'completed' && ++completed === JOBS) allDone();
    },
  });
  const t0 = performance.now();
  await worker.start();
  await drained;
  const drainSeconds = (performance.now() - t0) / 1000;

  // Latency: the worker is idle now; jobs arrive one per transaction, the way intake enqueues.
  await prisma.$executeRaw`TRUNCATE job`;
  completed = 0;
  const target = LATENCY_JOBS;
  const latencyDone = new Promise<void>((r) => {
    const check = setInterval(() => {
      if (completed >= target) {
        clearInterval(check);
        r();
      }
    }, 20);
  });
  // Each with a unique key: a keyed job's row is kept when it completes (others are deleted), so
  // its started_at can be read below; the key changes nothing on the way from enqueue to start.
  let sent = 0;
  await paced(target, () => prisma.$transaction((tx) => insertJob(tx, 'bench', { n: 0 }, { uniqueKey: `latency:${sent++}` })));
  await latencyDone;
  await worker.stop();
  const rows = await prisma.$queryRaw<{ ms: number }[]>`
    SELECT (extract(epoch FROM started_at - created_at) * 1000)::float8 AS ms FROM job WHERE state = 'COMPLETED' ORDER BY 1`;
  const ms = rows.map((r) => r.ms);
  return { queue: 'tipdesk', concurrency, jobsPerSecond: JOBS / drainSeconds, drainSeconds, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) };
}

/** Calls send() `n` times at RATE per second (each awaited before the next, so the producer never overlaps itself). */
async function paced(n: number, send: () => Promise<unknown>): Promise<void> {
  const interval = 1000 / RATE;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await send();
    const wait = t0 + (i + 1) * interval - performance.now();
    if (wait > 0) await sleep(wait);
  }
}

// ---- pg-boss -----------------------------------------------------------------------------

type BossMode = 'slots' | 'batch';

async function bossRun(boss: PgBoss, prisma: Db, concurrency: number, mode: BossMode): Promise<Result> {
  const name = `bench_${mode}_${concurrency}_${randomBytes(3).toString('hex')}`;
  await boss.createQueue(name);
  for (let i = 0; i < JOBS; i += 1000) {
    await boss.insert(Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ name, data: { n: i + k } })));
  }
  await prisma.$executeRawUnsafe('ANALYZE pgboss.job');
  let completed = 0;
  let stop = false;
  const loops: Promise<void>[] = [];
  const batch = mode === 'slots' ? 1 : concurrency;
  const loopsWanted = mode === 'slots' ? concurrency : 1;
  const handler = async () => {};
  const t0 = performance.now();
  let drainedAt = 0;
  for (let l = 0; l < loopsWanted; l++) {
    loops.push(
      (async () => {
        while (!stop) {
          const jobs = await boss.fetch(name, { batchSize: batch });
          if (!jobs.length) {
            await sleep(500);
            continue;
          }
          await Promise.all(jobs.map(() => handler()));
          await boss.complete(
            name,
            jobs.map((j) => j.id),
          );
          completed += jobs.length;
          if (completed === JOBS) drainedAt = performance.now();
        }
      })(),
    );
  }
  while (!drainedAt) await sleep(5);
  const drainSeconds = (drainedAt - t0) / 1000;

  const lname = `${name}_lat`;
  await boss.createQueue(lname);
  const before = completed;
  stop = true;
  await Promise.all(loops);
  stop = false;
  const latencyLoops: Promise<void>[] = [];
  for (let l = 0; l < loopsWanted; l++) {
    latencyLoops.push(
      (async () => {
        while (!stop) {
          const jobs = await boss.fetch(lname, { batchSize: batch });
          if (!jobs.length) {
            await sleep(500);
            continue;
          }
          await boss.complete(
            lname,
            jobs.map((j) => j.id),
          );
          completed += jobs.length;
        }
      })(),
    );
  }
  await paced(LATENCY_JOBS, () => boss.send(lname, { n: 0 }));
  while (completed - before < LATENCY_JOBS) await sleep(20);
  stop = true;
  await Promise.all(latencyLoops);
  const rows = await prisma.$queryRawUnsafe<{ ms: number }[]>(
    `SELECT (extract(epoch FROM started_on - created_on) * 1000)::float8 AS ms FROM pgboss.job WHERE name = $1 AND state = 'completed' ORDER BY 1`,
    lname,
  );
  const ms = rows.map((r) => r.ms);
  return {
    queue: `pg-boss (${mode})`,
    concurrency,
    jobsPerSecond: JOBS / drainSeconds,
    drainSeconds,
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
  };
}

// ---- graphile-worker ------------------------------------------------------------------------

const graphileSilent = new GraphileLogger(() => () => {});

async function graphileRun(url: string, prisma: Db, concurrency: number, batched: boolean): Promise<Result> {
  const preset = batched ? { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0 } } : {};
  await prisma.$executeRawUnsafe('DELETE FROM graphile_worker._private_jobs');
  for (let i = 0; i < JOBS; i += 5000) {
    await prisma.$executeRawUnsafe(
      `SELECT graphile_worker.add_jobs(ARRAY(
         SELECT json_populate_record(NULL::graphile_worker.job_spec, json_build_object('identifier', 'bench', 'payload', json_build_object('n', n)))
         FROM generate_series($1::int, $2::int) AS n))`,
      i,
      Math.min(JOBS, i + 5000) - 1,
    );
  }
  await prisma.$executeRawUnsafe('ANALYZE graphile_worker._private_jobs');
  let handled = 0;
  let measuring = false;
  const waits: number[] = [];
  const t0 = performance.now();
  const runner = await graphileWorker({
    connectionString: url,
    maxPoolSize: POOL,
    concurrency,
    noHandleSignals: true,
    logger: graphileSilent,
    preset,
    taskList: {
      bench: async (_payload, helpers) => {
        handled++;
        const j = helpers.job;
        if (measuring && j.locked_at) waits.push(j.locked_at.getTime() - j.created_at.getTime());
      },
    },
  });
  // Done when every job ran and its completion is recorded (the row deleted).
  const remaining = async () =>
    Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM graphile_worker._private_jobs'))[0].n);
  while (handled < JOBS) await sleep(5);
  while ((await remaining()) > 0) await sleep(5);
  const drainSeconds = (performance.now() - t0) / 1000;

  measuring = true;
  const before = handled;
  await paced(LATENCY_JOBS, () => prisma.$executeRawUnsafe(`SELECT graphile_worker.add_job('bench', json_build_object('n', 0))`));
  while (handled - before < LATENCY_JOBS) await sleep(20);
  await runner.stop();
  const ms = waits.sort((a, b) => a - b);
  return {
    queue: `graphile-worker (${batched ? 'batched' : 'default'})`,
    concurrency,
    jobsPerSecond: JOBS / drainSeconds,
    drainSeconds,
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
  };
}

// ---- main ----------------------------------------------------------------------------------

const load = startLoad();
const db = await benchDatabase('tipdesk_bench_queue');
const { url, version } = db;
console.error(`PostgreSQL ${version} (${db.label}); ${JOBS} jobs per run, latency sample ${LATENCY_JOBS} at ${RATE}/s`);

const results: Result[] = [];
try {
  const prisma = createPrisma(url, POOL);
  const boss = new PgBoss({ connectionString: url, max: POOL, schedule: false, supervise: false });
  boss.on('error', (e: Error) => console.error('pg-boss error:', e.message));
  await boss.start();
  await graphileMigrations({ connectionString: url, logger: graphileSilent });
  for (const c of LEVELS) {
    const runs: [string, () => Promise<Result>][] = [
      ['tipdesk', () => tipdeskRun(url, prisma, c)],
      ['pg-boss', () => bossRun(boss, prisma, c, 'slots')],
      // With one job at a time the batch style is the same loop as the slots style.
      ['pg-boss', async () => (c === 1 ? { ...results.at(-1)!, queue: 'pg-boss (batch)' } : bossRun(boss, prisma, c, 'batch'))],
      ['graphile-default', () => graphileRun(url, prisma, c, false)],
      ['graphile-batched', () => graphileRun(url, prisma, c, true)],
    ];
    for (const [, run] of runs.filter(([q]) => QUEUES.has(q))) {
      const r = { ...(await run()), loadAverage: loadNow() };
      results.push(r);
      console.error(`  ${r.queue} x${c}: ${r.jobsPerSecond.toFixed(0)} jobs/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`);
    }
  }
  await boss.stop({ graceful: false, wait: true });
  await prisma.$disconnect();
} finally {
  await db.drop();
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const rowsOut: Record<string, unknown>[] = [];
const lines = [
  `Queue benchmark: ${fmt(JOBS)} trivial jobs per run, PostgreSQL ${version} (${db.label}); latency = enqueue-to-start of ${fmt(LATENCY_JOBS)} jobs sent one per transaction at ${RATE}/s`,
  '',
  '| concurrency | tipdesk jobs/s | tipdesk p50 / p99 ms | pg-boss slots jobs/s | pg-boss slots p50 / p99 ms | pg-boss batch jobs/s | pg-boss batch p50 / p99 ms | graphile default jobs/s | graphile default p50 / p99 ms | graphile batched jobs/s | graphile batched p50 / p99 ms | ours / best pg-boss | ours / graphile batched |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
// A queue left out of the run (--queues) shows as a dash.
const jps = (r?: Result) => (r ? fmt(r.jobsPerSecond) : '–');
const lat = (r?: Result) => (r ? `${fmt(r.p50Ms, 1)} / ${fmt(r.p99Ms, 1)}` : '–');
const times = (a?: Result, b?: number) => (a && b ? `${(a.jobsPerSecond / b).toFixed(2)}x` : '–');
for (const c of LEVELS) {
  const find = (queue: string) => results.find((r) => r.queue === queue && r.concurrency === c);
  const ours = find('tipdesk');
  const slots = find('pg-boss (slots)');
  const batch = find('pg-boss (batch)');
  const gDefault = find('graphile-worker (default)');
  const gBatched = find('graphile-worker (batched)');
  const best = slots && batch ? Math.max(slots.jobsPerSecond, batch.jobsPerSecond) : undefined;
  lines.push(
    `| ${c} | ${jps(ours)} | ${lat(ours)} | ${jps(slots)} | ${lat(slots)} | ${jps(batch)} | ${lat(batch)} | ${jps(gDefault)} | ${lat(gDefault)} | ${jps(gBatched)} | ${lat(gBatched)} | ${times(ours, best)} | ${times(ours, gBatched?.jobsPerSecond)} |`,
  );
  rowsOut.push({
    concurrency: c,
    tipdesk: ours,
    pgBossSlots: slots,
    pgBossBatch: batch,
    graphileDefault: gDefault,
    graphileBatched: gBatched,
    throughputRatio: ours && best ? ours.jobsPerSecond / best : undefined,
    graphileBatchedRatio: ours && gBatched ? ours.jobsPerSecond / gBatched.jobsPerSecond : undefined,
  });
}
console.log(lines.join('\n'));
const outDir = path.resolve(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  // A partial run (--queues) writes queue.json too, naming the queues it ran: bench:report shows the
  // latest run's figures, each beside the baselines measured in that same run (it wrote
  // queue-partial.json before, which the report never read, so a short run showed no queue at all).
  path.join(outDir, 'queue.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      postgres: version,
      database: db.label,
      jobs: JOBS,
      latencyJobs: LATENCY_JOBS,
      ratePerSecond: RATE,
      queues: [...QUEUES],
      load: load.end(),
      results: rowsOut,
    },
    null,
    2,
  ),
);
process.exit(0);
