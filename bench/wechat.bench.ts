// npm run bench:wechat — signed, encrypted (safe-mode) WeChat pushes against the running service.
//
// The service (API + job workers in one process, `workers/tipdesk.ts`) runs as a child process on a
// scratch database; autocannon fires pushes built as the WeChat server builds them (signature,
// msg_signature, AES-256-CBC Encrypt), each from a new OpenID with a new MsgId (each opens a tip and
// is answered with an encrypted passive reply carrying its reference code: the heaviest path), at
// 1/10/50 concurrent. One in ten requests repeats an earlier push (WeChat's retries): stored once,
// answered the same. In the same run a bare express route parses and decrypts the same bodies and
// does one INSERT (bench/wechat-ceiling.server.ts). Goal: p99 of the passive reply < 500 ms at 50
// concurrent (WeChat waits 5 s). Afterwards tips created must equal the unique MsgIds sent.
//
// Database: as bench/webhooks.bench.ts (BENCH_DATABASE_URL, TEST_DATABASE_URL, local, embedded).
// WECHAT_ACK=api in the environment (npm run bench:wechat:api) runs the service acknowledging by the
// customer-service API from the normalize job (the webhook only stores; a loopback stand-in for
// api.weixin.qq.com in this process receives the messages, one per reader in the reconciliation).
// Options: --concurrency 1,10,50  --seconds 3 (per run; or --requests 500,2000,4000)  --rounds 4 (paired runs per level,
// bench/children.ts pairedLevel)  --warmup 300  --workers same|split|none
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encrypt } from '@wecom/crypto';
import pg from 'pg';
import { APP_SECRET, startWechatApi } from '../test/wechat/wechat-support.js';
import { benchDatabase } from './bench-db.js';
import { startLoad } from './load.js';
import {
  drainBacklog,
  fire as fireAt,
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

const BENCH = webhookBenchArgs({ requests: '500,2000,4000', seconds: '3', warmup: '300' });
const { levels: LEVELS, sizeOf, warmup: WARMUP, workers: WORKERS, rounds: ROUNDS } = BENCH;
const POOL = 10;
const GOAL_P99_MS = 500;

const TOKEN = randomBytes(8).toString('hex');
const APP_ID = 'wx5f3c1a2b9d8e7f60';
const AES_KEY = randomBytes(32).toString('base64').slice(0, 43).replace(/[+/]/g, 'a');
const BODIES = [
  '永泰街道大齿社区5号楼楼上漏水三天了，物业一直不管。',
  '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险😟',
  '平城区社区服务站周六有义诊吗？想带老母亲去量血压。',
  '小区门口的井盖松动了，电动车压过去响得厉害。',
];

const sha1 = (...p: string[]) => createHash('sha1').update(p.sort().join('')).digest('hex');
let seq = 0;
const unique = new Set<string>();
/** Pushes already sent, per target, for the retries. */
const earlier: Record<'tipdesk' | 'ceiling', { query: string; body: string }[]> = { tipdesk: [], ceiling: [] };

/** One push as WeChat sends it in safe mode; every tenth repeats an earlier one (a retry). */
function signedPush(target: 'tipdesk' | 'ceiling') {
  seq++;
  const sent = earlier[target];
  if (seq % 10 === 0 && sent.length) return sent[(seq * 7919) % sent.length];
  const msgId = String(24_000_000_000_000_000n + BigInt(seq));
  const openId = `oBench${String(seq).padStart(22, '0')}`;
  const at = String(Math.floor(Date.now() / 1000));
  const xml = `<xml><ToUserName><![CDATA[gh_3f9a2c7d1e05]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName><CreateTime>${at}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${BODIES[seq % BODIES.length]}]]></Content><MsgId>${msgId}</MsgId></xml>`;
  const enc = encrypt(AES_KEY, xml, APP_ID);
  const nonce = String(randomBytes(4).readUInt32BE(0));
  const q = new URLSearchParams({
    signature: sha1(TOKEN, at, nonce),
    timestamp: at,
    nonce,
    openid: openId,
    encrypt_type: 'aes',
    msg_signature: sha1(TOKEN, at, nonce, enc),
  });
  const r = { query: q.toString(), body: `<xml><ToUserName><![CDATA[gh_3f9a2c7d1e05]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>` };
  if (target === 'tipdesk') unique.add(msgId);
  if (sent.length < 5000) sent.push(r);
  return r;
}

const fire = (port: number, urlPath: string, concurrency: number, size: LevelSize, target: Level['target']) =>
  fireAt(port, urlPath, {
    concurrency,
    ...size,
    target,
    request: () => {
      const r = signedPush(target);
      return { path: `${urlPath}?${r.query}`, body: r.body, headers: { 'content-type': 'text/xml' } };
    },
  });

const ACK = process.env.WECHAT_ACK === 'api' ? 'api' : 'passive';
const api = ACK === 'api' ? await startWechatApi() : null;
const DRAIN_KINDS = ACK === 'api' ? { kinds: ['send-wechat'] } : {};
const load = startLoad();
const db = await benchDatabase('tipdesk_bench_wechat');
/** After a level of ours: its backlog drained (seconds), so it runs in neither the ceiling's level nor the next; NaN with --workers none. */
const drain = () => (WORKERS === 'none' ? Promise.resolve(NaN) : drainBacklog(db.url, DRAIN_KINDS));
const children: ChildProcess[] = [];
const levels: PairedLevel[] = [];
let tips = 0;
let submissions = 0;
let acks = 0;
try {
  await sql(db.url, 'CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, sid text UNIQUE, params jsonb, received_at timestamptz DEFAULT now())');
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(POOL),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    PUBLIC_BASE_URL: 'https://tips.example-paper.cn',
    WECHAT_TOKEN: TOKEN,
    WECHAT_APP_ID: APP_ID,
    WECHAT_APP_SECRET: api ? APP_SECRET : randomBytes(16).toString('hex'),
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    WECHAT_ACK: ACK,
    // Passive replies: nothing may reach a WeChat API. By API: the loopback stand-in.
    WECHAT_API_BASE_URL: api ? api.base : 'http://127.0.0.1:9',
    SMS_RATE_LIMIT_PER_HOUR: '1000',
  };
  const svc = await startService(WORKERS, env, children);
  const ceil = await startChild('ceiling', 'bench/wechat-ceiling.server.ts', env, /ceiling listening on (\d+)/);
  children.push(ceil.child);

  await fire(svc.port, '/webhooks/wechat', 10, { amount: WARMUP }, 'tipdesk');
  await drain();
  await sql(db.url, 'TRUNCATE bench_ceiling');
  await fire(ceil.port, '/ceiling', 10, { amount: WARMUP }, 'ceiling');

  for (const [i, c] of LEVELS.entries()) {
    const level = await pairedLevel(
      { url: db.url, concurrency: c, size: sizeOf(i), rounds: ROUNDS },
      { target: 'tipdesk', pid: svc.child.pid, fire: (size) => fire(svc.port, '/webhooks/wechat', c, size, 'tipdesk'), after: drain },
      {
        target: 'ceiling',
        pid: ceil.child.pid,
        // Each run starts with an empty table, as before paired rounds: the ceiling's INSERTs (and its
        // retries' ON CONFLICT) meet one run's rows, not every earlier run's.
        before: () => sql(db.url, 'TRUNCATE bench_ceiling'),
        fire: (size) => fire(ceil.port, '/ceiling', c, size, 'ceiling'),
      },
    );
    levels.push(level);
    const { ours, ceiling } = level;
    console.error(
      `concurrency ${c}: tipdesk ${ours.rps} req/s p50 ${ours.p50} p99 ${ours.p99} ms, drained in ${ours.drainSeconds} s; ceiling ${ceiling.rps} req/s p50 ${ceiling.p50} p99 ${ceiling.p99} ms; ratio ${level.ratioPercent}% (rounds ${level.roundRatios.join(' / ')}%); load average ${ours.loadAverage}/${ceiling.loadAverage}`,
    );
  }

  // Every level drained already (with --workers none, a worker process drains it now); reconcile.
  await startDrain(WORKERS, env, children);
  await drainBacklog(db.url, DRAIN_KINDS);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  tips = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM tip WHERE channel = 'WECHAT'`)).rows[0].n);
  submissions = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM submission WHERE channel = 'WECHAT'`)).rows[0].n);
  await c.end();
  if (api) acks = new Set(api.sent.map((m) => m.touser)).size;
} finally {
  for (const ch of children) await stopChild(ch);
  await db.drop();
  await api?.close();
}

