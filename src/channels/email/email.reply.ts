import { AppError } from '../../errors.js';
import { SEND_EMAIL_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import type { SendEmailPayload } from '../../messaging/send-email.job.js';
import type { ReplySender } from '../types.js';

// A reply by email threads under the tipster's last mail: Re: its subject with the reference,
// In-Reply-To/References to the thread, and our own Message-ID fixed now, so the tipster's
// answer threads back to this tip.

function messageIdDomain(mailFrom: string | undefined): string {
  const m = mailFrom?.match(/@([A-Za-z0-9.-]+)/);
  return m ? m[1] : 'tipdesk.local';
}

const stripRe = (s: string) => s.replace(/^\s*((re|回复|答复|aw|sv)\s*[:：]\s*)+/i, '').trim();

export const emailReply: ReplySender = {
  channel: 'EMAIL',
  check(deps, tip) {
    if (!tip.tipster?.email) return { ok: false, reason: 'no_email', message: 'This tipster left no email address to reply to' };
    if (!deps.mailer)
      return {
        ok: true,
        warning: { reason: 'email_off', message: 'Outbound email is not configured (SMTP_URL): the reply will be recorded, not sent' },
      };
    return { ok: true };
  },
  async queue(tx, deps, o) {
    const { tip } = o;
    const config = deps.config;
    const to = tip.tipster?.email;
    if (!to) throw new AppError('CONFLICT', 'This tipster left no email address to reply to', { reason: 'no_email' });
    const thread = await tx.message.findMany({
      where: { tipId: tip.id, emailMessageId: { not: null } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { emailMessageId: true, direction: true, subject: true },
    });
    const lastInbound = [...thread].reverse().find((m) => m.direction === 'INBOUND');
    const base = stripRe(lastInbound?.subject ?? tip.subject ?? '') || '您的爆料 Your tip';
    const subject = `Re: ${base}${base.includes(tip.reference) ? '' : ` [${tip.reference}]`}`;
    const messageIdHeader = `<tipdesk.reply.${o.messageId}@${messageIdDomain(config.MAIL_FROM)}>`;
    const text = `${o.body}\n\n--\n${config.HOTLINE_NAME}\n编号 Reference: ${tip.reference}\n热线 Hotline: ${config.HOTLINE_PHONE}\n`;
    await tx.message.create({
      data: {
        id: o.messageId,
        tipId: tip.id,
        direction: 'OUTBOUND',
        channel: 'EMAIL',
        kind: 'reply',
        subject,
        body: o.body,
        emailMessageId: messageIdHeader,
        toAddress: to,
        deliveryState: 'QUEUED',
        authorId: o.authorId,
        createdAt: o.now,
      },
    });
    const payload: SendEmailPayload = {
      to,
      subject,
      text,
      messageIdHeader,
      ...(lastInbound?.emailMessageId ? { inReplyTo: lastInbound.emailMessageId } : {}),
      references: thread.map((m) => m.emailMessageId!).slice(-20),
      threadMessageId: o.messageId,
    };
    await enqueue(tx, SEND_EMAIL_JOB, payload, { uniqueKey: `reply:${o.messageId}`, maxAttempts: 8 });
    return { id: o.messageId };
  },
};
