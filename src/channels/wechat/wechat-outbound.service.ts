import type { Tx } from '../../db/prisma.js';
import type { Deps } from '../../deps.js';
import { SEND_WECHAT_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import type { ReplyCheck, ReplySender } from '../types.js';
import { lastContact, openIdOfTip } from './sql.js';
import { UNSUBSCRIBED_MESSAGE, WINDOW_HOURS, WINDOW_MESSAGE } from './wechat.replies.js';

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
  await enqueue(tx, SEND_WECHAT_JOB, { messageId: message.id }, { maxAttempts: 6, uniqueKey: `send-wechat:${message.id}` });
  return message;
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
