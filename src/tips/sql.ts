import type pg from 'pg';
import { Prisma, type Tx } from '../db/prisma.js';
import type { Category, Channel } from '../generated/prisma/enums.js';
import type { DocFreq, TipFeatures } from './language/related.js';

// Raw SQL of the language features: candidate tips for related/duplicate scoring (two bounded,
// indexed branches) and the word rarity table.

/** Tips sharing the place: (site_key, created_at) index, the nearest in time first. */
export const SITE_CANDIDATES = 100;
/** Tips of the same incident type anywhere: GIN on incident_types within a shorter window. */
export const INCIDENT_CANDIDATES = 60;

export interface CandidateRow {
  id: string;
  reference: string;
  status: string;
  created_at: Date;
  content_words: string[] | null;
  incident_types: string[] | null;
  loc_district: string | null;
  loc_street: string | null;
  loc_community: string | null;
  loc_estate: string | null;
  loc_road: string | null;
  loc_landmark: string | null;
  loc_building: string | null;
  loc_unit: string | null;
  location_words: string[] | null;
  location_source: string | null;
}

const COLS = Prisma.sql`t.id::text, t.reference, t.status::text, t.created_at, t.content_words, t.incident_types, t.loc_district, t.loc_street,
  t.loc_community, t.loc_estate, t.loc_road, t.loc_landmark, t.loc_building, t.loc_unit, t.location_words, t.location_source`;

export interface CandidateQuery {
  /** The tip itself, left out. */
  excludeId: string | null;
  siteKey: string | null;
  incidentTypes: string[];
  at: Date;
  siteWindowDays: number;
  incidentWindowDays: number;
  /** Only tips still open (for flagging duplicates at intake). */
  openOnly: boolean;
}

/** Candidates around `at`: each branch walks its index and stops at its LIMIT, so cost does not grow with the desk's history. */
export function candidateSql(q: CandidateQuery): Prisma.Sql | null {
  const status = q.openOnly ? Prisma.sql`t.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED')` : Prisma.sql`t.status <> 'MERGED'::"TipStatus"`;
  const notSelf = q.excludeId ? Prisma.sql`AND t.id <> ${q.excludeId}::uuid` : Prisma.empty;
  const window = (days: number) => Prisma.sql`t.created_at BETWEEN ${q.at}::timestamptz - make_interval(days => ${days}::int)
                                            AND ${q.at}::timestamptz + make_interval(days => ${days}::int)`;
  const parts: Prisma.Sql[] = [];
  if (q.siteKey) {
    parts.push(Prisma.sql`(SELECT ${COLS} FROM tip t WHERE t.site_key = ${q.siteKey} AND ${window(q.siteWindowDays)} AND ${status} ${notSelf}
      ORDER BY t.created_at DESC LIMIT ${SITE_CANDIDATES})`);
  }
  if (q.incidentTypes.length) {
    parts.push(Prisma.sql`(SELECT ${COLS} FROM tip t WHERE t.incident_types && ${q.incidentTypes}::text[] AND ${window(q.incidentWindowDays)}
      AND ${status} ${notSelf} ORDER BY t.created_at DESC LIMIT ${INCIDENT_CANDIDATES})`);
  }
  if (!parts.length) return null;
  return Prisma.sql`SELECT DISTINCT ON (id) * FROM (${Prisma.join(parts, ' UNION ALL ')}) c`;
}

export async function findCandidates(db: Tx, q: CandidateQuery): Promise<CandidateRow[]> {
  const sql = candidateSql(q);
  return sql ? db.$queryRaw<CandidateRow[]>(sql) : [];
}

/** Rarity of the given words over the desk's tips (word_df, kept by the language job). */
export async function loadDocFreq(db: Tx, words: string[]): Promise<DocFreq> {
  const uniq = [...new Set(words)];
  // One statement (it was two, each on its own pooled connection): every tip read runs it.
  const [row] = await db.$queryRaw<{ tip_count: number | null; words: string[] | null; dfs: number[] | null }[]>`
    SELECT (SELECT tip_count FROM word_df_state WHERE id = 1) AS tip_count, array_agg(word) AS words, array_agg(df) AS dfs
    FROM word_df WHERE word = ANY(${uniq}::text[])`;
  const m = new Map((row?.words ?? []).map((w, i) => [w, row!.dfs![i]]));
  return { docCount: row?.tip_count ?? 0, df: (w) => m.get(w) ?? 0 };
}

