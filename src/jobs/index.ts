import type { Deps } from '../deps.js';
import type { JobDefinition } from '../queue/queue.service.js';
import { normalizeSubmissionJob } from './normalize-submission.job.js';
import { sendEmailJob } from './send-email.job.js';
import { sendSmsJob } from './send-sms.job.js';
import { fetchMediaJob } from './fetch-media.job.js';

/** Every job kind a worker process runs. */
export const allJobs: JobDefinition<any, Deps>[] = [normalizeSubmissionJob, sendEmailJob, sendSmsJob, fetchMediaJob];