const lines = [
  `Safe-mode WeChat pushes (each new MsgId a new tip, 1 in 10 a retry; ${ACK === 'api' ? 'acknowledged by the customer-service API from the job, WECHAT_ACK=api' : 'answered with a passive reply'}) vs a bare express route that parses, decrypts and INSERTs; PostgreSQL ${db.version} (${db.label}), pool ${POOL}, ${workersLabel(WORKERS)}.`,
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
const at50 = rowsOut.find((r) => r.concurrency === 50);
lines.push(
  '',
  `Unique MsgIds sent: ${unique.size}; WeChat submissions stored: ${submissions}; tips: ${tips}${api ? `; acknowledgements sent by API: ${acks}` : ''} ${
    tips === unique.size && submissions === unique.size && (!api || acks === unique.size) ? '(equal ✓)' : '(MISMATCH ✗)'
  }`,
);
if (at50)
  lines.push(`Goal at 50 concurrent: passive reply p99 < ${GOAL_P99_MS} ms (${at50.tipdesk.p99} ms) ${at50.tipdesk.p99 < GOAL_P99_MS ? '✓' : '✗'}`);
console.log(lines.join('\n'));
const outDir = path.resolve(import.meta.dirname, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  path.join(outDir, ACK === 'api' ? 'wechat-api.json' : 'wechat.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      postgres: db.version,
      database: db.label,
      pool: POOL,
      workers: WORKERS,
      load: load.end(),
      ack: ACK,
      uniqueMsgIds: unique.size,
      ...(api ? { acknowledgements: acks } : {}),
      submissions,
      tipsCreated: tips,
      results: rowsOut,
    },
    null,
    2,
  ) + '\n',
);
if (tips !== unique.size || submissions !== unique.size) process.exitCode = 1;