/**
 * Adds the content words of tips created after the last count to word_df, in one statement per
 * batch (keyset on created_at, id). Returns how many tips were counted.
 */
export async function countWordsBatch(db: Tx, batch: number): Promise<number> {
  const rows = await db.$queryRaw<{ n: number }[]>`
    WITH st AS (
      INSERT INTO word_df_state (id, tip_count, counted_until, counted_id) VALUES (1, 0, '-infinity', NULL)
      ON CONFLICT (id) DO UPDATE SET id = 1 RETURNING counted_until, counted_id, tip_count),
    page AS (
      SELECT t.id, t.created_at, t.content_words FROM tip t, st
      WHERE (t.created_at, t.id) > (st.counted_until, coalesce(st.counted_id, '00000000-0000-0000-0000-000000000000'::uuid))
        AND cardinality(t.content_words) > 0
      ORDER BY t.created_at, t.id LIMIT ${batch}),
    words AS (
      SELECT w AS word, count(*)::int AS n FROM page, LATERAL (SELECT DISTINCT unnest(page.content_words) AS w) u GROUP BY w),
    up AS (
      INSERT INTO word_df (word, df) SELECT word, n FROM words
      ON CONFLICT (word) DO UPDATE SET df = word_df.df + excluded.df RETURNING 1),
    last AS (SELECT id, created_at FROM page ORDER BY created_at DESC, id DESC LIMIT 1),
    moved AS (
      UPDATE word_df_state s SET counted_until = last.created_at, counted_id = last.id,
        tip_count = s.tip_count + (SELECT count(*) FROM page)
      FROM last WHERE s.id = 1 RETURNING 1)
    SELECT (SELECT count(*)::int FROM page) AS n, (SELECT count(*)::int FROM up) AS u, (SELECT count(*)::int FROM moved) AS m`;
  return rows[0]?.n ?? 0;
}

/** One tip's stored features, with its text for tips read before the language columns existed. */
export async function tipFeatureRow(db: Tx, id: string) {
  const rows = await db.$queryRaw<(CandidateRow & { subject: string | null; body: string; location: string | null })[]>`
    SELECT ${COLS}, t.subject, t.body, t.location FROM tip t WHERE t.id = ${id}::uuid`;
  return rows[0] ?? null;
}

// ---- Tip creation and threading (normalize jobs), and the tip.read job's writes --------------
// Prisma needs a round trip per row here (the tip, its tipster link, the message, the audit and
// desk events, the read job); inside the normalize transaction each trip held the submission's
// lock and a pooled connection. One statement each instead (docs/adr/0001-raw-sql.md).

/** The live stream's channel (src/audit/sql.ts DESK_CHANNEL) and the queue's (src/queue/sql.ts JOB_CHANNEL). */
export interface NotifyChannels {
  desk: string;
  jobs: string;
}

export interface InboundMessageRow {
  submissionId: string;
  channel: Channel;
  subject: string | null;
  body: string;
  fullBody: string | null;
  emailMessageId: string | null;
  kind: string;
  externalId: string | null;
  receivedAt: Date;
}

export interface TipInsert {
  /** A tip row the webhook made (it answered with its reference): filled in, keeping reference and creation time. */
  reservedTipId: string | null;
  /** The reference a webhook gave out for this tip (submission.reference); null: the day's next. */
  reference: string | null;
  /** YYMMDD of the reference a new tip gets (tip_reference_next). */
  day: string;
  language: string;
  tipsterId: string | null;
  location: string | null;
  message: InboundMessageRow;
  /** The reading job queued with the tip (kind, attempts). */
  readJob: string;
  notify: NotifyChannels;
}

export interface InsertedTip {
  id: string;
  reference: string;
  subject: string | null;
  body: string;
  location: string | null;
  messageId: string;
}

/**
 * A new tip (or the webhook's reserved row filled in), its tipster link, its first message, the
 * tip.created audit and desk events and its reading job, in one statement. searchText is set
 * here so the tip is found by its text before it is read.
 */
