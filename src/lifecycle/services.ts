import type { Deps } from '../deps.js';
import { allJobs } from './jobs.js';
import { Worker } from '../queue/worker.js';
import { channelAdapters } from '../channels/index.js';
import type { Service } from './service.js';
import { claimExpiryService } from '../triage/claim-expiry.service.js';
import { alertSweepService } from '../messaging/alerts/sweep.js';
import { retentionScheduleService } from '../privacy/retention-schedule.js';
import { languageJobService } from '../tips/language.job.js';

export function jobWorkerService(deps: Deps): Service {
  const worker = new Worker({
    prisma: deps.prisma,
    databaseUrl: deps.databaseUrl,
    deps,
    definitions: allJobs,
    logger: deps.logger.child({ component: 'queue' }),
    concurrency: deps.config.WORKER_CONCURRENCY,
    leaseSeconds: deps.config.JOB_LEASE_SECONDS,
    pollSeconds: deps.config.JOB_POLL_SECONDS,
    retentionHours: deps.config.JOB_RETENTION_HOURS,
    maxAttempts: deps.config.JOB_MAX_ATTEMPTS,
    onJobEvent: (outcome, kind) => deps.metrics.jobs.inc({ kind, outcome }),
  });
  return { name: 'job worker', start: () => worker.start(), stop: () => worker.stop() };
}

/** The background services of a worker process, in start order. */
export function workerServices(deps: Deps): Service[] {
  const pollers = channelAdapters.filter((a) => a.services && a.enabled(deps.config)).flatMap((a) => a.services!(deps));
  return [
    jobWorkerService(deps),
    claimExpiryService(deps),
    alertSweepService(deps),
    retentionScheduleService(deps),
    languageJobService(deps),
    ...pollers,
  ];
}
