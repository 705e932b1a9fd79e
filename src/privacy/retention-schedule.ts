import type { Deps } from '../deps.js';
import type { Service } from '../lifecycle/service.js';
import { RETENTION_JOB } from '../queue/kinds.js';
import { enqueue } from '../queue/enqueue.js';
import { referenceDay } from '../tips/reference.js';

// Once a day (the newsroom's day, TIMEZONE) a retention job is queued. Every worker process
// tries every hour; the job's unique key per day lets only the first one through, so the run
// happens once whatever the number of workers and even after a day of downtime.

const HOUR = 3600_000;

export async function scheduleRetention(deps: Pick<Deps, 'prisma' | 'clock' | 'config'>): Promise<boolean> {
  const day = referenceDay(deps.clock.now(), deps.config.TIMEZONE);
  const id = await enqueue(deps.prisma, RETENTION_JOB, { actorId: null }, { uniqueKey: `retention:${day}`, priority: -5 });
  return id !== null;
}

export function retentionScheduleService(deps: Deps, opts: { intervalMs?: number } = {}): Service {
  const intervalMs = opts.intervalMs ?? HOUR;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => void scheduleRetention(deps).catch((err) => deps.logger.warn({ err }, 'could not schedule the retention run'));
  return {
    name: 'retention schedule',
    async start() {
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
    },
  };
}
