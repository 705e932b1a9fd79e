import type { Deps } from '../deps.js';
import type { Tx } from '../db/prisma.js';
import { AppError } from '../errors.js';
import type { Channel } from '../generated/prisma/enums.js';
import { SEND_EMAIL_JOB } from '../jobs/names.js';
import type { SendEmailPayload } from '../jobs/send-email.job.js';
import { enqueue } from '../queue/queue.service.js';
import { queueSmsReply } from '../intake/twilio/sms-outbound.service.js';

// A reply to the tipster goes out on the channel the tip came in on: email threads under
// the tipster's last mail; SMS and voice tips are answered by text. The OUTBOUND message is
// written first (QUEUED) and the send job updates its delivery state, so the thread shows it.
// SMS goes through the SMS module's queueSmsReply (send-sms job).

interface ReplyTip {
  id: string;
  reference: string;
  channel: Channel;
  subject: string | null;
  tipster: { phone: string | null; email: string | null; smsOptOut: boolean } | null;
}

const conflict = (message: string, reason: string) => new AppError('CONFLICT', message, { reason });

/** EMAIL tips reply by email; SMS and VOICE by SMS; WEB by whichever contact the tipster left (email first). */
export function replyChannel(tip: ReplyTip): 'EMAIL' | 'SMS' {
  if (tip.channel === 'EMAIL') return 'EMAIL';
  if (tip.channel === 'SMS' || tip.channel === 'VOICE') return 'SMS';
  return tip.tipster?.email ? 'EMAIL' : 'SMS';
}

function messageIdDomain(mailFrom: string | undefined): string {
  const m = mailFrom?.match(/@([A-Za-z0-9.-]+)/);
  return m ? m[1] : 'tipdesk.local';
}

const stripRe = (s: string) => s.replace(/^\s*((re|回复|答复|aw|sv)\s*[:：]\s*)+/i, '').trim();

export async function queueReply(
  tx: Tx,
  deps: Pick<Deps, 'config'>,
  o: { tip: ReplyTip; body: string; authorId: string; now: Date; messageId: string },
): Promise<{ id: string; channel: 'EMAIL' | 'SMS' }> {
  const { tip, config } = { tip: o.tip, config: deps.config };
  const channel = replyChannel(tip);
  if (channel === 'EMAIL') {
    const to = tip.tipster?.email;
    if (!to) throw conflict('This tipster left no email address to reply to', 'no_email');
    const thread = await tx.message.findMany({
      where: { tipId: tip.id, emailMessageId: { not: null } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { emailMessageId: true, direction: true, subject: true },
    });
    const lastInbound = [...thread].reverse().find((m) => m.direction === 'INBOUND');
    const base = stripRe(lastInbound?.subject ?? tip.subject ?? '') || '您的爆料 Your tip';
    const subject = `Re: ${base}${base.includes(tip.reference) ? '' : ` [${tip.reference}]`}`;
    // Our own Message-ID, fixed now, so the tipster's answer threads back to this tip.
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
    return { id: o.messageId, channel };
  }
  const phone = tip.tipster?.phone;
  if (!phone) throw conflict('This tipster left no phone number to text', 'no_phone');
  if (tip.tipster?.smsOptOut) throw conflict('This tipster opted out of SMS (STOP); they cannot be texted', 'sms_opt_out');
  // The SMS module owns sending (Twilio client, retries, STOP suppression).
  const m = await queueSmsReply(tx, { tipId: tip.id, to: phone, body: o.body, authorId: o.authorId, kind: 'reply' });
  return { id: m.id, channel };
}
