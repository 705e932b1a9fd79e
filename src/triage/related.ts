import type { Deps } from '../deps.js';
import type { AuthUser } from '../users/users.schema.js';
import { Prisma } from '../db/prisma.js';
import { analyzeTip } from '../tips/language/language.js';
import { rankRelated, type TipFeatures } from '../tips/language/related.js';
import { findCandidates, loadDocFreq, tipFeatureRow } from '../tips/sql/features.js';
import { featuresOfRow, INCIDENT_WINDOW_DAYS, SITE_WINDOW_DAYS, siteKeyOf, storedIncidentTypes } from '../tips/understand.js';
import { orderBy, summarySql, toSummary, type SummaryRow } from './tip-query.js';
import { tipNotFound } from './common.js';

/** Scores below this are not shown: a shared place or incident type alone is not a relation. */
export const RELATED_MIN_SCORE = 0.4;
export const RELATED_MAX = 20;

interface Why {
  reason: 'same_tipster' | 'similar_text';
  similarity: number | null;
  reasons: string[];
  against: string[];
  likelyDuplicate: boolean;
}

/**
 * Tips about the same incident (same place, same incident type, rare words in common, close in
 * time; see tips/language/related.ts), found among bounded, indexed candidates; and the other
 * tips of the same tipster.
 */
export async function relatedTips(deps: Deps, viewer: AuthUser, id: string) {
  const { prisma } = deps;
  const row = await tipFeatureRow(prisma, id);
  if (!row) throw tipNotFound();
  const sameTipster = await prisma.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT x.tip_id::text AS id FROM (
      SELECT tt.tip_id FROM tip_tipster tt
      WHERE tt.tipster_id IN (SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL)
      UNION SELECT t.id FROM tip t
      WHERE t.tipster_id IN (SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL)
    ) x JOIN tip t ON t.id = x.tip_id
    WHERE x.tip_id <> ${id}::uuid AND t.status <> 'MERGED'
    LIMIT 50`;
  let tip: TipFeatures = featuresOfRow(row);
  if (!row.content_words?.length) {
    // Read before the language columns existed: read it now (not stored; the editor only looks).
    const kit = await deps.language.kit(prisma);
    tip = analyzeTip(kit, `${row.subject ?? ''}\n${row.body}`, { suppliedLocation: row.location, receivedAt: row.created_at });
  }
  const candidates = (
    await findCandidates(prisma, {
      excludeId: id,
      siteKey: siteKeyOf(tip.location),
      incidentTypes: storedIncidentTypes(tip.incidents),
      at: row.created_at,
      siteWindowDays: SITE_WINDOW_DAYS,
      incidentWindowDays: INCIDENT_WINDOW_DAYS,
      openOnly: false,
    })
  ).map(featuresOfRow);
  const why = new Map<string, Why>();
  if (candidates.length) {
    const df = await loadDocFreq(prisma, [...tip.words, ...candidates.flatMap((c) => c.words)]);
    for (const r of rankRelated(tip, candidates, df, RELATED_MAX)) {
      if (r.score < RELATED_MIN_SCORE) continue;
      why.set(r.tip.id, { reason: 'similar_text', similarity: r.score, reasons: r.reasons, against: r.against, likelyDuplicate: r.likelyDuplicate });
    }
  }
  for (const s of sameTipster) {
    const scored = why.get(s.id);
    why.set(s.id, { reasons: [], against: [], likelyDuplicate: false, similarity: null, ...scored, reason: 'same_tipster' });
  }
  if (why.size === 0) return { related: [] };
  const rows = await prisma.$queryRaw<SummaryRow[]>(summarySql([Prisma.sql`t.id = ANY(${[...why.keys()]}::uuid[])`], orderBy('newest'), null));
  const related = rows.map((r) => ({ ...toSummary(r, viewer), ...why.get(r.id)! }));
  related.sort((a, b) => (a.reason === b.reason ? (b.similarity ?? 0) - (a.similarity ?? 0) : a.reason === 'same_tipster' ? -1 : 1));
  return { related };
}
