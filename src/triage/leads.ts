import type { Deps } from '../deps.js';
import type { AuthUser } from '../users/users.schema.js';
import { Prisma } from '../db/prisma.js';
import { orderBy, summarySql, toSummary, type SummaryRow } from './tip-query.js';

export async function myLeads(deps: Deps, viewer: AuthUser) {
  const { prisma } = deps;
  const [mine, pool] = await Promise.all([
    prisma.$queryRaw<SummaryRow[]>(
      summarySql(
        [Prisma.sql`t.assignee_id = ${viewer.id}::uuid`, Prisma.sql`t.status = ANY(${['ASSIGNED', 'CLAIMED', 'IN_PROGRESS']}::"TipStatus"[])`],
        Prisma.sql`t.last_activity_at DESC, t.id DESC`,
        200,
      ),
    ),
    prisma.$queryRaw<SummaryRow[]>(
      summarySql([Prisma.sql`t.status = 'TRIAGED'::"TipStatus"`, Prisma.sql`t.assignee_id IS NULL`], orderBy('priority'), 200),
    ),
  ]);
  return { mine: mine.map((r) => toSummary(r, viewer)), pool: pool.map((r) => toSummary(r, viewer)) };
}
