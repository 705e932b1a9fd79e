import type { Deps } from '../deps.js';
import type { AuthUser } from '../users/users.schema.js';
import { Prisma } from '../db/prisma.js';
import { orderBy, summarySql, toSummary, type SummaryRow } from './tip-query.js';
import { tipNotFound } from './common.js';

export const RELATED_WINDOW_DAYS = 14;
export const RELATED_MIN_SIMILARITY = 0.2;
export const RELATED_MAX_CANDIDATES = 2000;

export async function relatedTips(deps: Deps, viewer: AuthUser, id: string) {
  const { prisma } = deps;
  const tip = await prisma.tip.findUnique({ where: { id }, select: { id: true, subject: true, body: true, createdAt: true } });
  if (!tip) throw tipNotFound();
  const sameTipster = await prisma.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT x.tip_id::text AS id FROM (
      SELECT tt.tip_id FROM tip_tipster tt
      WHERE tt.tipster_id IN (SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL)
      UNION SELECT t.id FROM tip t
      WHERE t.tipster_id IN (SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL)
    ) x JOIN tip t ON t.id = x.tip_id
    WHERE x.tip_id <> ${id}::uuid AND t.status <> 'MERGED'
    LIMIT 50`;
  // Same story told twice, by SMS and by email: trigram similarity of the texts, within a window of days.
  const text = `${tip.subject ?? ''} ${tip.body}`.slice(0, 600);
  const days = RELATED_WINDOW_DAYS;
  // The candidates are bounded (the tips nearest in time) so a busy fortnight costs the same as a quiet one.
  const similar = await prisma.$queryRaw<{ id: string; sim: number }[]>`
    SELECT id::text, sim FROM (
      SELECT c.id, similarity(coalesce(c.subject, '') || ' ' || left(c.body, 600), ${text}) AS sim
      FROM (
        SELECT t.id, t.subject, t.body FROM tip t
        WHERE t.id <> ${id}::uuid AND t.status <> 'MERGED'
          AND t.created_at BETWEEN ${tip.createdAt}::timestamptz - make_interval(days => ${days}::int)
                               AND ${tip.createdAt}::timestamptz + make_interval(days => ${days}::int)
        ORDER BY abs(extract(epoch FROM t.created_at - ${tip.createdAt}::timestamptz))
        LIMIT ${RELATED_MAX_CANDIDATES}
      ) c
    ) s WHERE sim >= ${RELATED_MIN_SIMILARITY}::float8
    ORDER BY sim DESC LIMIT 20`;
  const reasons = new Map<string, { reason: 'same_tipster' | 'similar_text'; similarity: number | null }>();
  for (const s of similar) reasons.set(s.id, { reason: 'similar_text', similarity: Math.round(s.sim * 1000) / 1000 });
  for (const s of sameTipster) reasons.set(s.id, { reason: 'same_tipster', similarity: reasons.get(s.id)?.similarity ?? null });
  if (reasons.size === 0) return { related: [] };
  const rows = await prisma.$queryRaw<SummaryRow[]>(summarySql([Prisma.sql`t.id = ANY(${[...reasons.keys()]}::uuid[])`], orderBy('newest'), null));
  const related = rows.map((r) => ({ ...toSummary(r, viewer), ...reasons.get(r.id)! }));
  related.sort((a, b) => (a.reason === b.reason ? (b.similarity ?? 0) - (a.similarity ?? 0) : a.reason === 'same_tipster' ? -1 : 1));
  return { related };
}
