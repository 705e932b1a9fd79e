// Child processes and scratch SQL for the HTTP benches (webhooks, wechat, sms-gateway, webform): each server under test
// runs as its own process, started and stopped the same way.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const ROOT = path.resolve(import.meta.dirname, '..');

export async function sql(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** The share of the machine's CPU time that was idle over `ms` (from /proc/stat; 1 where it cannot be read). */
async function idleShare(ms: number): Promise<number> {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = read();
    await new Promise((r) => setTimeout(r, ms));
    const b = read();
    return b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : 1;
  } catch {
    return 1;
  }
}

/**
 * Before each measured level, ours or the ceiling's: the same database state and a quiet machine.
 * A drain leaves tens of thousands of updated rows; the autovacuum they call for, and a checkpoint's
 * full-page writes, used to land on whichever five seconds came next (a ceiling of 2,384 req/s at 10
 * concurrent and 1,558 at 50 in one run). So the scratch database is vacuumed and checkpointed here,
 * then the level waits until the CPUs were at least 85% idle for a second (at most 30 s).
 */
export async function settle(url: string): Promise<void> {
  await sql(url, 'VACUUM (ANALYZE)');
  // CHECKPOINT needs a superuser or pg_checkpoint: without either, the vacuum alone.
  await sql(url, 'CHECKPOINT').catch(() => undefined);
  const until = Date.now() + 30_000;
  while ((await idleShare(1000)) < 0.85 && Date.now() < until);
}

/** Starts a child process and resolves with the port it prints once it is ready. */
export function startChild(label: string, file: string, env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops (node --cpu-prof),
    // to find where a request's CPU goes; the figures of such a run are not comparable.
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const child = spawn(process.execPath, [...prof, '--import', 'tsx', file], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${label}] ${d}`));
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code} before it was ready:\n${out}`)));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** The monotonic clock in µs: the clock of a V8 CPU profile's sample times (BENCH_CPU_PROF). */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * With BENCH_CPU_PROF, prints when a measured level ran (monotonic µs, the profiles' clock), so a
 * profile can be cut to the level alone (without start-up, warm-up and the drain).
 */
export function markLevel(target: Level['target'], concurrency: number, startUs: number, requests: number): void {
  if (process.env.BENCH_CPU_PROF || process.env.BENCH_LEVEL_TIMES)
    console.error(`level ${target} c=${concurrency} from ${startUs} to ${monotonicUs()} µs, ${requests} requests`);
}

export interface Level {
  target: 'tipdesk' | 'ceiling';
  concurrency: number;
  requests: number;
  non2xx: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU the server process spent per request (ms). */
  cpuPerRequest?: number;
  /** The machine's 1-minute load average when the level finished. */
  loadAverage?: number;
}

/** A request autocannon sends: a fresh one each time (new ids, new signature). */
export type BenchRequest = () => { path?: string; body: string; headers: Record<string, string> };

/** How long a level runs: a number of requests, or (steadier ratios) a number of seconds. */
export type LevelSize = { amount: number } | { seconds: number };

