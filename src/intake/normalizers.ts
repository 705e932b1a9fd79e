import type { Deps } from '../deps.js';
import type { Submission } from '../generated/prisma/client.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { JobContext } from '../queue/queue.service.js';
import { normalizeEmail } from './email/email.normalize.js';
import { normalizeSms, normalizeVoice } from './twilio/twilio.normalize.js';

export type Normalizer = (deps: Deps, submission: Submission, ctx: JobContext) => Promise<void>;

export const normalizers: Partial<Record<Channel, Normalizer>> = {
  EMAIL: normalizeEmail,
  SMS: normalizeSms,
  VOICE: normalizeVoice,
};
