import { channelAdapters } from '../channels/index.js';
import { normalizeSubmissionJob } from '../channels/normalize.job.js';
import type { Deps } from '../deps.js';
import { sendAlertJob } from '../messaging/alerts/send-alert.job.js';
import { acknowledgeContactJob } from '../messaging/acknowledge.job.js';
import { sendEmailJob } from '../messaging/send-email.job.js';
import { languageMaintenanceJob } from '../tips/language.job.js';
import { readTipJob } from '../tips/read-tip.job.js';
import type { JobDefinition } from '../queue/job.js';
import type { JobKind } from '../queue/kinds.js';
import { retentionJob } from '../privacy/run-retention.js';

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
];
