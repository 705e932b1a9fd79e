// npm run bench:webhooks — signed Twilio SMS webhooks against the running service.
//
// The service (API + job workers in one process, `workers/tipdesk.ts`) runs as a child
// process on a scratch database; autocannon (in this process, on loopback) fires signed
// SMS webhooks, every one with a new MessageSid from a new number (each opens a tip: the
// heaviest path), at increasing concurrency. In the same run a bare express route doing
// one INSERT with `pg` (bench/webhook-ceiling.server.ts, also its own process, same pool
// size) gets the same requests: that is the ceiling, and the ratio is ours / ceiling.
// Each level is --rounds pairs of runs, ours and the ceiling's back to back (pairedLevel); its
// ratio is the median of the pairs'. After each run of ours the bench waits for the backlog to
// drain (every submission a tip, every tip read by the tip.read job) and reports how long that
// took, so the drain competes with no measured run. At the end tips created must equal the
// unique MessageSids sent.
//
// Database: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local server at
// postgresql://postgres@127.0.0.1:5432/postgres, else an embedded PostgreSQL in a temp dir.
// A scratch database is created for the run and dropped afterwards.
// Options: --concurrency 1,10,50  --seconds 3 (per run; or --requests 600,3000,6000)  --rounds 4  --warmup 500  --workers same|split|none
// TWILIO_SMS_ACK=api in the environment (npm run bench:webhooks:api) runs the service acknowledging by
// API (the webhook only stores; bench/results/webhooks-api.json) instead of in the TwiML answer.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import twilio from 'twilio';
import { startTwilioStub } from '../test/twilio/twilio-support.js';
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
  webhookBenchArgs,
  workersLabel,
  type Level,
  type LevelSize,
  type PairedLevel,
} from './children.js';

const BENCH = webhookBenchArgs({ requests: '600,3000,6000', seconds: '3', warmup: '500' });
const { levels: LEVELS, sizeOf, warmup: WARMUP, workers: WORKERS, rounds: ROUNDS } = BENCH;
const POOL = 10;

const ACCOUNT_SID = `AC${'5'.repeat(32)}`;
const AUTH_TOKEN = randomBytes(16).toString('hex');
const PUBLIC = 'https://tips.example-paper.cn';
const BODIES = [
  '永泰街道大齿社区5号楼楼上漏水三天了，物业一直不管。',
  '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险😟',
  '平城区社区服务站周六有义诊吗？想带老母亲去量血压。',
  '小区门口的井盖松动了，电动车压过去响得厉害。',
];