export async function insertTip(tx: Tx, p: TipInsert): Promise<InsertedTip> {
  const m = p.message;
  const rows = await tx.$queryRaw<(Omit<InsertedTip, 'messageId'> & { message_id: string })[]>`
    WITH reserved AS (
      UPDATE tip SET channel = ${m.channel}::"Channel", subject = ${m.subject}, body = ${m.body}, language = ${p.language},
        tipster_id = ${p.tipsterId}::uuid, location = COALESCE(${p.location}, location),
        search_text = left(concat_ws(E'\n', reference, NULLIF(title, ''), NULLIF(${m.subject}, ''), NULLIF(COALESCE(${p.location}, location), ''),
                                     NULLIF(${m.body}, '')), 20000),
        last_activity_at = ${m.receivedAt}::timestamptz, read_at = NULL, updated_at = now()
      WHERE id = ${p.reservedTipId}::uuid
      RETURNING id, reference, subject, body, location),
    fresh AS (
      INSERT INTO tip (reference, channel, subject, body, language, tipster_id, location, search_text, created_at, last_activity_at)
      SELECT r.ref, ${m.channel}::"Channel", ${m.subject}, ${m.body}, ${p.language}, ${p.tipsterId}::uuid, ${p.location},
             left(concat_ws(E'\n', r.ref, NULLIF(${m.subject}, ''), NULLIF(${p.location}, ''), NULLIF(${m.body}, '')), 20000),
             ${m.receivedAt}::timestamptz, ${m.receivedAt}::timestamptz
      FROM (SELECT COALESCE(${p.reference}, tip_reference_next(${p.day})) AS ref WHERE ${p.reservedTipId}::uuid IS NULL) r
      RETURNING id, reference, subject, body, location),
    t AS (SELECT * FROM reserved UNION ALL SELECT * FROM fresh),
    link AS (
      INSERT INTO tip_tipster (tip_id, tipster_id) SELECT t.id, ${p.tipsterId}::uuid FROM t WHERE ${p.tipsterId}::uuid IS NOT NULL
      ON CONFLICT DO NOTHING),
    msg AS (${messageInsert(m, Prisma.sql`(SELECT id FROM t)`)}),
    aud AS (
      INSERT INTO audit_event (tip_id, action, after, created_at)
      SELECT t.id, 'tip.created', jsonb_build_object('reference', t.reference, 'channel', ${m.channel}::text), ${m.receivedAt}::timestamptz FROM t),
    desk AS (INSERT INTO desk_event (tip_id, action, created_at) SELECT t.id, 'tip.created', ${m.receivedAt}::timestamptz FROM t RETURNING id),
    job AS (INSERT INTO job (kind, payload, max_attempts) SELECT ${p.readJob}, jsonb_build_object('tipId', t.id::text), 0 FROM t RETURNING id)
    SELECT t.id::text AS id, t.reference, t.subject, t.body, t.location, (SELECT id::text FROM msg) AS message_id,
      (SELECT count(pg_notify(${p.notify.desk}, desk.id::text)) FROM desk) AS n1,
      (SELECT count(pg_notify(${p.notify.jobs}, ${p.readJob})) FROM job) AS n2
    FROM t`;
  const r = rows[0];
  if (!r) throw new Error(`reserved tip ${p.reservedTipId} does not exist`);
  return { id: r.id, reference: r.reference, subject: r.subject, body: r.body, location: r.location, messageId: r.message_id };
}

/** An acknowledgement sent by API (decided by the webhook, submission.meta.ack): its OUTBOUND message on the tip. */
export interface AckInsert {
  tipId: string;
  channel: Channel;
  to: string;
  body: string;
  /** Its send job: kind, attempts, unique key (this prefix and the message id). */
  job: string;
  maxAttempts: number;
  uniquePrefix: string;
  jobsChannel: string;
}

/** The acknowledgement's message and its send job in one statement (the workers are told at commit). */
export async function insertAck(tx: Tx, a: AckInsert): Promise<void> {
  await tx.$queryRaw`
    WITH m AS (
      INSERT INTO message (tip_id, direction, channel, body, to_address, delivery_state, kind)
      VALUES (${a.tipId}::uuid, 'OUTBOUND', ${a.channel}::"Channel", ${a.body}, ${a.to}, 'QUEUED', 'ack')
      RETURNING id),
    j AS (
      INSERT INTO job (kind, payload, max_attempts, unique_key)
      SELECT ${a.job}, jsonb_build_object('messageId', m.id::text), ${a.maxAttempts}::int, ${a.uniquePrefix} || m.id::text FROM m
      ON CONFLICT (unique_key) DO NOTHING
      RETURNING id)
    SELECT count(pg_notify(${a.jobsChannel}, ${a.job}))::int AS n FROM j`;
}