/** POSTs to `urlPath` at `concurrency` for one level's size, each built by `request`; throughput and latency. */
export async function fire(
  port: number,
  urlPath: string,
  o: { concurrency: number; target: Level['target']; request: BenchRequest } & LevelSize,
): Promise<Level> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: o.concurrency,
    ...('seconds' in o ? { duration: o.seconds } : { amount: o.amount }),
    requests: [{ method: 'POST', path: urlPath, setupRequest: (req) => ({ ...req, ...o.request() }) }],
  });
  const done = result.requests.total;
  return {
    target: o.target,
    concurrency: o.concurrency,
    requests: done,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rps: Math.round(done / (result.duration || 1)),
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/**
 * --workers: same = API and job workers in one process (npm start, the default); split = an API
 * process and a worker process; none = API only while measuring (diagnosis: no normalization
 * competing for the cores), then a worker process drains the queue for the reconciliation.
 */
export type WorkersMode = 'same' | 'split' | 'none';

export function workersMode(value: string | undefined): WorkersMode {
  if (value === 'same' || value === 'split' || value === 'none') return value;
  throw new Error(`--workers must be same, split or none (got ${value})`);
}

export const workersLabel = (mode: WorkersMode) =>
  ({
    same: 'API + workers in one process',
    split: 'API and workers in two processes',
    none: 'API only while measuring (workers drained it afterwards)',
  })[mode];

/**
 * The options every webhook bench takes: --concurrency (levels), --requests (per run), --seconds
 * (per run; when set it wins over --requests), --rounds (paired runs per level, see pairedLevel),
 * --warmup and --workers; each bench gives its own defaults. A single run of a few seconds moves its
 * ratio by 10–20 points from one run to the next on a shared machine (a GC pause, a checkpoint, a
 * neighbour's burst); paired rounds take the median of several ratios instead.
 */
export function webhookBenchArgs(defaults: { requests: string; warmup: string; seconds?: string }) {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '1,10,50' },
      requests: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string', default: '4' },
      warmup: { type: 'string', default: defaults.warmup },
      workers: { type: 'string', default: 'same' },
    },
  });
  const levels = values.concurrency.split(',').map(Number);
  const amounts = (values.requests ?? defaults.requests).split(',').map(Number);
  // An explicit --requests means counts; otherwise the bench's default seconds, if it has one.
  const seconds = Number(values.seconds ?? (values.requests ? 0 : (defaults.seconds ?? 0)));
  return {
    levels,
    amounts,
    /** Each level's size, by its index in `levels`. */
    sizeOf: (i: number): LevelSize => (seconds > 0 ? { seconds } : { amount: amounts[i] ?? amounts.at(-1)! }),
    warmup: Number(values.warmup),
    workers: workersMode(values.workers),
    rounds: Math.max(1, Number(values.rounds)),
  };
}

/** One side of a paired level: the server under test, or the bare route it is compared with. */
export interface BenchSide {
  target: Level['target'];
  /** Its server process (for the CPU it spends per request). */
  pid: number | undefined;
  /** One run of this size at the level's concurrency. */
  fire: (size: LevelSize) => Promise<Level>;
  /** Before each run, once the machine has settled (e.g. emptying the ceiling's table). */
  before?: () => Promise<unknown>;
  /** After each run (ours: draining its backlog); the seconds it took, or NaN. */
  after?: () => Promise<number>;
}

export interface PairedLevel {
  /** Both sides' runs combined: requests summed, req/s over their summed time, the median p50 and the worst p99. */
  ours: Level & { drainSeconds: number; drainCpuPerRequest: number };
  ceiling: Level;
  /** ours ÷ ceiling in each round, percent. */
  roundRatios: number[];
  /** The median of roundRatios: the level's ratio. */
  ratioPercent: number;
  /** Each round's req/s, both sides. */
  rounds: { ours: number; ceiling: number }[];
}

/** The unmeasured burst before each measured run: as many requests as a few dozen per connection. */
const warmSize = (concurrency: number): LevelSize => ({ amount: Math.max(100, concurrency * 20) });

