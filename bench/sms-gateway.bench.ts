// npm run bench:sms-gateway — signed SMS Gateway for Android webhooks against the running service.
//
// Like bench/webhooks.bench.ts (Twilio): the service (API + job workers in one process,
// `workers/tipdesk.ts`) runs as a child process on a scratch database; autocannon fires
// sms:received events signed as the app signs them (hex HMAC-SHA256 of body + X-Timestamp),
// each with a new event id from a new number: each opens a tip and queues its acknowledgement
// in the webhook's transaction (the heaviest path). In the same run a bare express route doing
// one INSERT with `pg` of the same JSON (bench/webhook-ceiling.server.ts /ceiling-json, its own
// process, same pool) gets the same requests: the ratio is ours / ceiling. The acknowledgements
// go to a loopback fake of the phone's REST API in this process; after the runs the queue
// drains and tips and acknowledgements must both equal the unique events sent.
//
// Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres,
// else an embedded PostgreSQL. Options: --concurrency 1,10,50  --seconds 3 (per run; or --requests 600,3000,6000)
// --rounds 4 (paired runs per level, bench/children.ts pairedLevel)  --warmup 500  --workers same|split|none
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { signGatewayBody } from '../src/channels/sms-gateway/gateway-signature.js';
import { startFakeGateway } from '../test/sms-gateway/gateway-support.js';
import { benchDatabase } from './bench-db.js';
import { startLoad } from './load.js';
import {
  drainBacklog,
  fire as fireWith,
  pairedLevel,
  sql,
  startChild,
  startDrain,
  startService,
  stopChild,
  workersLabel,
  type Level,
  type LevelSize,
  type PairedLevel,
  webhookBenchArgs,
} from './children.js';

const fire = (port: number, urlPath: string, c: number, size: LevelSize, target: Level['target']) =>
  fireWith(port, urlPath, { concurrency: c, ...size, target, request: () => signedRequest(target) });

const BENCH = webhookBenchArgs({ requests: '600,3000,6000', seconds: '3', warmup: '500' });
const { levels: LEVELS, sizeOf, warmup: WARMUP, workers: WORKERS, rounds: ROUNDS } = BENCH;
const POOL = 10;
const PUBLIC = 'https://tips.example-paper.cn';
const KEY = randomBytes(16).toString('hex');
const BODIES = [
  '永泰街道大齿社区5号楼楼上漏水三天了，物业一直不管。',
  '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险😟',
  '平城区社区服务站周六有义诊吗？想带老母亲去量血压。',
  '小区门口的井盖松动了，电动车压过去响得厉害。',
];

