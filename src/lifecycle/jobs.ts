import { channelAdapters } from '../channels/index.js';
import { normalizeSubmissionJob } from '../channels/normalize.job.js';
import type { Deps } from '../deps.js';
import { acknowledgeContactJob } from '../messaging/acknowledge.job.js';
import { sendEmailJob } from '../messaging/send-email.job.js';
import type { JobDefinition } from '../queue/queue.service.js';

/** Every job kind a worker process runs: the pipeline's own and each channel adapter's. */
export const allJobs: JobDefinition<any, Deps>[] = [
  normalizeSubmissionJob,
  sendEmailJob,
  acknowledgeContactJob,
  ...channelAdapters.flatMap((a) => a.jobs ?? []),
];
