import type { Config } from '../../config.js';
import type { Tx } from '../../db/prisma.js';
import type { AckSpec } from '../accept-message.js';
import type { Deps } from '../../deps.js';
import { SEND_WECHAT_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import type { ReplyCheck, ReplySender } from '../types.js';
import { lastContact, openIdOfTip } from './sql.js';
import { UNSUBSCRIBED_MESSAGE, WINDOW_HOURS, WINDOW_MESSAGE, wechatReplyText } from './wechat.replies.js';

const SEND_ATTEMPTS = 6;
/** Send jobs are unique per message. */
const SEND_KEY = 'send-wechat:';

export interface WechatOutboundInput {
  tipId: string;
  /** The recipient's OpenID. */
  to: string;
  body: string;
  authorId?: string | null;
  /** 'reply' for an editor's message, 'ack' for an acknowledgement that missed the passive reply. */
  kind?: string;
}

/** Records an OUTBOUND WeChat message (QUEUED) and its send job inside the caller's transaction. */
export async function queueWechatMessage(tx: Tx, input: WechatOutboundInput) {
  const message = await tx.message.create({
    data: {
      tipId: input.tipId,
      direction: 'OUTBOUND',
      channel: 'WECHAT',
      body: input.body,
      toAddress: input.to,
      deliveryState: 'QUEUED',
      kind: input.kind ?? 'reply',
      authorId: input.authorId ?? null,
    },
  });
  await enqueue(tx, SEND_WECHAT_JOB, { messageId: message.id }, { maxAttempts: SEND_ATTEMPTS, uniqueKey: `${SEND_KEY}${message.id}` });
  return message;
}

/**
 * The passive reply's words as a customer-service message, for a push answered too late for a
 * passive reply: queued by the intake statement itself (src/channels/accept-message.ts), the same
 * message and job as queueWechatMessage, and the submission marked `late` so that WeChat's retry
 * is not answered a second time.
 */
export function wechatLateAck(config: Config, openId: string): AckSpec {
  return {
    job: SEND_WECHAT_JOB,
    maxAttempts: SEND_ATTEMPTS,
    channel: 'WECHAT',
    to: openId,
    new: wechatReplyText(config, { kind: 'new', reference: '{ref}' })!,
    followup: wechatReplyText(config, { kind: 'followup', reference: '{ref}' })!,
    uniquePrefix: SEND_KEY,
    // STOP/退订 is an SMS opt-out; WeChat followers unfollow instead.
    smsOptOut: false,
    meta: { late: true },
  };
}

/** WeChat lets an account message a person only within 48 hours of that person's last message. */
export async function wechatWindow(deps: Deps, openId: string): Promise<ReplyCheck> {
  const c = await lastContact(deps.prisma, openId);
  if (c.unsubscribed) return { ok: false, reason: 'wechat_unsubscribed', message: UNSUBSCRIBED_MESSAGE };
  const open = c.lastAt && deps.clock.now().getTime() - c.lastAt.getTime() < WINDOW_HOURS * 3_600_000;
  return open ? { ok: true } : { ok: false, reason: 'wechat_window', message: WINDOW_MESSAGE };
}

/** WeChat tips are answered through the customer-service message API. */
export const wechatReply: ReplySender = {
  channel: 'WECHAT',
  async check(deps, tip) {
    const openId = tip.tipster?.wechatOpenId ?? (await openIdOfTip(deps.prisma, tip.id));
    if (!openId) return { ok: false, reason: 'no_wechat', message: '这条报料没有微信联系人。\nThis tip has no WeChat contact to reply to.' };
    return wechatWindow(deps, openId);
  },
  async queue(tx, _deps, o) {
    const openId = o.tip.tipster?.wechatOpenId ?? (await openIdOfTip(tx, o.tip.id));
    if (!openId) throw new Error(`tip ${o.tip.id} has no WeChat contact`);
    const m = await queueWechatMessage(tx, { tipId: o.tip.id, to: openId, body: o.body, authorId: o.authorId, kind: 'reply' });
    return { id: m.id };
  },
};
