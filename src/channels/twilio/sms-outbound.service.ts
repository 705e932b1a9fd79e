import type { Tx } from '../../db/prisma.js';
import type { ReplySender } from '../types.js';
import { SEND_SMS_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import type { Config } from '../../config.js';
import type { AckSpec } from '../sql.js';
import { smsReplyText } from './sms-replies.js';

const SEND_KEY = 'send-sms:';
const SEND_ATTEMPTS = 6;

export interface SmsReplyInput {
  tipId: string;
  /** The tipster's number as Twilio gave it (E.164). */
  to: string;
  body: string;
  authorId?: string | null;
  /** 'reply' for an editor's message, 'ack' for an automatic acknowledgement. */
  kind?: string;
}

/**
 * Records an outbound SMS on the tip's thread and queues its sending, inside the caller's
 * transaction (the triage API's POST /api/tips/:id/reply calls this). The send-sms job
 * delivers it through the Twilio REST client with retries, and marks it SUPPRESSED
 * instead when the number has opted out (STOP/退订).
 */
export async function queueSmsReply(tx: Tx, input: SmsReplyInput) {
  const message = await tx.message.create({
    data: {
      tipId: input.tipId,
      direction: 'OUTBOUND',
      channel: 'SMS',
      body: input.body,
      toAddress: input.to,
      deliveryState: 'QUEUED',
      kind: input.kind ?? 'reply',
      authorId: input.authorId ?? null,
    },
  });
  await enqueue(tx, SEND_SMS_JOB, { messageId: message.id }, { maxAttempts: SEND_ATTEMPTS, uniqueKey: `${SEND_KEY}${message.id}` });
  return message;
}

/**
 * The acknowledgement of a text when TWILIO_SMS_ACK=api: the same words as the TwiML answer, sent
 * by the send-sms job once the normalize job made the tip (queued with it, like a reply). No
 * keyword answers: HELP and 退订 are still answered in the webhook's TwiML (they need no decision).
 */
export function twilioAck(config: Config, to: string): AckSpec {
  return {
    job: SEND_SMS_JOB,
    maxAttempts: SEND_ATTEMPTS,
    channel: 'SMS',
    to,
    new: smsReplyText(config, { kind: 'new', reference: '{ref}' })!,
    followup: smsReplyText(config, { kind: 'followup', reference: '{ref}' })!,
    uniquePrefix: SEND_KEY,
  };
}

/** SMS and voice tips are answered by text from TWILIO_FROM_NUMBER. */
export const twilioSmsReply: ReplySender = {
  channel: 'SMS',
  check(deps, tip) {
    if (!tip.tipster?.phone) return { ok: false, reason: 'no_phone', message: 'This tipster left no phone number to text' };
    if (tip.tipster.smsOptOut) return { ok: false, reason: 'sms_opt_out', message: 'This tipster opted out of SMS (STOP); they cannot be texted' };
    if (!deps.twilio || !deps.config.TWILIO_FROM_NUMBER)
      return { ok: true, warning: { reason: 'sms_off', message: 'SMS sending is not configured (Twilio): the reply will be recorded, not sent' } };
    return { ok: true };
  },
  async queue(tx, _deps, o) {
    const m = await queueSmsReply(tx, { tipId: o.tip.id, to: o.tip.tipster!.phone!, body: o.body, authorId: o.authorId, kind: 'reply' });
    return { id: m.id };
  },
};
