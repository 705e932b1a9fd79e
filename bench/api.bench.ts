// npm run bench:api [-- --tips 1000000] [-- --reseed] [-- --seed-only] [-- --drop] [-- --requests 300] [-- --explain] [-- --url postgresql://...]
//
// Seeds a scratch database (tipdesk_bench_api on the PostgreSQL at --url, BENCH_DATABASE_URL or
// TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres) with a million tips, then measures
// through the real HTTP API (Express + Prisma, in this process):
//   - the triage list with typical filters and a text search (p50/p95/p99),
//   - the same list SQL run directly through pg, as the floor (ratio API/SQL),
//   - claims with 20 reporters claiming the same lead at once (one winner per round).
// Prints a Markdown table and writes bench/results/api.json. Reuses the seeded database on
// later runs (the seed takes a few minutes); --reseed starts over, --drop removes it at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApp } from '../src/http/app.js';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { closeDeps, createDeps } from '../src/deps.js';
import { createLogger } from '../src/logger.js';
import { seedRules } from '../src/tips/categorize.js';
import { detectIncidents } from '../src/tips/language/incidents.js';
import { createLanguageKit, loadLanguageData } from '../src/tips/language/language.js';
import { extractPlace } from '../src/tips/language/places.js';
import { contentWords, indexTokens } from '../src/tips/language/tokens.js';
import { siteKeyOf, storedIncidentTypes } from '../src/tips/understand.js';
import { listSql } from '../src/triage/tip-query.js';
import { ListTipsQuerySchema } from '../src/triage/triage.schema.js';
import { hashPassword } from '../src/users/password.js';
import { startLoad } from './load.js';

const { values } = parseArgs({
  options: {
    tips: { type: 'string', default: '1000000' },
    reseed: { type: 'boolean', default: false },
    requests: { type: 'string', default: '300' },
    explain: { type: 'boolean', default: false },
    'seed-only': { type: 'boolean', default: false },
    drop: { type: 'boolean', default: false },
    url: { type: 'string' },
  },
});
const N = Number(values.tips);
const REQUESTS = Number(values.requests);
const ADMIN_URL = values.url ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DB = 'tipdesk_bench_api';
const SEED_VERSION = 5;
const REPORTERS = 20;
const PASSWORD = 'bench password 2026';
const TZ = 'Asia/Shanghai';