function messageInsert(m: InboundMessageRow, tipId: Prisma.Sql) {
  return Prisma.sql`
    INSERT INTO message (tip_id, submission_id, direction, channel, subject, body, full_body, email_message_id, kind, external_id, created_at)
    VALUES (${tipId}, ${m.submissionId}::uuid, 'INBOUND'::"Direction", ${m.channel}::"Channel", ${m.subject}, ${m.body}, ${m.fullBody},
            ${m.emailMessageId}, ${m.kind}, ${m.externalId}, ${m.receivedAt}::timestamptz)
    RETURNING id`;
}

export interface FollowUpTip {
  id: string;
  reference: string;
  subject: string | null;
  body: string;
  title: string | null;
  location: string | null;
  category: Category | null;
  messageId: string;
}

/**
 * A follow-up joins a tip in one statement: the message, the tip's activity and searchable text,
 * the tipster link, the message.received audit and desk events, and a job that adds the message's
 * search tokens (segmenting is CPU the intake path need not spend).
 */
export async function insertFollowUp(
  tx: Tx,
  p: { tipId: string; tipsterId: string | null; message: InboundMessageRow; readJob: string; notify: NotifyChannels },
) {
  const m = p.message;
  const rows = await tx.$queryRaw<(Omit<FollowUpTip, 'messageId'> & { message_id: string })[]>`
    WITH msg AS (${messageInsert(m, Prisma.sql`${p.tipId}::uuid`)}),
    t AS (
      UPDATE tip SET last_activity_at = ${m.receivedAt}::timestamptz, search_text = left(search_text || E'\n' || ${m.body}, 20000), updated_at = now()
      WHERE id = ${p.tipId}::uuid
      RETURNING id, reference, subject, body, title, location, category),
    link AS (
      INSERT INTO tip_tipster (tip_id, tipster_id) SELECT t.id, ${p.tipsterId}::uuid FROM t WHERE ${p.tipsterId}::uuid IS NOT NULL
      ON CONFLICT DO NOTHING),
    aud AS (
      INSERT INTO audit_event (tip_id, action, after, created_at)
      SELECT t.id, 'message.received', jsonb_build_object('messageId', (SELECT id::text FROM msg), 'channel', ${m.channel}::text),
             ${m.receivedAt}::timestamptz FROM t),
    desk AS (INSERT INTO desk_event (tip_id, action, created_at) SELECT t.id, 'message.received', ${m.receivedAt}::timestamptz FROM t RETURNING id),
    job AS (
      INSERT INTO job (kind, payload, max_attempts) SELECT ${p.readJob}, jsonb_build_object('tipId', t.id::text, 'what', 'tokens'), 0 FROM t RETURNING id)
    SELECT t.id::text AS id, t.reference, t.subject, t.body, t.title, t.location, t.category::text AS category, (SELECT id::text FROM msg) AS message_id,
      (SELECT count(pg_notify(${p.notify.desk}, desk.id::text)) FROM desk) AS n1,
      (SELECT count(pg_notify(${p.notify.jobs}, ${p.readJob})) FROM job) AS n2
    FROM t`;
  const r = rows[0];
  if (!r) throw new Error(`tip ${p.tipId} does not exist`);
  const { message_id, ...tip } = r;
  return { ...tip, messageId: message_id } as FollowUpTip;
}

/** Marks a tip's text as changed (a voicemail's transcript arrived) and queues its reading. */
export async function queueReading(tx: Tx, p: { tipId: string; readJob: string; notify: NotifyChannels }) {
  await tx.$queryRaw`
    WITH t AS (UPDATE tip SET read_at = NULL WHERE id = ${p.tipId}::uuid RETURNING id),
    job AS (INSERT INTO job (kind, payload, max_attempts) SELECT ${p.readJob}, jsonb_build_object('tipId', t.id::text), 0 FROM t RETURNING id)
    SELECT count(pg_notify(${p.notify.jobs}, ${p.readJob}))::int AS n FROM job`;
}