const r2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * One concurrency level, measured as `rounds` pairs of runs back to back, ours and the ceiling's,
 * their order swapped each round; every run starts settled (see settle), then warmed by an
 * unmeasured burst of its own (warmSize). The level's ratio is the median of the rounds' ratios.
 * - Pairs: on a shared two-core machine the ceiling itself moved by half between five-second runs
 *   minutes apart; two runs seconds apart see the same machine, and a median of several pairs is
 *   not moved by one disturbed run.
 * - The order can matter, so there are as many rounds of each (four by default): in session 9 the
 *   TwiML bench's round where the ceiling ran first gave the lowest ratio in five of its six levels
 *   over two runs, by up to 30 points (70 / 39 / 54%, 52 / 35 / 47%: ours ran slower after the
 *   ceiling's runs than after its own drain). The warm burst did not change that; it is kept so
 *   that no run is the first after a pause.
 */
export async function pairedLevel(
  o: { url: string; concurrency: number; size: LevelSize; rounds: number },
  ours: BenchSide,
  ceiling: BenchSide,
): Promise<PairedLevel> {
  const { url, concurrency } = o;
  const runs: Record<Level['target'], Level[]> = { tipdesk: [], ceiling: [] };
  let drainSeconds = 0;
  let drainCpu = 0;
  const run = async (side: BenchSide) => {
    await settle(url);
    await side.before?.();
    await side.fire(warmSize(concurrency));
    const cpu0 = cpuMs(side.pid);
    const m0 = monotonicUs();
    const level = await side.fire(o.size);
    const cpu1 = cpuMs(side.pid);
    markLevel(side.target, concurrency, m0, level.requests);
    level.cpuPerRequest = r2((cpu1 - cpu0) / level.requests);
    level.loadAverage = r2(os.loadavg()[0]);
    runs[side.target].push(level);
    if (side.after) {
      drainSeconds += await side.after();
      drainCpu += cpuMs(side.pid) - cpu1;
    }
    return level;
  };
  const roundRatios: number[] = [];
  const rounds: PairedLevel['rounds'] = [];
  for (let r = 0; r < o.rounds; r++) {
    const [first, second] = r % 2 === 0 ? [ours, ceiling] : [ceiling, ours];
    const a = await run(first);
    const b = await run(second);
    const [mine, theirs] = first === ours ? [a, b] : [b, a];
    roundRatios.push(Math.round((mine.rps / theirs.rps) * 100));
    rounds.push({ ours: mine.rps, ceiling: theirs.rps });
  }
  const combined = (xs: Level[]): Level => {
    const requests = xs.reduce((n, x) => n + x.requests, 0);
    const seconds = xs.reduce((n, x) => n + x.requests / (x.rps || 1), 0);
    const cpu = xs.reduce((n, x) => n + (x.cpuPerRequest ?? NaN) * x.requests, 0);
    return {
      target: xs[0].target,
      concurrency,
      requests,
      non2xx: xs.reduce((n, x) => n + x.non2xx, 0),
      errors: xs.reduce((n, x) => n + x.errors, 0),
      rps: Math.round(requests / (seconds || 1)),
      p50: median(xs.map((x) => x.p50)),
      p99: Math.max(...xs.map((x) => x.p99)),
      cpuPerRequest: r2(cpu / requests),
      loadAverage: Math.max(...xs.map((x) => x.loadAverage ?? NaN)),
    };
  };
  const mine = combined(runs.tipdesk);
  return {
    ours: { ...mine, drainSeconds: Math.round(drainSeconds * 10) / 10, drainCpuPerRequest: r2(drainCpu / mine.requests) },
    ceiling: combined(runs.ceiling),
    roundRatios,
    ratioPercent: median(roundRatios),
    rounds,
  };
}

const startWorker = (env: Record<string, string>) => startChild('worker', 'workers/worker.ts', env, /(Outbound email)/);

/** The service under test (pushed onto `children` for stopping), per --workers. */
export async function startService(
  mode: WorkersMode,
  env: Record<string, string>,
  children: ChildProcess[],
): Promise<{ child: ChildProcess; port: number }> {
  const svc = await startChild('tipdesk', mode === 'same' ? 'workers/tipdesk.ts' : 'workers/api.ts', env, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
  children.push(svc.child);
  if (mode === 'split') children.push((await startWorker(env)).child);
  return svc;
}

/**
 * Waits until no normalize or read job (nor any of `kinds`) is pending and every tip is read; the
 * seconds it took. A bench drains after each of its levels so the backlog's jobs do not run during
 * the next measurement (the ceiling's level and the next level, which would otherwise share the
 * cores with them).
 */
export async function drainBacklog(url: string, o: { kinds?: string[]; timeoutMs?: number } = {}): Promise<number> {
  const kinds = ['normalize-submission', 'tip.read', ...(o.kinds ?? [])];
  // A level of 10 s at 1,500 req/s leaves 15,000 tips, and readings run one at a time per process (40–55/s).
  const timeoutMs = o.timeoutMs ?? 1_800_000;
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (;;) {
      const { rows } = await c.query<{ pending: string }>(
        `SELECT (SELECT count(*) FROM job WHERE kind = ANY($1::text[]) AND state IN ('QUEUED', 'RUNNING'))
              + (SELECT count(*) FROM tip WHERE read_at IS NULL) AS pending`,
        [kinds],
      );
      if (Number(rows[0].pending) === 0) break;
      if (performance.now() - t0 > timeoutMs) throw new Error(`backlog not drained after ${timeoutMs} ms (${rows[0].pending} jobs and unread tips)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await c.end();
  }
  return Math.round((performance.now() - t0) / 100) / 10;
}

/** After the measured runs: with --workers none nothing has run the jobs yet, so a worker process starts now. */
export async function startDrain(mode: WorkersMode, env: Record<string, string>, children: ChildProcess[]): Promise<void> {
  if (mode === 'none') children.push((await startWorker(env)).child);
}
