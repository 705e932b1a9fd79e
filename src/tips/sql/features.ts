import { Prisma, type Tx } from '../../db/prisma.js';
import type { DocFreq } from '../language/related.js';

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
