import { channelAdapters } from '../channels/index.js';
import { normalizeSubmissionJob } from '../channels/normalize.job.js';
import type { Deps } from '../deps.js';
import { sendAlertJob } from '../messaging/alerts/send-alert.job.js';
import { acknowledgeContactJob } from '../messaging/acknowledge.job.js';
import { sendEmailJob } from '../messaging/send-email.job.js';
import { languageMaintenanceJob } from '../tips/language.job.js';
import { readTipJob } from '../tips/read-tip.job.js';
import type { JobDefinition } from '../queue/job.js';
import { NORMALIZE_EMAIL_BATCH_JOB, NORMALIZE_JOB, TIP_READ_JOB, type JobKind } from '../queue/kinds.js';
import { retentionJob } from '../privacy/run-retention.js';

/**
 * Intake's background work: it yields to webhook intake served by the same process (intake first,
 * docs/reliability.md). Sends, media fetches and alerts do not wait: they are I/O, and late replies hurt.
 */
const YIELDING = new Set<JobKind>([NORMALIZE_JOB, NORMALIZE_EMAIL_BATCH_JOB, TIP_READ_JOB, 'language-maintenance']);

function yieldingToIntake<K extends JobKind>(d: JobDefinition<K, Deps>): JobDefinition<K, Deps> {
  return {
    ...d,
    async handler(deps, payload, ctx) {
      await deps.intakeFirst.turn();
      return d.handler(deps, payload, ctx);
    },
  };
}

/**
 * Slots a kind may take at once in one worker process (WorkerJob.maxRunning). A reading is CPU on
 * the process's one JavaScript thread (12–15 ms each): with every slot free to it, a backlog of
 * readings took all of them and most of the thread while a storm's mail waited to become tips
 * (priority orders the claims, not the slots). One slot keeps the backlog moving and leaves the
 * rest to intake, whose jobs are mostly waiting on the database.
 */
const MAX_RUNNING: Partial<Record<JobKind, number>> = { [TIP_READ_JOB]: 1 };

/** Every job kind a worker process runs: the pipeline's own and each channel adapter's. */
export const allJobs: JobDefinition<JobKind, Deps>[] = [
  normalizeSubmissionJob,
  sendEmailJob,
  sendAlertJob,
  retentionJob,
  acknowledgeContactJob,
  languageMaintenanceJob,
  readTipJob,
  ...channelAdapters.flatMap((a) => a.jobs ?? []),
]
  .map((d) => (YIELDING.has(d.id) ? yieldingToIntake(d) : d))
  .map((d) => (MAX_RUNNING[d.id] === undefined ? d : { ...d, maxRunning: MAX_RUNNING[d.id] }));
