import type { Deps } from '../deps.js';
import { isPermanent } from '../errors.js';
import { scrubContacts } from '../contacts.js';
import type { JobDefinition } from '../queue/job.js';
import { recordAfterSend } from './after-send.js';
import { jobPayloads, SEND_EMAIL_JOB, type JobPayload } from '../queue/kinds.js';

export type SendEmailPayload = JobPayload<typeof SEND_EMAIL_JOB>;

export const sendEmailJob: JobDefinition<typeof SEND_EMAIL_JOB, Deps> = {
  id: SEND_EMAIL_JOB,
  payload: jobPayloads[SEND_EMAIL_JOB],
  maxAttempts: 8,
  async handler(deps, p, ctx) {
    if (p.threadMessageId) {
      const m = await deps.prisma.message.findUnique({ where: { id: p.threadMessageId }, select: { deliveryState: true } });
      if (m?.deliveryState === 'SENT') return;
    }
    if (!deps.mailer) {
      // Outbound email is off: the message is recorded as suppressed with the reason (the README's
      // promise), not turned into a dead job for an admin to chase.
      if (p.threadMessageId)
        await deps.prisma.message.update({
          where: { id: p.threadMessageId },
          data: { deliveryState: 'SUPPRESSED', deliveryError: 'not sent: outbound email is not configured (SMTP_URL)' },
        });
      deps.logger.info({ message: p.threadMessageId ?? null }, 'outbound email suppressed: SMTP is not configured');
      return;
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
      // An SMTP refusal quotes the address ("550 <wang@163.com>: Recipient address rejected"):
      // stored and raised as the code plus the text with contacts scrubbed.
      const e = err as { responseCode?: number; code?: string; message?: string };
      const reason = scrubContacts(e.message ?? String(err)).slice(0, 500);
      const code = e.responseCode ? String(e.responseCode) : (e.code ?? null);
      if (p.threadMessageId)
        await deps.prisma.message.update({ where: { id: p.threadMessageId }, data: { deliveryError: reason, deliveryErrorCode: code } });
      // A new error rather than the caught one (or it as cause): its message may quote the address.
      throw Object.assign(new Error(reason), { permanent: isPermanent(err) });
    }
    if (p.threadMessageId) {
      const threadMessageId = p.threadMessageId;
      await recordAfterSend(
        () =>
          deps.prisma.message.update({
            where: { id: threadMessageId },
            data: { deliveryState: 'SENT', sentAt: deps.clock.now(), deliveryError: null, deliveryErrorCode: null },
          }),
        { logger: deps.logger, what: { message: threadMessageId }, signal: ctx.signal },
      );
    }
  },
};