const dbUrl = (() => {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${DB}`;
  return u.toString();
})();
const say = (s: string) => console.error(s);

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

// ---------- the seed: a city paper's three years of tips, in SQL ----------

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const arr = (xs: string[]) => `ARRAY[${xs.map(q).join(',')}]`;
const PLACES = [
  '永泰街道柳航里小区',
  '永泰街道桥北社区',
  '迎宾街道理想城社区',
  '迎宾街道绿园社区',
  '新旺街道和信社区',
  '新旺街道工农路社区',
  '清远街道大齿社区',
  '武定街道西马路社区',
  '白登山街道桐府社区',
  '文兴社区',
  '惠达社区龙港苑小区',
  '新泉东街社区',
  '北馨园社区',
  '永安社区',
  '星茂汇购物中心附近',
  '平城区南关',
  '平城区北街',
  '御河东路',
  '魏都大道',
  '古城墙下',
];
const PROBLEMS = [
  '楼上漏水，天花板都泡了',
  '暖气一直不热，屋里才十二度',
  '楼道里堆满了杂物，消防通道被堵',
  '邻居家的狗天天叫，晚上睡不着',
  '家里燃气有味道，怀疑漏气',
  '楼上半夜拖椅子，噪音太大',
  '路灯坏了一个多月，晚上很黑',
  '修路挖的坑没人填',
  '社区卫生服务站周六免费体检',
  '招募志愿者清理绿化带',
  '广场舞音响太吵',
  '下水道堵了好几天',
  '电表老跳闸，电线老化',
  '车位被僵尸车占了半年',
  '家里老人独居没人照顾',
  '公交站牌移走了没有通知',
  '高空抛物差点砸到人',
  '热水器打不着火',
  '猫走丢了，橘色的',
  '小区门禁坏了陌生人随便进',
  '节水宣传活动',
  '义诊测血压血糖',
  '屋顶渗水墙皮脱落',
  '孩子生病医药费交不上',
  '电梯经常坏，老人上不去楼',
  '防诈骗讲座',
  '井盖丢了很危险',
  '装修公司跑路了',
  '邻居私搭乱建占绿地',
  '老年食堂开业了',
  'radiator is cold and the boiler is broken',
  'noisy neighbours upstairs every night',
  'water leaking through the ceiling',
  'free health check at the community centre',
  'lost dog near the park',
  'road works blocking the bus stop',
  'volunteers needed for a clean-up',
  'gas smell in the kitchen',
  'stairwell full of rubbish',
  'street lights are off',
];
const TAILS = [
  '，已经三天了',
  '，希望记者来看看',
  '，物业不管',
  '，找了好几次都没人管',
  '，请帮忙反映一下',
  '，谢谢',
  '。',
  '，太危险了',
  '，大家意见很大',
  '',
];
const DETAILS = [
  '我们几户人家都找过物业和社区，每次都说会处理，可一直没有下文。',
  '家里有老人和孩子，实在等不起了。',
  '附上几张照片，希望能引起有关部门的重视。',
  '这种情况已经持续了很久，周围的居民都很着急。',
  '听说其他小区也有类似的问题，希望晚报能关注一下。',
  '我们不想把事情闹大，只希望能尽快解决。',
  'We have called the hotline several times without any answer.',
  'Many older residents live here and they are worried.',
];

// The language columns are what intake computes (src/tips/understand.ts) for each part of a
// seeded body (place, problem, tail, details), joined per tip in SQL: a million jieba passes
// would take longer than the rest of the seed. Pairs across part boundaries are left out.
async function languageParts(c: pg.Client) {
  const kit = createLanguageKit(loadLanguageData());
  const seg = kit.segmenter;
  const table = async (name: string, rows: unknown[][], cols: string) => {
    await c.query(`DROP TABLE IF EXISTS ${name}`);
    await c.query(`CREATE TABLE ${name} (k int PRIMARY KEY, ${cols})`);
    for (const r of rows) await c.query(`INSERT INTO ${name} VALUES (${r.map((_, i) => `$${i + 1}`).join(', ')})`, r);
  };
  const text = (xs: string[]) => xs.map((x, i) => [i + 1, indexTokens(seg, x), contentWords(seg, x)]);
  await table(
    'bench_lang_place',
    PLACES.map((x, i) => {
      const loc = extractPlace(x, kit.places);
      return [i + 1, indexTokens(seg, x), contentWords(seg, x), siteKeyOf(loc), loc.community, loc.estate, loc.street, loc.district, loc.words];
    }),
    'tokens text[], words text[], site text, community text, estate text, street text, district text, loc_words text[]',
  );
  await table(
    'bench_lang_problem',
    PROBLEMS.map((x, i) => [i + 1, indexTokens(seg, x), contentWords(seg, x), storedIncidentTypes(detectIncidents(x, kit.incidents))]),
    'tokens text[], words text[], incidents text[]',
  );
  await table('bench_lang_tail', text(TAILS), 'tokens text[], words text[]');
  await table('bench_lang_detail', text(DETAILS), 'tokens text[], words text[]');
}

async function seed(c: pg.Client) {
  const t0 = performance.now();
  await languageParts(c);
  say(`Seeding ${N.toLocaleString()} tips into ${DB} (a few minutes)...`);
  await c.query(
    'TRUNCATE tip, tipster, message, tip_tipster, audit_event, note, attachment, app_user, auth_token, rate_limit, job, submission CASCADE',
  );
  await c.query('DROP TABLE IF EXISTS bench_meta');
  // Bulk load without secondary indexes, then build them once.
  const { rows: idx } = await c.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('tip', 'message') AND indexname NOT LIKE '%_pkey'`,
  );
  for (const i of idx) await c.query(`DROP INDEX ${i.indexname}`);

  // Deterministic ids shaped as version-4 UUIDs (the API validates them as such).
  await c.query(`CREATE OR REPLACE FUNCTION bench_uuid(t text) RETURNS uuid IMMUTABLE LANGUAGE sql AS $$
    SELECT (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12))::uuid FROM md5(t) h $$`);
  const hash = await hashPassword(PASSWORD);
  await c.query(
    `INSERT INTO app_user (id, email, display_name, role, password_hash) VALUES (bench_uuid('bench-editor'), 'editor@bench.local', '王编辑', 'EDITOR', $1)`,
    [hash],
  );
  await c.query(
    `INSERT INTO app_user (id, email, display_name, role, password_hash)
     SELECT bench_uuid('reporter' || k), 'reporter' || k || '@bench.local', '记者' || k, 'REPORTER', $1 FROM generate_series(0, ${REPORTERS - 1}) k`,
    [hash],
  );
  await c.query(
    `INSERT INTO tipster (id, phone, created_at) SELECT bench_uuid('tipster' || n), '+86186' || lpad(n::text, 8, '0'), now() FROM generate_series(0, 199999) n`,
  );

  const span = 3 * 365 * 86400; // three years of tips, oldest first
  const BATCH = 100_000;
  for (let lo = 1; lo <= N; lo += BATCH) {
    const hi = Math.min(N, lo + BATCH - 1);
    await c.query(`
      INSERT INTO tip (id, reference, channel, status, category, priority, subject, body, search_text, language, created_at, last_activity_at, updated_at,
                       tipster_id, assignee_id, suggested_category, suggestion_confidence, suggestion_terms, version, claimed_at, returned_to_pool_at,
                       search_tokens, content_words, incident_types, site_key, loc_district, loc_street, loc_community, loc_estate, loc_building,
                       location_words, location_source)
      SELECT id, ref, channel::"Channel", status::"TipStatus", category::"Category", priority::"Priority", subject, body,
             ref || E'\\n' || coalesce(subject || E'\\n', '') || body, CASE WHEN body ~ '[a-z]{4}' THEN 'en' ELSE 'zh' END,
             created, created, created, tipster, assignee::uuid, coalesce(category, suggested)::"Category", 0.7, ARRAY[]::text[], 1,
             CASE WHEN status IN ('CLAIMED', 'IN_PROGRESS') THEN created END, NULL,
             ARRAY(SELECT DISTINCT x FROM unnest(lp.tokens || lq.tokens || lt.tokens || ARRAY[bnum || '号楼']
                     || CASE WHEN channel IN ('EMAIL', 'WEB') THEN ld1.tokens || ld2.tokens ELSE ARRAY[]::text[] END) x),
             lp.words || ARRAY[bnum || '号楼'] || lq.words || lt.words || CASE WHEN channel IN ('EMAIL', 'WEB') THEN ld1.words || ld2.words ELSE ARRAY[]::text[] END,
             lq.incidents, lp.site, lp.district, lp.street, lp.community, lp.estate, bnum::text, lp.loc_words || ARRAY[bnum || '号楼'], 'text'
      FROM (
        SELECT i, bench_uuid('tip' || i) AS id,
               'T-' || to_char(created AT TIME ZONE '${TZ}', 'YYMMDD') || '-' || lpad(i::text, 7, '0') AS ref,
               created, channel, status, priority,
               CASE WHEN status = 'NEW' THEN NULL ELSE (ARRAY['HOUSEHOLD','NEIGHBORHOOD','COMMUNITY'])[1 + abs(hashint4extended(i, 3)) % 3] END AS category,
               (ARRAY['HOUSEHOLD','NEIGHBORHOOD','COMMUNITY'])[1 + abs(hashint4extended(i, 4)) % 3] AS suggested,
               CASE WHEN status IN ('ASSIGNED','CLAIMED','IN_PROGRESS','PUBLISHED') THEN bench_uuid('reporter' || (abs(hashint4extended(i, 5)) % ${REPORTERS}))::text END AS assignee,
               bench_uuid('tipster' || (abs(hashint4extended(i, 6)) % 200000)) AS tipster,
               CASE WHEN channel IN ('EMAIL', 'WEB') THEN problem END AS subject,
               CASE WHEN channel IN ('EMAIL', 'WEB')
                    THEN '编辑您好：我住在' || place || building || '。' || problem || tail || '。' || detail || detail2 || rare
                    ELSE place || building || problem || tail || rare END AS body,
               pk, prk, tk, d1, d2, bnum
        FROM (
          SELECT i,
                 to_timestamp(extract(epoch FROM now()) - ${span} + i::float8 * ${span / N}) AS created,
                 (ARRAY['SMS','SMS','SMS','SMS','SMS','SMS','SMS','SMS','SMS','EMAIL','EMAIL','EMAIL','EMAIL','EMAIL','EMAIL','VOICE','VOICE','VOICE','WEB','WEB'])[1 + abs(hashint4extended(i, 1)) % 20] AS channel,
                 CASE
                   WHEN i > ${N} - 2000 THEN (ARRAY['NEW','NEW','NEW','NEW','NEW','NEW','TRIAGED','TRIAGED','ASSIGNED','CLAIMED','IN_PROGRESS'])[1 + abs(hashint4extended(i, 2)) % 11]
                   WHEN i > ${N} - 30000 THEN (ARRAY['TRIAGED','ASSIGNED','CLAIMED','IN_PROGRESS','PUBLISHED','PUBLISHED','PUBLISHED','PUBLISHED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','MERGED'])[1 + abs(hashint4extended(i, 2)) % 14]
                   ELSE (ARRAY['PUBLISHED','PUBLISHED','PUBLISHED','PUBLISHED','PUBLISHED','PUBLISHED','PUBLISHED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','DISMISSED','MERGED','MERGED'])[1 + abs(hashint4extended(i, 2)) % 20]
                 END AS status,
                 (ARRAY['NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','NORMAL','LOW','LOW','HIGH','HIGH','HIGH','URGENT'])[1 + abs(hashint4extended(i, 7)) % 20] AS priority,
                 (${arr(PLACES)})[1 + abs(hashint4extended(i, 8)) % ${PLACES.length}] AS place,
                 (1 + abs(hashint4extended(i, 9)) % 30)::text || '号楼' AS building,
                 1 + abs(hashint4extended(i, 8)) % ${PLACES.length} AS pk, 1 + abs(hashint4extended(i, 10)) % ${PROBLEMS.length} AS prk,
                 1 + abs(hashint4extended(i, 11)) % ${TAILS.length} AS tk, 1 + abs(hashint4extended(i, 12)) % ${DETAILS.length} AS d1,
                 1 + abs(hashint4extended(i, 13)) % ${DETAILS.length} AS d2, (1 + abs(hashint4extended(i, 9)) % 30)::text AS bnum,
                 (${arr(PROBLEMS)})[1 + abs(hashint4extended(i, 10)) % ${PROBLEMS.length}] AS problem,
                 (${arr(TAILS)})[1 + abs(hashint4extended(i, 11)) % ${TAILS.length}] AS tail,
                 (${arr(DETAILS)})[1 + abs(hashint4extended(i, 12)) % ${DETAILS.length}] AS detail,
                 (${arr(DETAILS)})[1 + abs(hashint4extended(i, 13)) % ${DETAILS.length}] AS detail2,
                 -- about one tip in 10,000 mentions an exploding water heater: the rare search
                 CASE WHEN abs(hashint4extended(i, 14)) % 10000 = 0 THEN '，热水器爆炸了' ELSE '' END AS rare
          FROM generate_series(${lo}, ${hi}) i
        ) a
      ) b
      JOIN bench_lang_place lp ON lp.k = b.pk JOIN bench_lang_problem lq ON lq.k = b.prk JOIN bench_lang_tail lt ON lt.k = b.tk
      JOIN bench_lang_detail ld1 ON ld1.k = b.d1 JOIN bench_lang_detail ld2 ON ld2.k = b.d2`);
    say(`  tips ${hi.toLocaleString()} / ${N.toLocaleString()} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await c.query(`
    INSERT INTO message (id, tip_id, direction, channel, subject, body, delivery_state, created_at)
    SELECT bench_uuid('msg' || id::text), id, 'INBOUND', channel, subject, body, 'RECEIVED', created_at FROM tip`);
  say(`  messages (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  await c.query(`SET maintenance_work_mem = '1GB'`);
  for (const i of idx) {
    const s = performance.now();
    await c.query(i.indexdef);
    say(`  index ${i.indexname} (${((performance.now() - s) / 1000).toFixed(1)} s)`);
  }
  // Word rarity as the language job keeps it (occurrences, close enough to tip counts here).
  await c.query('TRUNCATE word_df, word_df_state');
  await c.query(`INSERT INTO word_df (word, df) SELECT w, count(*)::int FROM tip, unnest(content_words) w GROUP BY w`);
  await c.query(`INSERT INTO word_df_state (id, tip_count, counted_until) SELECT 1, count(*), max(created_at) FROM tip`);
  say(`  word_df (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  await c.query('VACUUM ANALYZE tip');
  await c.query('VACUUM ANALYZE message');
  await c.query('VACUUM ANALYZE tipster');
  await c.query('VACUUM ANALYZE app_user');
  await c.query('CREATE TABLE bench_meta (tips int, version int)');
  await c.query('INSERT INTO bench_meta VALUES ($1, $2)', [N, SEED_VERSION]);
  say(`Seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

// ---------- measuring ----------

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}
function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(s[s.length - 1]), mean: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

async function timed(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        await fn(i);
        out.push(performance.now() - t);
      }
    }),
  );
  return out;
}