// ---- The tip.read job's statements, on `pg` ------------------------------------------------
// A reading is three statements: the tip's text, its duplicate candidates with their words' rarity,
// and the write. Every new tip is read, and through Prisma the statements' driver work cost more
// CPU than the reading's language work (bench/tip-read-profile.ts, docs/reliability.md "Reading
// tips"); so they go to the pool under Prisma (docs/adr/0001-raw-sql.md), the fixed ones as named
// statements (parsed and planned once per connection).

/** What the reading job reads: the tip's text (the guard of its write) and its follow-up messages (for search tokens). */
export interface TipText {
  id: string;
  subject: string | null;
  body: string;
  location: string | null;
  created_at: Date;
  /** Read already (read_at set). */
  read: boolean;
  status: string;
  /** The inbound messages after the first (the first is the tip's own text), oldest first. */
  follow_ups: string[];
}

/**
 * The active phrase rules' fingerprint: their rows as category_rule's scan lists them (the order
 * rules are read in decides the order of a suggestion's equally weighted terms), hashed. Each row
 * written unambiguously (the phrase after its length). Text, not JSON: half the server's CPU, and
 * every reading computes it.
 */
const RULE_ROW = `r.category::text || ' ' || r.weight::text || ' ' || length(r.phrase)::text || ' ' || r.phrase`;

const READING_TEXTS = {
  name: 'tip_read_texts',
  text: `SELECT t.id::text AS id, t.subject, t.body, t.location, t.created_at, t.read_at IS NOT NULL AS read, t.status::text AS status,
      ARRAY(SELECT m.body FROM message m WHERE m.tip_id = t.id AND m.direction = 'INBOUND' ORDER BY m.created_at OFFSET 1) AS follow_ups,
      (SELECT md5(string_agg(${RULE_ROW}, ' ')) FROM category_rule r WHERE r.active) AS rules
    FROM tip t WHERE t.id = ANY($1::uuid[])`,
};

/**
 * The tips' texts, and the fingerprint of the phrase rules as they are now (null: no active rule):
 * the rules are read again only when it changes (activeRules, LanguageService.rules), so an
 * admin's change still counts from the next tip read.
 */
export async function readingTexts(pool: pg.Pool, ids: string[]): Promise<{ tips: TipText[]; rulesFingerprint: string | null }> {
  const r = await pool.query<TipText & { rules: string | null }>({ ...READING_TEXTS, values: [ids] });
  return { tips: r.rows, rulesFingerprint: r.rows[0]?.rules ?? null };
}

/** The active phrase rules as `loadRules` reads them (in scan order), with their fingerprint (see readingTexts). */
export async function activeRules(
  pool: pg.Pool,
): Promise<{ fingerprint: string | null; rules: { category: Category; phrase: string; weight: number }[] }> {
  const r = await pool.query<{ fingerprint: string | null; rules: [Category, string, number][] | null }>({
    name: 'tip_read_rules',
    // One aggregate step: the fingerprint and the rows see the rows in the same order.
    text: `SELECT md5(string_agg(${RULE_ROW}, ' ')) AS fingerprint, json_agg(json_build_array(r.category, r.phrase, r.weight)) AS rules
      FROM category_rule r WHERE r.active`,
  });
  const row = r.rows[0];
  return { fingerprint: row?.fingerprint ?? null, rules: (row?.rules ?? []).map(([category, phrase, weight]) => ({ category, phrase, weight })) };
}

/**
 * A duplicate candidate as the scorer reads it (relatedness): its place has the columns
 * placeAgreement compares, not district, street or source; stored types all count as strong.
 */
export type ReadingCandidate = TipFeatures & { id: string; reference: string };

type Place = string | null;
/** id, reference, created_at (epoch ms), content_words, incident_types, community, estate, road, landmark, building, unit, location_words. */
type CandidateJson = [string, string, number, string[] | null, string[] | null, Place, Place, Place, Place, Place, Place, string[] | null];

/**
 * A reading's duplicate candidates (candidateSql's two bounded branches, open tips only) and the
 * rarity of their words and the tip's, in one statement: candidates in id order (of equally scored
 * ones the first wins), as one JSON value (one parse, where `pg` parsed 16 columns and 3 arrays a
 * row). Not a named statement: a custom plan for each time window and key, as candidateSql gets.
 */
