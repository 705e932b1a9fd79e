import { imapEnabled } from '../../config.js';
import type { ChannelAdapter } from '../types.js';
import { emailIntakeService } from './email-intake.service.js';
import { normalizeEmailBatchJob } from './email.batch.js';
import { normalizeEmail } from './email.normalize.js';
import { emailReply } from './email.reply.js';

/** Email: the tip mailbox polled over IMAP; acknowledgements and replies by SMTP (src/messaging/send-email.job.ts). */
export const emailAdapter: ChannelAdapter = {
  id: 'email',
  label: { zh: '邮件', en: 'Email' },
  channels: ['EMAIL'],
  enabled: imapEnabled,
  describe: (config) =>
    `Email intake: ${imapEnabled(config) ? `on (${config.IMAP_USER}@${config.IMAP_HOST}/${config.IMAP_MAILBOX})` : 'off (set IMAP_HOST, IMAP_USER and IMAP_PASSWORD to turn it on)'}`,
  services: (deps) => [emailIntakeService(deps)],
  normalize: { EMAIL: normalizeEmail },
  // The mailbox worker queues one of these per stored batch instead of a normalize job per email.
  jobs: [normalizeEmailBatchJob],
  // Replies go by SMTP even when intake is off (a tip typed in from a phone call may carry an email).
  reply: () => emailReply,
  sources: ['email'],
};