let sent = 0;
/** Requests built for tipdesk (not the ceiling): the unique ids the reconciliation expects. */
let sentByService = 0;
/** One new signed sms:received per request: a fresh event id and sender. */
function signedRequest(target: Level['target']) {
  sent++;
  if (target === 'tipdesk') sentByService++;
  const body = JSON.stringify({
    deviceId: 'ffffffffceb0b1db0000018e937c815b',
    event: 'sms:received',
    id: randomBytes(16).toString('base64url').slice(0, 21),
    payload: {
      messageId: randomBytes(4).toString('hex'),
      message: BODIES[sent % BODIES.length],
      phoneNumber: `139${String(sent).padStart(8, '0')}`,
      simNumber: 1,
      receivedAt: new Date().toISOString().replace('Z', '+00:00'),
    },
    webhookId: 'bench',
  });
  const ts = String(Math.floor(Date.now() / 1000));
  return { body, headers: { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': signGatewayBody(KEY, body, ts) } };
}

const load = startLoad();
const db = await benchDatabase('tipdesk_bench_sms_gateway');
const dbUrl = db.url;
const fake = await startFakeGateway();
/** The acknowledgements' sends drain too (the reconciliation counts them). */
const EXTRA = { kinds: ['sms-gateway-send'] };
/** After a level of ours: its backlog drained (seconds), so it runs in neither the ceiling's level nor the next; NaN with --workers none. */
const drain = () => (WORKERS === 'none' ? Promise.resolve(NaN) : drainBacklog(dbUrl, EXTRA));
const children: ChildProcess[] = [];
const levels: PairedLevel[] = [];
let tips = 0;
let acks = 0;
try {
  await sql(
    dbUrl,
    'CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, sid text UNIQUE NOT NULL, params jsonb, received_at timestamptz DEFAULT now())',
  );
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl,
    DATABASE_POOL_SIZE: String(POOL),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    PUBLIC_BASE_URL: PUBLIC,
    SMS_GATEWAY_URL: fake.url,
    SMS_GATEWAY_USERNAME: 'sms',
    SMS_GATEWAY_PASSWORD: 'gw-pass-5f3a9c',
    SMS_GATEWAY_SIGNING_KEY: KEY,
    SMS_RATE_LIMIT_PER_HOUR: '1000',
  };
  const svc = await startService(WORKERS, env, children);
  const ceil = await startChild('ceiling', 'bench/webhook-ceiling.server.ts', env, /ceiling listening on (\d+)/);
  children.push(ceil.child);

  await fire(svc.port, '/webhooks/sms-gateway', 10, { amount: WARMUP }, 'tipdesk');
  await drain();
  await fire(ceil.port, '/ceiling-json', 10, { amount: WARMUP }, 'ceiling');

  for (const [i, c] of LEVELS.entries()) {
    const level = await pairedLevel(
      { url: dbUrl, concurrency: c, size: sizeOf(i), rounds: ROUNDS },
      { target: 'tipdesk', pid: svc.child.pid, fire: (size) => fire(svc.port, '/webhooks/sms-gateway', c, size, 'tipdesk'), after: drain },
      { target: 'ceiling', pid: ceil.child.pid, fire: (size) => fire(ceil.port, '/ceiling-json', c, size, 'ceiling') },
    );
    levels.push(level);
    const { ours, ceiling } = level;
    console.error(
      `concurrency ${c}: tipdesk ${ours.rps} req/s p99 ${ours.p99} ms cpu ${ours.cpuPerRequest} ms/req, drained in ${ours.drainSeconds} s; ceiling ${ceiling.rps} req/s p99 ${ceiling.p99} ms cpu ${ceiling.cpuPerRequest} ms/req; ratio ${level.ratioPercent}% (rounds ${level.roundRatios.join(' / ')}%); load average ${ours.loadAverage}/${ceiling.loadAverage}`,
    );
  }

  // Every level drained already (with --workers none, a worker process drains it now); reconcile.
  await startDrain(WORKERS, env, children);
  await drainBacklog(dbUrl, EXTRA);
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  tips = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM tip`)).rows[0].n);
  acks = new Set(fake.posts.filter((p) => p.accepted).map((p) => p.body.id)).size;
  const unprocessed = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM submission WHERE state <> 'PROCESSED'`)).rows[0].n);
  if (unprocessed) console.error(`${unprocessed} submissions not processed`);
  await c.end();
} finally {
  for (const ch of children) await stopChild(ch);
  await fake.close();
  await db.drop();
}

const lines = [
  `Signed SMS Gateway sms:received webhooks (each a new sender: a new tip and a queued acknowledgement) vs a bare express + pg INSERT route; PostgreSQL ${db.version} (${db.label}), pool ${POOL}, ${workersLabel(WORKERS)}.`,
  '',
  '| concurrency | requests | tipdesk req/s | p50 ms | p99 ms | cpu ms/req | drain s | ceiling req/s | ceiling p50 ms | ceiling p99 ms | ceiling cpu ms/req | ratio (each round) | non-2xx/errors | load avg |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const rowsOut = levels.map(({ ours, ceiling: ceil, ratioPercent: ratio, roundRatios, rounds }) => {
  lines.push(
    `| ${ours.concurrency} | ${ours.requests} | ${ours.rps} | ${ours.p50} | ${ours.p99} | ${ours.cpuPerRequest} | ${ours.drainSeconds} | ${ceil.rps} | ${ceil.p50} | ${ceil.p99} | ${ceil.cpuPerRequest} | ${ratio}% (${roundRatios.join(' / ')}) | ${ours.non2xx + ours.errors} | ${ours.loadAverage}/${ceil.loadAverage} |`,
  );
  return { concurrency: ours.concurrency, tipdesk: ours, ceiling: ceil, ratioPercent: ratio, roundRatios, rounds, loadAverage: ours.loadAverage };
});
lines.push('');
const ok = tips === sentByService && acks === sentByService;
lines.push(
  `Unique events sent: ${sentByService}; tips created: ${tips}; acknowledgements the phone was asked to send: ${acks} ${ok ? '(all equal ✓)' : '(MISMATCH ✗)'}`,
);
console.log(lines.join('\n'));
const outDir = path.resolve(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  path.join(outDir, 'sms-gateway.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      postgres: db.version,
      database: db.label,
      pool: POOL,
      workers: WORKERS,
      load: load.end(),
      uniqueEvents: sentByService,
      tipsCreated: tips,
      acknowledgements: acks,
      results: rowsOut,
    },
    null,
    2,
  ) + '\n',
);
if (!ok) process.exitCode = 1;