export async function readingCandidates(
  pool: pg.Pool,
  q: {
    excludeId: string;
    siteKey: string | null;
    incidentTypes: string[];
    at: Date;
    siteWindowDays: number;
    incidentWindowDays: number;
    words: string[];
  },
): Promise<{ candidates: ReadingCandidate[]; df: DocFreq }> {
  const values: unknown[] = [q.excludeId, q.at, q.words];
  const window = (days: number) => {
    values.push(days);
    const d = `make_interval(days => $${values.length}::int)`;
    return `t.created_at BETWEEN $2::timestamptz - ${d} AND $2::timestamptz + ${d}`;
  };
  const cols = `t.id::text AS id, t.reference, t.created_at, t.content_words, t.incident_types, t.loc_community, t.loc_estate, t.loc_road,
    t.loc_landmark, t.loc_building, t.loc_unit, t.location_words`;
  const open = `t.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED') AND t.id <> $1::uuid`;
  const parts: string[] = [];
  if (q.siteKey) {
    values.push(q.siteKey);
    const key = `$${values.length}`;
    parts.push(`(SELECT ${cols} FROM tip t WHERE t.site_key = ${key} AND ${window(q.siteWindowDays)} AND ${open}
      ORDER BY t.created_at DESC LIMIT ${SITE_CANDIDATES})`);
  }
  if (q.incidentTypes.length) {
    values.push(q.incidentTypes);
    const types = `$${values.length}::text[]`;
    parts.push(`(SELECT ${cols} FROM tip t WHERE t.incident_types && ${types} AND ${window(q.incidentWindowDays)} AND ${open}
      ORDER BY t.created_at DESC LIMIT ${INCIDENT_CANDIDATES})`);
  }
  if (!parts.length) return { candidates: [], df: { docCount: 0, df: () => 0 } };
  // word = ANY(ARRAY(…)): word_df's primary key, probed once a word (joined, the planner may hash all of word_df).
  const r = await pool.query<{ docs: number | null; candidates: CandidateJson[] | null; df: [string, number][] | null }>(
    `WITH c AS (SELECT DISTINCT ON (id) * FROM (${parts.join(' UNION ALL ')}) u),
    w AS (SELECT unnest($3::text[]) AS word UNION SELECT unnest(c.content_words) FROM c)
    SELECT (SELECT tip_count FROM word_df_state WHERE id = 1) AS docs,
      (SELECT json_agg(json_build_array(c.id, c.reference, extract(epoch FROM c.created_at) * 1000, c.content_words, c.incident_types,
         c.loc_community, c.loc_estate, c.loc_road, c.loc_landmark, c.loc_building, c.loc_unit, c.location_words) ORDER BY c.id) FROM c) AS candidates,
      (SELECT json_agg(json_build_array(d.word, d.df)) FROM word_df d WHERE d.word = ANY(ARRAY(SELECT word FROM w))) AS df`,
    values,
  );
  const row = r.rows[0];
  const candidates = (row?.candidates ?? []).map(
    ([id, reference, ms, words, types, community, estate, road, landmark, building, unit, locationWords]): ReadingCandidate => ({
      id,
      reference,
      words: words ?? [],
      location: { district: null, street: null, community, estate, road, landmark, building, unit, words: locationWords ?? [], source: 'none' },
      incidents: (types ?? []).map((code) => ({ code, label: code, score: 2, words: [] })),
      receivedAt: new Date(ms),
    }),
  );
  const m = new Map(row?.df ?? []);
  return { candidates, df: { docCount: row?.docs ?? 0, df: (w) => m.get(w) ?? 0 } };
}

/** A tip's search tokens: kept when the text they came from is unchanged. */
export async function writeSearchTokens(pool: pg.Pool, t: TipText, tokens: string[]): Promise<void> {
  await pool.query({
    name: 'tip_read_tokens',
    text: `UPDATE tip SET search_tokens = $1::text[] WHERE id = $2::uuid AND body = $3::text AND subject IS NOT DISTINCT FROM $4::text`,
    values: [tokens, t.id, t.body, t.subject],
  });
}

