import type { Deps } from '../deps.js';
import type { JobDefinition } from '../queue/queue.service.js';
import { normalizeSubmissionJob } from './normalize-submission.job.js';
import { sendEmailJob } from './send-email.job.js';

/** Every job kind a worker process runs. */
export const allJobs: JobDefinition<any, Deps>[] = [normalizeSubmissionJob, sendEmailJob];
