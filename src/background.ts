import type { Deps } from './deps.js';
import { allJobs } from './jobs/index.js';
import { Worker } from './queue/queue.service.js';
import { imapEnabled } from './config.js';
import { emailIntakeService } from './intake/email/email-intake.service.js';
import { claimExpiryService } from './triage/claim-expiry.service.js';

/** A long-running part of a worker process: started after migrations, stopped on SIGTERM. */
export interface Service {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

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
  return [jobWorkerService(deps), claimExpiryService(deps), ...(imapEnabled(deps.config) ? [emailIntakeService(deps)] : [])];
}
