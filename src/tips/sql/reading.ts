import type pg from 'pg';
import type { Category } from '../../generated/prisma/enums.js';
import type { DocFreq, TipFeatures } from '../language/related.js';
import { INCIDENT_CANDIDATES, SITE_CANDIDATES } from './features.js';

// The tip.read job's statements, on `pg`.
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
