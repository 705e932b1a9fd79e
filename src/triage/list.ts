import type { Deps } from '../deps.js';
import type { AuthUser } from '../users/users.schema.js';
import { listSql, nextCursorOf, toSummary, type SummaryRow } from './tip-query.js';
import type { ListTipsQuery } from './triage.schema.js';
import { mayFindByContact } from './policy.js';

export async function listTips(deps: Deps, viewer: AuthUser, query: ListTipsQuery) {
  const { prisma } = deps;
  const tz = deps.config.TIMEZONE;
  const rows = await prisma.$queryRaw<SummaryRow[]>(listSql(query, { timeZone: tz, viewerId: viewer.id, contactSearch: mayFindByContact(viewer) }));
  return { tips: rows.slice(0, query.limit).map((r) => toSummary(r, viewer)), nextCursor: nextCursorOf(rows, query) };
}

/** Pages through the whole filtered list for the CSV export without holding it in memory. */
export async function* iterateTips(deps: Deps, viewer: AuthUser, query: Omit<ListTipsQuery, 'cursor' | 'limit'>, pageSize = 1000) {
  const { prisma } = deps;
  const tz = deps.config.TIMEZONE;
  let cursor: string | undefined;
  for (;;) {
    const q = { ...query, cursor, limit: pageSize };
    const rows = await prisma.$queryRaw<SummaryRow[]>(listSql(q, { timeZone: tz, viewerId: viewer.id, contactSearch: mayFindByContact(viewer) }));
    yield rows.slice(0, pageSize);
    const next = nextCursorOf(rows, q);
    if (!next) return;
    cursor = next;
  }
}
