// npm run bench:webform — web tip form posts, each with one 200 KB photo, against the running service.
//
// The service (API + job workers in one process, workers/tipdesk.ts) runs as a child process on
// a scratch database; autocannon fires multipart POST /api/public/tips (text + a 200 KB PNG, each
// from its own address so the per-address limit is counted but not hit) at 1, 10 and 50
// concurrent. In the same run a bare express route that parses the same body with multer and
// stores it with one pg INSERT (bench/webform-ceiling.server.ts) gets the same requests: the
// baseline. After each level of ours the backlog (normalize and reading jobs) drains before the
// ceiling's level runs, so the two never share the cores; at the end tips and stored photos must
// equal the posts answered 201. Levels are long enough (10 s and more for ours) that a ratio does
// not hang on a second's jitter.
//
// Database: as bench/webhooks.bench.ts (BENCH_DATABASE_URL, TEST_DATABASE_URL, local, embedded).
// Options: --concurrency 1,10,50  --requests 400,1000,1500 (per level)  --warmup 200  --workers same|split|none
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { pngOfSize } from '../test/web/web-support.js';
import { benchDatabase } from './bench-db.js';
import { startLoad } from './load.js';
import { cpuMs, drainBacklog, sql, startChild, startDrain, startService, stopChild, workersLabel, webhookBenchArgs } from './children.js';

const { levels: LEVELS, amounts: AMOUNTS, warmup: WARMUP, workers: WORKERS } = webhookBenchArgs({ requests: '400,1000,1500', warmup: '200' });
const POOL = 10;
const PHOTO = pngOfSize(200 * 1024);
const BOUNDARY = '----tipdeskbench7MA4YWxkTrZu0gW';
const TEXT = '平城区大齿社区3号楼楼道里的暖气管漏水两天了，楼梯上结了冰，老人下楼很危险。';
const BODY = Buffer.concat([
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="body"\r\n\r\n${TEXT}\r\n`),
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="location"\r\n\r\n平城区大齿社区\r\n`),
  Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n`),
  PHOTO,
  Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
]);

interface Level {
  target: 'tipdesk' | 'ceiling';
  concurrency: number;
  requests: number;
  created: number;
  non2xx: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  cpuPerRequest?: number;
  loadAverage?: number;
  /** Seconds the backlog took to drain after the level, and the service's CPU for it per post. */
  drainSeconds?: number;
  drainCpuPerRequest?: number;
}

/** After a level: the drain time, or NaN with --workers none (no worker runs while measuring). */
const drain = (url: string) => (WORKERS === 'none' ? Promise.resolve(NaN) : drainBacklog(url));

let addressSeq = 0;
async function fire(port: number, urlPath: string, concurrency: number, amount: number, target: Level['target']): Promise<Level> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: concurrency,
    amount,
    requests: [
      {
        method: 'POST',
        path: urlPath,
        setupRequest: (req) => {
          addressSeq++;
          const ip = `10.${(addressSeq >> 16) & 255}.${(addressSeq >> 8) & 255}.${addressSeq & 255}`;
          return { ...req, body: BODY, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'x-forwarded-for': ip } };
        },
      },
    ],
  });
  const done = result.requests.total;
  return {
    target,
    concurrency,
    requests: done,
    created: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rps: Math.round(done / (result.duration || 1)),
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

const db = await benchDatabase('tipdesk_bench_webform');
const children: ChildProcess[] = [];
const results: Level[] = [];
let answered = 0;
let tips = 0;
let photos = 0;
let unprocessed = 0;
const load = startLoad();
try {
  await sql(db.url, 'CREATE TABLE bench_webform_ceiling (id bigserial PRIMARY KEY, body text, photo bytea, received_at timestamptz DEFAULT now())');
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(POOL),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    PUBLIC_BASE_URL: 'https://tips.example-paper.cn',
    TRUST_PROXY: 'true',
  };
  const svc = await startService(WORKERS, env, children);
  const ceil = await startChild('ceiling', 'bench/webform-ceiling.server.ts', env, /ceiling listening on (\d+)/);
  children.push(ceil.child);

  // Warm both (JIT, pools); the warm-up's tips count too.
  answered += (await fire(svc.port, '/api/public/tips', 10, WARMUP, 'tipdesk')).created;
  await drain(db.url);
  await fire(ceil.port, '/ceiling', 10, WARMUP, 'ceiling');
  for (const [i, c] of LEVELS.entries()) {
    const amount = AMOUNTS[i] ?? AMOUNTS.at(-1)!;
    const cpu0 = cpuMs(svc.child.pid);
    const ours = await fire(svc.port, '/api/public/tips', c, amount, 'tipdesk');
    const cpuBurst = cpuMs(svc.child.pid);
    ours.cpuPerRequest = Math.round(((cpuBurst - cpu0) / ours.requests) * 100) / 100;
    ours.loadAverage = Math.round(os.loadavg()[0] * 100) / 100;
    answered += ours.created;
    ours.drainSeconds = await drain(db.url);
    ours.drainCpuPerRequest = Math.round(((cpuMs(svc.child.pid) - cpuBurst) / ours.requests) * 100) / 100;
    const cpu1 = cpuMs(ceil.child.pid);
    const ceiling = await fire(ceil.port, '/ceiling', c, amount, 'ceiling');
    ceiling.cpuPerRequest = Math.round(((cpuMs(ceil.child.pid) - cpu1) / ceiling.requests) * 100) / 100;
    ceiling.loadAverage = Math.round(os.loadavg()[0] * 100) / 100;
    results.push(ours, ceiling);
    console.error(
      `concurrency ${c}: tipdesk ${ours.rps} req/s p50 ${ours.p50} p99 ${ours.p99} ms cpu ${ours.cpuPerRequest} ms/req, drained in ${ours.drainSeconds} s (${ours.drainCpuPerRequest} ms cpu/post); bare multipart ${ceiling.rps} req/s p50 ${ceiling.p50} p99 ${ceiling.p99} ms cpu ${ceiling.cpuPerRequest} ms/req; load average ${ours.loadAverage}/${ceiling.loadAverage}`,
    );
  }

  // Every level drained already (with --workers none, a worker process drains it now); reconcile.
  await startDrain(WORKERS, env, children);
  await drainBacklog(db.url);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  tips = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM tip WHERE channel = 'WEB'`)).rows[0].n);
  photos = Number(
    (
      await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM attachment a JOIN attachment_blob b ON b.attachment_id = a.id WHERE a.message_id IS NOT NULL`,
      )
    ).rows[0].n,
  );
  unprocessed = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM submission WHERE state <> 'PROCESSED'`)).rows[0].n);
  await c.end();
} finally {
  for (const ch of children) await stopChild(ch);
  await db.drop();
}

