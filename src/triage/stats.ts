import type { Deps } from '../deps.js';
import { CHANNELS, STATUSES, fromDbCategory } from './triage.schema.js';

export async function tipStats(deps: Deps) {
  const { prisma, clock } = deps;
  const now = clock.now();
  const rows = await prisma.$queryRaw<{ status: string | null; category: string | null; channel: string | null; g: number; n: number }[]>`
    SELECT status::text, category::text, channel::text, GROUPING(status, category, channel)::int AS g, count(*)::int AS n
    FROM tip GROUP BY GROUPING SETS ((status), (category), (channel))`;
  const byStatus: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const byCategory: Record<string, number> = { household: 0, neighborhood: 0, community: 0, none: 0 };
  const byChannel: Record<string, number> = Object.fromEntries(CHANNELS.map((c) => [c, 0]));
  let total = 0;
  // GROUPING bits: 4 = status rolled up, 2 = category, 1 = channel.
  for (const r of rows) {
    if (r.g === 3) {
      byStatus[r.status!] = r.n;
      total += r.n;
    } else if (r.g === 5) byCategory[fromDbCategory(r.category) ?? 'none'] = r.n;
    else if (r.g === 6) byChannel[r.channel!] = r.n;
  }
  const [oldest, returned] = await Promise.all([
    prisma.tip.findFirst({ where: { status: 'NEW' }, orderBy: { createdAt: 'asc' }, select: { id: true, reference: true, createdAt: true } }),
    prisma.tip.count({ where: { status: 'TRIAGED', returnedToPoolAt: { not: null } } }),
  ]);
  return {
    total,
    byStatus,
    byCategory,
    byChannel,
    returnedToPool: returned,
    slaMinutes: deps.config.TRIAGE_SLA_MINUTES,
    oldestUntriaged: oldest
      ? {
          ...oldest,
          createdAt: oldest.createdAt.toISOString(),
          ageSeconds: Math.max(0, Math.floor((now.getTime() - oldest.createdAt.getTime()) / 1000)),
        }
      : null,
  };
}