export interface ReadingRow {
  searchTokens: string[];
  contentWords: string[];
  incidentTypes: string[];
  location: {
    locDistrict: string | null;
    locStreet: string | null;
    locCommunity: string | null;
    locEstate: string | null;
    locRoad: string | null;
    locLandmark: string | null;
    locBuilding: string | null;
    locUnit: string | null;
    locationWords: string[];
    locationSource: string;
    siteKey: string | null;
  };
  suggestion: { category: Category; confidence: number; terms: string[]; modelVersion: number | null } | null;
  duplicate: { id: string; reference: string; score: number } | null;
}

const WRITE_READING = {
  name: 'tip_read_write',
  text: `
    WITH t AS (
      UPDATE tip SET search_tokens = $1::text[], content_words = $2::text[], incident_types = $3::text[],
        loc_district = CASE WHEN location_edited THEN loc_district ELSE $4::text END,
        loc_street = CASE WHEN location_edited THEN loc_street ELSE $5::text END,
        loc_community = CASE WHEN location_edited THEN loc_community ELSE $6::text END,
        loc_estate = CASE WHEN location_edited THEN loc_estate ELSE $7::text END,
        loc_road = CASE WHEN location_edited THEN loc_road ELSE $8::text END,
        loc_landmark = CASE WHEN location_edited THEN loc_landmark ELSE $9::text END,
        loc_building = CASE WHEN location_edited THEN loc_building ELSE $10::text END,
        loc_unit = CASE WHEN location_edited THEN loc_unit ELSE $11::text END,
        location_words = CASE WHEN location_edited THEN location_words ELSE $12::text[] END,
        location_source = CASE WHEN location_edited THEN location_source ELSE $13::text END,
        site_key = CASE WHEN location_edited THEN site_key ELSE $14::text END,
        suggested_category = $15::text::"Category", suggestion_confidence = $16::float8,
        suggestion_terms = $17::text[], suggestion_model_version = $18::int,
        duplicate_of_id = $19::uuid, duplicate_score = $20::float8,
        read_at = $21::timestamptz, updated_at = now()
      WHERE id = $22::uuid AND body = $23::text AND subject IS NOT DISTINCT FROM $24::text AND location IS NOT DISTINCT FROM $25::text
      RETURNING id, category),
    aud AS (
      INSERT INTO audit_event (tip_id, action, after, created_at)
      SELECT t.id, 'tip.read', jsonb_build_object('suggestedCategory', lower($15::text), 'category', lower(t.category::text),
               'suggestionModelVersion', $18::int, 'likelyDuplicateOf', $26::jsonb), $21::timestamptz
      FROM t WHERE t.category IS NOT NULL),
    desk AS (INSERT INTO desk_event (tip_id, action, created_at) SELECT t.id, 'tip.read', $21::timestamptz FROM t RETURNING id)
    SELECT t.id::text AS id, (SELECT count(pg_notify($27::text, desk.id::text)) FROM desk) AS n FROM t`,
};

/**
 * Writes a reading, if the text it was read from is still the tip's (a changed text has its own
 * reading queued), and announces it on the live stream. An editor's place (location_edited) and
 * category are never touched; when the editor filed the tip before the reading came, the audit
 * keeps the suggestion beside the choice. The tip's version stays: nothing an editor set changed.
 */
export async function writeReading(pool: pg.Pool, t: TipText, r: ReadingRow, at: Date, deskChannel: string): Promise<boolean> {
  const l = r.location;
  const s = r.suggestion;
  const result = await pool.query({
    ...WRITE_READING,
    values: [
      r.searchTokens,
      r.contentWords,
      r.incidentTypes,
      l.locDistrict,
      l.locStreet,
      l.locCommunity,
      l.locEstate,
      l.locRoad,
      l.locLandmark,
      l.locBuilding,
      l.locUnit,
      l.locationWords,
      l.locationSource,
      l.siteKey,
      s?.category ?? null,
      s?.confidence ?? null,
      s?.terms ?? [],
      s?.modelVersion ?? null,
      r.duplicate?.id ?? null,
      r.duplicate?.score ?? null,
      at,
      t.id,
      t.body,
      t.subject,
      t.location,
      r.duplicate ? JSON.stringify(r.duplicate) : null,
      deskChannel,
    ],
  });
  return (result.rowCount ?? 0) > 0;
}