const loadSpan = load.end();
const lines = [
  `Web form posts (multipart, text + one ${Math.round(PHOTO.length / 1024)} KB PNG; each a new tip) vs a bare multer + pg INSERT route; PostgreSQL ${db.version} (${db.label}), pool ${POOL}, ${workersLabel(WORKERS)}.`,
  `Load average (1 min) ${loadSpan.before.toFixed(2)} at the start, ${loadSpan.after.toFixed(2)} at the end; ${os.cpus().length} cores.`,
  '',
  '| concurrency | requests | tipdesk req/s | p50 ms | p99 ms | cpu ms/req | drain s | drain cpu ms/post | bare req/s | bare p50 ms | bare p99 ms | bare cpu ms/req | ratio | non-2xx/errors | load avg |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const rows = [];
for (const c of LEVELS) {
  const ours = results.find((r) => r.target === 'tipdesk' && r.concurrency === c)!;
  const bare = results.find((r) => r.target === 'ceiling' && r.concurrency === c)!;
  // --workers none drains only at the end: no drain figures per level.
  const drained = !Number.isNaN(ours.drainSeconds ?? NaN);
  lines.push(
    `| ${c} | ${ours.requests} | ${ours.rps} | ${ours.p50} | ${ours.p99} | ${ours.cpuPerRequest} | ${drained ? ours.drainSeconds : '—'} | ${drained ? ours.drainCpuPerRequest : '—'} | ${bare.rps} | ${bare.p50} | ${bare.p99} | ${bare.cpuPerRequest} | ${Math.round((ours.rps / bare.rps) * 100)}% | ${ours.non2xx + ours.errors} | ${ours.loadAverage}/${bare.loadAverage} |`,
  );
  rows.push({
    metric: `latency p50 / p99, concurrency ${c}`,
    unit: 'ms',
    ours: ours.p99,
    baseline: bare.p99,
    baselineLabel: 'bare multer + pg INSERT route',
    better: 'lower',
    oursText: `${ours.p50} / ${ours.p99}`,
    baselineText: `${bare.p50} / ${bare.p99}`,
    load: ours.loadAverage,
    // Ours and the ceiling ran apart (the drain between them).
    loadText: `${ours.loadAverage} / ${bare.loadAverage}`,
  });
  rows.push({
    metric: `throughput, concurrency ${c}`,
    unit: 'req/s',
    ours: ours.rps,
    baseline: bare.rps,
    baselineLabel: 'bare multer + pg INSERT route',
    better: 'higher',
    load: ours.loadAverage,
    loadText: `${ours.loadAverage} / ${bare.loadAverage}`,
  });
}
const at10 = results.find((r) => r.target === 'tipdesk' && r.concurrency === 10);
lines.push('');
lines.push(
  `Posts answered 201: ${answered}; WEB tips: ${tips}; photos stored on their message: ${photos}; submissions not processed: ${unprocessed} ${tips === answered && photos === answered && !unprocessed ? '(balanced ✓)' : '(MISMATCH ✗)'}`,
);
if (at10) lines.push(`Goal at 10 concurrent: p99 < 150 ms (${at10.p99} ms) ${at10.p99 < 150 ? '✓' : '✗'}`);
console.log(lines.join('\n'));
const outDir = path.resolve(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  path.join(outDir, 'webform.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      postgres: db.version,
      database: db.label,
      pool: POOL,
      workers: WORKERS,
      load: loadSpan,
      answered,
      tips,
      photos,
      results,
      rows,
    },
    null,
    2,
  ) + '\n',
);
if (tips !== answered || photos !== answered) process.exitCode = 1;
