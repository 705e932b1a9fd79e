import type { Config } from '../../config.js';
import type { Tx } from '../../db/prisma.js';
import type { AckSpec } from '../accept-message.js';
import { SMS_GATEWAY_SEND_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import type { ReplySender } from '../types.js';
import { gatewayReplyText } from './gateway.replies.js';
import { gatewayEnabled, gatewayMissing } from './settings.js';

const SEND_ATTEMPTS = 6;
/** Send jobs are unique per message (a dashboard reply, an acknowledgement) and per keyword's submission. */
const SEND_KEY = 'sms-gateway-send:';
const CONTROL_KEY = 'sms-gateway-control:';

export interface GatewaySmsInput {
  /** The Message id when the caller chose one (a dashboard reply does). */
  id?: string;
  tipId: string;
  /** The tipster's number as stored (E.164 for mainland mobiles). */
  to: string;
  body: string;
  authorId?: string | null;
  /** 'reply' for an editor's message, 'ack' for the automatic acknowledgement. */
  kind?: string;
}

/**
 * Records an outbound SMS on the tip's thread (QUEUED) and queues its sending through the
 * hotline phone, in the caller's transaction. The message's id is also the id the gateway
 * gets, so delivery reports find it and a retried send can ask the gateway about it first.
 */
export async function queueGatewaySms(tx: Tx, input: GatewaySmsInput) {
  const message = await tx.message.create({
    data: {
      ...(input.id ? { id: input.id } : {}),
      tipId: input.tipId,
      direction: 'OUTBOUND',
      channel: 'SMS_GATEWAY',
      body: input.body,
      toAddress: input.to,
      deliveryState: 'QUEUED',
      kind: input.kind ?? 'reply',
      authorId: input.authorId ?? null,
    },
  });
  await enqueue(tx, SMS_GATEWAY_SEND_JOB, { messageId: message.id }, { maxAttempts: SEND_ATTEMPTS, uniqueKey: `${SEND_KEY}${message.id}` });
  return message;
}

/**
 * The acknowledgement of an sms:received, queued by the intake statement itself (src/channels/accept-message.ts):
 * the same message and job as queueGatewaySms (and a keyword's answer keyed by its submission), for a phone that can be answered.
 */
export function gatewayAck(config: Config, to: string): AckSpec {
  return {
    job: SMS_GATEWAY_SEND_JOB,
    maxAttempts: SEND_ATTEMPTS,
    channel: 'SMS_GATEWAY',
    to,
    new: gatewayReplyText(config, { kind: 'new', reference: '{ref}' }),
    followup: gatewayReplyText(config, { kind: 'followup', reference: '{ref}' }),
    uniquePrefix: SEND_KEY,
    controlPrefix: CONTROL_KEY,
  };
}

/** Tips that came in through the hotline phone are answered through it. */
export const gatewaySmsReply: ReplySender = {
  channel: 'SMS_GATEWAY',
  check(deps, tip) {
    if (!tip.tipster?.phone) return { ok: false, reason: 'no_phone', message: 'This tipster left no phone number to text' };
    if (tip.tipster.smsOptOut)
      return { ok: false, reason: 'sms_opt_out', message: 'This tipster opted out of SMS (STOP/退订); they cannot be texted' };
    if (!gatewayEnabled(deps.config)) {
      return {
        ok: false,
        reason: 'sms_gateway_off',
        message: `The hotline phone is not set up for sending (set ${gatewayMissing(deps.config).join(', ')})`,
      };
    }
    return { ok: true };
  },
  async queue(tx, _deps, o) {
    const m = await queueGatewaySms(tx, {
      id: o.messageId,
      tipId: o.tip.id,
      to: o.tip.tipster!.phone!,
      body: o.body,
      authorId: o.authorId,
      kind: 'reply',
    });
    return { id: m.id };
  },
};