async function main() {
  await withClient(ADMIN_URL, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB]);
    if (!rowCount) await c.query(`CREATE DATABASE ${DB}`);
  });
  await migrate(dbUrl);
  const seeded = await withClient(dbUrl, async (c) => {
    const { rows } = await c
      .query<{ tips: number; version: number }>(`SELECT * FROM bench_meta`)
      .catch(() => ({ rows: [] as { tips: number; version: number }[] }));
    return rows[0]?.tips === N && rows[0]?.version === SEED_VERSION;
  });
  if (!seeded || values.reseed) await withClient(dbUrl, seed);
  else say(`Reusing the seeded database ${DB} (${N.toLocaleString()} tips); --reseed to start over.`);
  if (values['seed-only']) return;

  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    TIMEZONE: TZ,
    LOGIN_MAX_ATTEMPTS: '1000',
    DATABASE_POOL_SIZE: '10',
  });
  const deps = createDeps(config, dbUrl, { logger: createLogger('warn'), mailer: null, twilio: null });
  await seedRules(deps.prisma);
  const server = await new Promise<Server>((resolve) => {
    const s = createApp(deps).listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const login = async (email: string) => {
    const r = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    if (r.status !== 200) throw new Error(`login ${email}: ${r.status}`);
    return { authorization: `Bearer ${((await r.json()) as { token: string }).token}` };
  };
  const editor = await login('editor@bench.local');
  const reporters = await Promise.all(Array.from({ length: REPORTERS }, (_, k) => login(`reporter${k}@bench.local`)));
  const sqlPool = new pg.Pool({ connectionString: dbUrl, max: 4 });

  const reporterId = (await sqlPool.query<{ id: string }>(`SELECT bench_uuid('reporter3')::text AS id`)).rows[0].id;
  const weekFrom = (await sqlPool.query<{ d: string }>(`SELECT to_char((now() - interval '400 days') AT TIME ZONE '${TZ}', 'YYYY-MM-DD') AS d`))
    .rows[0].d;
  const weekTo = (await sqlPool.query<{ d: string }>(`SELECT to_char((now() - interval '394 days') AT TIME ZONE '${TZ}', 'YYYY-MM-DD') AS d`)).rows[0]
    .d;
  // A cursor five pages deep, for "next page" requests.
  let deepCursor = '';
  {
    let cur: string | null = null;
    for (let p = 0; p < 5; p++) {
      const res: Response = await fetch(`${base}/api/tips?limit=50${cur ? `&cursor=${cur}` : ''}`, { headers: editor });
      cur = ((await res.json()) as { nextCursor: string }).nextCursor;
    }
    deepCursor = cur!;
  }

  const scenarios: { name: string; kind: 'list' | 'search'; qs: string }[] = [
    { name: 'newest, no filter', kind: 'list', qs: '' },
    { name: 'inbox: status=NEW', kind: 'list', qs: 'status=NEW' },
    { name: 'status=TRIAGED&category=neighborhood', kind: 'list', qs: 'status=TRIAGED&category=neighborhood' },
    { name: 'pool by priority', kind: 'list', qs: 'status=TRIAGED&assigneeId=none&sort=priority' },
    { name: 'channel=SMS&priority=high,urgent', kind: 'list', qs: 'channel=SMS&priority=high,urgent' },
    { name: 'one reporter’s tips', kind: 'list', qs: `assigneeId=${reporterId}` },
    { name: 'a week a year ago', kind: 'list', qs: `from=${weekFrom}&to=${weekTo}` },
    { name: 'open statuses, oldest first', kind: 'list', qs: 'status=NEW,TRIAGED,ASSIGNED&sort=oldest' },
    { name: 'page 6 (cursor)', kind: 'list', qs: `cursor=${deepCursor}` },
    { name: 'q=柳航里 (place, ~5%)', kind: 'search', qs: `q=${encodeURIComponent('柳航里')}` },
    { name: 'q=天花板都泡了 (~2.5%)', kind: 'search', qs: `q=${encodeURIComponent('天花板都泡了')}` },
    { name: 'q=热水器爆炸 (rare, ~0.01%)', kind: 'search', qs: `q=${encodeURIComponent('热水器爆炸')}` },
    { name: 'q=radiator (English)', kind: 'search', qs: 'q=radiator' },
    { name: 'q=大齿社区&status=PUBLISHED', kind: 'search', qs: `q=${encodeURIComponent('大齿社区')}&status=PUBLISHED` },
    { name: 'q=电梯 (2 chars: search_tokens)', kind: 'search', qs: `q=${encodeURIComponent('电梯')}` },
    { name: 'q=漏水 (2 chars: search_tokens)', kind: 'search', qs: `q=${encodeURIComponent('漏水')}` },
  ];

  const load = startLoad();
  const results: Record<string, unknown>[] = [];
  const plans: Record<string, string> = {};
  say(`Measuring ${REQUESTS} requests per scenario, one at a time (after 20 warm-up requests)...`);
  for (const sc of scenarios) {
    const url = `${base}/api/tips?${sc.qs}`;
    let rows = 0;
    const call = async () => {
      const r = await fetch(url, { headers: editor });
      if (r.status !== 200) throw new Error(`${sc.name}: HTTP ${r.status} ${await r.text()}`);
      rows = ((await r.json()) as { tips: unknown[] }).tips.length;
    };
    await timed(20, 1, call);
    const api = stats(await timed(REQUESTS, 1, call));
    // The same SQL the route runs, straight through pg: the floor for this query.
    const query = ListTipsQuerySchema.parse(Object.fromEntries(new URLSearchParams(sc.qs)));
    const sql = listSql(query, { timeZone: TZ, viewerId: undefined });
    const runSql = async () => {
      await sqlPool.query(sql.text, sql.values as unknown[]);
    };
    await timed(20, 1, runSql);
    const raw = stats(await timed(REQUESTS, 1, runSql));
    const plan = (await sqlPool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql.text}`, sql.values as unknown[])).rows.map((r) => r['QUERY PLAN']);
    plans[sc.name] = plan.join('\n');
    const indexes = [
      ...new Set(
        plan
          .join('\n')
          .match(/(?:using|on) (tip_[a-z_]+|tip_pkey)/gi)
          ?.map((m) => m.split(' ')[1]) ?? [],
      ),
    ];
    results.push({
      scenario: sc.name,
      kind: sc.kind,
      query: sc.qs,
      rows,
      api,
      sql: raw,
      ratioP50: Math.round((api.p50 / raw.p50) * 10) / 10,
      indexes,
    });
    say(`  ${sc.name}: api p50 ${api.p50} ms p99 ${api.p99} ms | sql p50 ${raw.p50} ms | ${indexes.join(', ')}`);
    if (values.explain) {
      const an = await sqlPool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, sql.values as unknown[]);
      console.error(an.rows.map((r) => `      ${r['QUERY PLAN']}`).join('\n'));
    }
  }

  // Related tips of recent tips (candidates by place key and incident type, scored in Node).
  const relatedIds = (
    await sqlPool.query<{ id: string }>(
      `SELECT id::text FROM tip WHERE status <> 'MERGED' AND created_at > now() - interval '60 days' ORDER BY md5(id::text) LIMIT ${REQUESTS + 20}`,
    )
  ).rows.map((r) => r.id);
  let relatedRows = 0;
  const relatedCall = async (i: number) => {
    const r = await fetch(`${base}/api/tips/${relatedIds[i % relatedIds.length]}/related`, { headers: editor });
    if (r.status !== 200) throw new Error(`related: HTTP ${r.status} ${await r.text()}`);
    relatedRows += ((await r.json()) as { related: unknown[] }).related.length;
  };
  await timed(20, 1, (i) => relatedCall(REQUESTS + i));
  relatedRows = 0;
  const related = stats(await timed(REQUESTS, 1, relatedCall));
  say(`  related tips: api p50 ${related.p50} ms p99 ${related.p99} ms (${(relatedRows / REQUESTS).toFixed(1)} related per tip)`);

  // Mixed list/search load from 8 clients at once, to see the tail under contention (2 cores).
  const mixed = stats(
    await timed(REQUESTS * 2, 8, async (i) => {
      const sc = scenarios[i % scenarios.length];
      const r = await fetch(`${base}/api/tips?${sc.qs}`, { headers: editor });
      if (r.status !== 200) throw new Error(`mixed: HTTP ${r.status}`);
      await r.arrayBuffer();
    }),
  );
  say(`  mixed list+search, 8 concurrent clients: p50 ${mixed.p50} ms p99 ${mixed.p99} ms`);

  // Claims: 20 reporters claim the same pool lead at once, round after round.
  const ROUNDS = 50;
  const pool = (
    await sqlPool.query<{ id: string }>(
      `SELECT id::text FROM tip WHERE status = 'TRIAGED' AND assignee_id IS NULL ORDER BY created_at DESC LIMIT ${ROUNDS}`,
    )
  ).rows.map((r) => r.id);
  const claimMs: number[] = [];
  const roundMs: number[] = [];
  let wrongRounds = 0;
  for (const id of pool) {
    const t = performance.now();
    const statuses = await Promise.all(
      reporters.map(async (auth) => {
        const s = performance.now();
        const r = await fetch(`${base}/api/tips/${id}/claim`, { method: 'POST', headers: auth });
        await r.arrayBuffer();
        claimMs.push(performance.now() - s);
        return r.status;
      }),
    );
    roundMs.push(performance.now() - t);
    if (statuses.filter((s) => s === 200).length !== 1 || statuses.filter((s) => s === 409).length !== REPORTERS - 1) wrongRounds++;
  }
  // Put the leads back so the next run finds the same pool.
  await sqlPool.query(`UPDATE tip SET status = 'TRIAGED', assignee_id = NULL, claimed_at = NULL, version = version + 1 WHERE id = ANY($1::uuid[])`, [
    pool,
  ]);
  await sqlPool.query(`DELETE FROM audit_event WHERE tip_id = ANY($1::uuid[]) AND action = 'tip.claimed'`, [pool]);
  const claim = {
    requests: stats(claimMs),
    rounds: stats(roundMs),
    rounds_n: pool.length,
    concurrentReporters: REPORTERS,
    roundsWithoutExactlyOneWinner: wrongRounds,
  };
  say(
    `  claim x${REPORTERS} concurrent: per request p50 ${claim.requests.p50} ms p99 ${claim.requests.p99} ms; rounds without exactly one winner: ${wrongRounds}`,
  );

  const count = (await sqlPool.query<{ n: string }>('SELECT count(*) AS n FROM tip')).rows[0].n;
  const agg = (kind: string, key: 'api' | 'sql') => {
    const rs = results.filter((r) => r.kind === kind).map((r) => r[key] as Stats);
    return { worstP99: Math.max(...rs.map((s) => s.p99)), worstP50: Math.max(...rs.map((s) => s.p50)) };
  };
  const summary = {
    list: { api: agg('list', 'api'), sql: agg('list', 'sql') },
    search: { api: agg('search', 'api'), sql: agg('search', 'sql') },
    related: related.p99,
    goal: 'list, search and related tips p99 < 50 ms at 1M tips (through the HTTP API)',
  };

  // Markdown for the README / closing note.
  const loadSpan = load.end();
  const lines = [
    `### bench:api — ${Number(count).toLocaleString()} tips, ${os.cpus().length} cores (load average ${loadSpan.before.toFixed(1)} before, ${loadSpan.after.toFixed(1)} after), PostgreSQL ${(await sqlPool.query('SHOW server_version')).rows[0].server_version}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${REQUESTS} sequential requests per row after warm-up; "SQL" runs the identical list SQL straight through pg (the floor); ms.`,
    '',
    '| scenario | rows | API p50 | API p95 | API p99 | SQL p50 | SQL p99 | API/SQL p50 | index used |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => {
      const a = r.api as Stats;
      const s = r.sql as Stats;
      return `| ${r.scenario} | ${r.rows} | ${a.p50} | ${a.p95} | ${a.p99} | ${s.p50} | ${s.p99} | ${r.ratioP50}× | ${(r.indexes as string[]).join(', ')} |`;
    }),
    `| related tips (GET /api/tips/{id}/related, ${REQUESTS} different recent tips) | ${(relatedRows / REQUESTS).toFixed(1)} | ${related.p50} | ${related.p95} | ${related.p99} | | | | tip_site_key_created_at_idx, tip_incident_types_idx |`,
    `| mixed list+search, 8 clients at once | | ${mixed.p50} | ${mixed.p95} | ${mixed.p99} | | | | |`,
    `| claim, ${REPORTERS} reporters at once (${claim.requests.n} requests) | | ${claim.requests.p50} | ${claim.requests.p95} | ${claim.requests.p99} | | | | one winner in ${pool.length - wrongRounds}/${pool.length} rounds |`,
    '',
    `Worst p99 through the API: list ${summary.list.api.worstP99} ms, search ${summary.search.api.worstP99} ms, related ${related.p99} ms (goal < 50 ms).`,
  ];
  console.log(lines.join('\n'));
  const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'api.json'),
    `${JSON.stringify({ date: new Date().toISOString(), tips: Number(count), cores: os.cpus().length, load: loadSpan, requestsPerScenario: REQUESTS, results, related, mixed, claim, summary, plans }, null, 2)}\n`,
  );

  await sqlPool.end();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await closeDeps(deps);
  if (values.drop) await withClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
