import { intakeHealth } from '../../channels/intake-sources.js';
import type { Deps } from '../../deps.js';
import type { Service } from '../../lifecycle/service.js';
import { categoryLine, tipLink } from '../notify.js';
import { raiseAlert } from './raise.js';

// The alerts nobody asks for: a tip waiting untriaged past TRIAGE_SLA_MINUTES, an intake channel
// failing or silent. Each is raised once (per tip; per source and silence); raiseAlert makes
// running the sweep anywhere, any number of times, safe.

export async function sweepAlerts(deps: Pick<Deps, 'prisma' | 'clock' | 'config'>): Promise<{ raised: number }> {
  const { prisma, clock, config } = deps;
  const now = clock.now();
  let raised = 0;
  const overdue = await prisma.tip.findMany({
    where: { status: 'NEW', createdAt: { lt: new Date(now.getTime() - config.TRIAGE_SLA_MINUTES * 60_000) } },
    orderBy: { createdAt: 'asc' },
    take: 50,
    select: { id: true, reference: true, category: true, priority: true, createdAt: true },
  });
  for (const t of overdue) {
    const minutes = Math.floor((now.getTime() - t.createdAt.getTime()) / 60_000);
    const ok = await prisma.$transaction((tx) =>
      raiseAlert(tx, {
        key: `sla:${t.id}`,
        kind: 'sla',
        tipId: t.id,
        title: `爆料 ${t.reference} 已等待 ${minutes} 分钟未处理 / Tip waiting ${minutes} min`,
        text: [
          `编号 Reference: ${t.reference}`,
          `栏目 Section: ${categoryLine(t.category)}`,
          `超过时限 SLA: ${config.TRIAGE_SLA_MINUTES} min`,
          `打开 Open: ${tipLink(config, t.id)}`,
        ].join('\n'),
      }),
    );
    if (ok) raised++;
  }
  const health = await intakeHealth(prisma, now, Math.max(3 * config.IMAP_POLL_SECONDS * 1000, 5 * 60_000));
  for (const c of health.channels) {
    if (c.status !== 'failing' && c.status !== 'stale') continue;
    // One alert per trouble: keyed by the source and the last time it was well.
    const since = (c.lastSuccessAt ?? c.lastPollAt)?.toISOString() ?? 'never';
    const what = c.status === 'failing' ? '接收出错 failing' : '长时间无响应 silent';
    const ok = await prisma.$transaction((tx) =>
      raiseAlert(tx, {
        key: `channel:${c.id}:${c.status}:${since}`,
        kind: 'channel',
        title: `接收渠道 ${c.id} ${what}`,
        text: [
          `渠道 Source: ${c.id} (${c.channel})`,
          `状态 Status: ${c.status}`,
          `上次正常 Last success: ${since}`,
          `请查看接收状态页 See the intake health page.`,
        ].join('\n'),
      }),
    );
    if (ok) raised++;
  }
  return { raised };
}

/** The sweep as a worker Service, every minute (short in tests). */
export function alertSweepService(deps: Deps, opts: { intervalMs?: number } = {}): Service {
  const intervalMs = opts.intervalMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    running = sweepAlerts(deps)
      .catch((err) => deps.logger.warn({ err: (err as Error).message }, 'alert sweep failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  return {
    name: 'alert sweep',
    async start() {
      stopped = false;
      timer = setTimeout(tick, Math.min(intervalMs, 5000));
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
