import { z } from 'zod';
import type { Deps } from '../deps.js';
import { PermanentJobError } from '../errors.js';
import type { JobDefinition } from '../queue/queue.service.js';
import { recordAfterSend } from './after-send.js';
import { SEND_EMAIL_JOB } from '../queue/kinds.js';

export const SendEmailPayloadSchema = z.object({
  to: z.string().email(),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  /** Our Message-ID for this mail, fixed at enqueue time so a retry resends the same identity. */
  messageIdHeader: z.string().optional(),
  inReplyTo: z.string().optional(),
  references: z.array(z.string()).optional(),
  /** Thread message whose delivery state this send updates. */
  threadMessageId: z.string().uuid().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
export type SendEmailPayload = z.infer<typeof SendEmailPayloadSchema>;

export const sendEmailJob: JobDefinition<SendEmailPayload, Deps> = {
  id: SEND_EMAIL_JOB,
  payload: SendEmailPayloadSchema,
  maxAttempts: 8,
  async handler(deps, p, ctx) {
    if (p.threadMessageId) {
      const m = await deps.prisma.message.findUnique({ where: { id: p.threadMessageId }, select: { deliveryState: true } });
      if (m?.deliveryState === 'SENT') return;
    }
    if (!deps.mailer) {
      if (p.threadMessageId)
        await deps.prisma.message.update({
          where: { id: p.threadMessageId },
          data: { deliveryState: 'FAILED', deliveryError: 'SMTP is not configured' },
        });
      throw new PermanentJobError('SMTP is not configured (SMTP_URL)');
    }
    try {
      await deps.mailer.sendMail({
        from: deps.config.MAIL_FROM,
        to: p.to,
        subject: p.subject,
        text: p.text,
        html: p.html,
        messageId: p.messageIdHeader,
        inReplyTo: p.inReplyTo,
        references: p.references,
        headers: p.headers,
      });
    } catch (err) {
      if (p.threadMessageId)
        await deps.prisma.message.update({ where: { id: p.threadMessageId }, data: { deliveryError: (err as Error).message.slice(0, 500) } });
      throw err;
    }
    if (p.threadMessageId) {
      const threadMessageId = p.threadMessageId;
      await recordAfterSend(
        () =>
          deps.prisma.message.update({
            where: { id: threadMessageId },
            data: { deliveryState: 'SENT', sentAt: deps.clock.now(), deliveryError: null },
          }),
        { logger: deps.logger, what: { message: threadMessageId }, signal: ctx.signal },
      );
    }
  },
};