let sent = 0;
/** Requests built for tipdesk (not the ceiling): the unique ids the reconciliation expects. */
let sentByService = 0;
/** One new signed SMS per request: a fresh MessageSid and sender. */
function signedRequest(signPath: string, target: Level['target']) {
  sent++;
  if (target === 'tipdesk') sentByService++;
  const messageSid = `SM${randomBytes(16).toString('hex')}`;
  const params: Record<string, string> = {
    ToCountry: 'CN',
    SmsMessageSid: messageSid,
    NumMedia: '0',
    SmsSid: messageSid,
    SmsStatus: 'received',
    Body: BODIES[sent % BODIES.length],
    To: '+8618635299317',
    NumSegments: '1',
    MessageSid: messageSid,
    AccountSid: ACCOUNT_SID,
    From: `+86139${String(sent).padStart(8, '0')}`,
    ApiVersion: '2010-04-01',
  };
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC}${signPath}`, params);
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  };
}

const fire = (port: number, urlPath: string, concurrency: number, size: LevelSize, target: Level['target']): Promise<Level> =>
  fireWith(port, urlPath, { concurrency, ...size, target, request: () => signedRequest('/webhooks/twilio/sms', target) });

/** After a level: the drain time, or NaN with --workers none (no worker runs while measuring). */
const ACK = process.env.TWILIO_SMS_ACK === 'api' ? 'api' : 'twiml';
// Acknowledged by API, the texts go to a loopback stand-in for api.twilio.com in this process, and
// their sends drain with the level (the reconciliation counts one per sender).
const stub = ACK === 'api' ? await startTwilioStub() : null;
const DRAIN_KINDS = ACK === 'api' ? { kinds: ['send-sms'] } : {};
const drain = (url: string) => (WORKERS === 'none' ? Promise.resolve(NaN) : drainBacklog(url, DRAIN_KINDS));

const load = startLoad();
const db = await benchDatabase('tipdesk_bench_webhooks');
const dbUrl = db.url;
const version = db.version;
const children: ChildProcess[] = [];
const levels: PairedLevel[] = [];
let tips = 0;
let submissions = 0;
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
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_FROM_NUMBER: '+8618600001111',
    SMS_RATE_LIMIT_PER_HOUR: '1000',
    TWILIO_SMS_ACK: ACK,
    ...(stub ? { TWILIO_API_BASE_URL: stub.base } : {}),
  };
  const svc = await startService(WORKERS, env, children);
  const ceil = await startChild('ceiling', 'bench/webhook-ceiling.server.ts', env, /ceiling listening on (\d+)/);
  children.push(ceil.child);

  // Warm both (JIT, pools, caches); the warm-up's tips count too.
  await fire(svc.port, '/webhooks/twilio/sms', 10, { amount: WARMUP }, 'tipdesk');
  await drain(dbUrl);
  await fire(ceil.port, '/ceiling', 10, { amount: WARMUP }, 'ceiling');

  for (const [i, c] of LEVELS.entries()) {
    const level = await pairedLevel(
      { url: dbUrl, concurrency: c, size: sizeOf(i), rounds: ROUNDS },
      {
        target: 'tipdesk',
        pid: svc.child.pid,
        fire: (size) => fire(svc.port, '/webhooks/twilio/sms', c, size, 'tipdesk'),
        after: () => drain(dbUrl),
      },
      { target: 'ceiling', pid: ceil.child.pid, fire: (size) => fire(ceil.port, '/ceiling', c, size, 'ceiling') },
    );
    levels.push(level);
    const { ours, ceiling } = level;
    console.error(
      `concurrency ${c}: tipdesk ${ours.rps} req/s p99 ${ours.p99} ms cpu ${ours.cpuPerRequest} ms/req, drained in ${ours.drainSeconds} s (${ours.drainCpuPerRequest} ms cpu/tip); ceiling ${ceiling.rps} req/s p99 ${ceiling.p99} ms cpu ${ceiling.cpuPerRequest} ms/req; ratio ${level.ratioPercent}% (rounds ${level.roundRatios.join(' / ')}%); load average ${ours.loadAverage}/${ceiling.loadAverage}`,
    );
  }

  // Every level drained already (with --workers none, a worker process drains it now); reconcile.
  await startDrain(WORKERS, env, children);
  await drainBacklog(dbUrl, DRAIN_KINDS);
  if (stub) acks = new Set(stub.messageRequests().map((r) => new URLSearchParams(r.body).get('To'))).size;
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  tips = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM tip`)).rows[0].n);
  submissions = Number((await c.query<{ n: string }>(`SELECT count(DISTINCT external_id) AS n FROM submission WHERE channel = 'SMS'`)).rows[0].n);
  const unprocessed = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM submission WHERE state <> 'PROCESSED'`)).rows[0].n);
  if (unprocessed) console.error(`${unprocessed} submissions not processed`);
  await c.end();
} finally {
  for (const ch of children) await stopChild(ch);
  await db.drop();
  await stub?.close();
}

const lines = [
  `Signed SMS webhooks (each a new sender: a new tip; ${ACK === 'api' ? 'acknowledged by API from the job, TWILIO_SMS_ACK=api' : 'acknowledged in the TwiML answer'}) vs a bare express + pg INSERT route; PostgreSQL ${version} (${db.label}), pool ${POOL}, ${workersLabel(WORKERS)}.`,
  '',
  '| concurrency | requests | tipdesk req/s | p50 ms | p99 ms | cpu ms/req | drain s | drain cpu ms/tip | ceiling req/s | ceiling p50 ms | ceiling p99 ms | ceiling cpu ms/req | ratio (each round) | non-2xx/errors | load avg |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const rowsOut = levels.map(({ ours, ceiling: ceil, ratioPercent: ratio, roundRatios, rounds }) => {
  lines.push(
    `| ${ours.concurrency} | ${ours.requests} | ${ours.rps} | ${ours.p50} | ${ours.p99} | ${ours.cpuPerRequest} | ${ours.drainSeconds} | ${ours.drainCpuPerRequest} | ${ceil.rps} | ${ceil.p50} | ${ceil.p99} | ${ceil.cpuPerRequest} | ${ratio}% (${roundRatios.join(' / ')}) | ${ours.non2xx + ours.errors} | ${ours.loadAverage}/${ceil.loadAverage} |`,
  );
  return { concurrency: ours.concurrency, tipdesk: ours, ceiling: ceil, ratioPercent: ratio, roundRatios, rounds, loadAverage: ours.loadAverage };
});
const at50 = rowsOut.find((r) => r.concurrency === 50);
const reconciled = tips === sentByService && (!stub || acks === sentByService);
lines.push('');
lines.push(
  `Unique MessageSids sent to tipdesk: ${sentByService}; SMS submissions stored: ${submissions}; tips created: ${tips}${stub ? `; acknowledgements sent by API: ${acks}` : ''} ${reconciled ? '(equal ✓)' : '(MISMATCH ✗)'}`,
);
if (at50)
  lines.push(
    `Goal at 50 concurrent: ≥60% of ceiling (${at50.ratioPercent}%) ${at50.ratioPercent >= 60 ? '✓' : '✗'}; p99 < 50 ms (${at50.tipdesk.p99} ms) ${at50.tipdesk.p99 < 50 ? '✓' : '✗'}`,
  );
console.log(lines.join('\n'));
const outDir = path.resolve(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  path.join(outDir, ACK === 'api' ? 'webhooks-api.json' : 'webhooks.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      postgres: version,
      database: db.label,
      pool: POOL,
      ack: ACK,
      load: load.end(),
      uniqueMessageSids: sentByService,
      submissions,
      tipsCreated: tips,
      ...(stub ? { acknowledgements: acks } : {}),
      results: rowsOut,
    },
    null,
    2,
  ) + '\n',
);
if (!reconciled) process.exitCode = 1;
