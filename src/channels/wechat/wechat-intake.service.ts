import type { Deps } from '../../deps.js';
import { BLOCKED_REASON } from '../../privacy/blocks.js';
import { parseKeyword } from '../../tips/keywords.js';
import type { DecisionMeta, Route } from '../../tips/routing.js';
import type { Submission } from '../../generated/prisma/client.js';
import { acceptContactMessage, storeContactMessage, type ContactMessage } from '../accept-message.js';
import { externalIdOf, routingText, storedPush, TIP_TYPES, type WechatPush } from './wechat.schema.js';
import { wechatLateAck } from './wechat-outbound.service.js';
import type { WechatReply } from './wechat.replies.js';

// The push's work, on the intake fast path (acceptContactMessage: one statement, one durable
// commit). The passive reply must carry the tip's reference code, so the statement decides
// whether the message opens a tip or joins one (as for SMS) and, for a new tip, takes its code;
// the normalize job makes the tip. With WECHAT_ACK=api the webhook only stores the push and the
// code goes out by the customer-service API once the job has decided it.

export type PushMode = 'plain' | 'compatible' | 'safe';

export interface WechatMeta extends DecisionMeta {
  mode: PushMode;
  keyword: 'new' | null;
  /**
   * The acknowledgement goes out as a customer-service message, not in the passive reply: the answer
   * would have been late, or WECHAT_ACK=api. A redelivery is then answered `success`.
   */
  late?: boolean;
}

export interface WechatAccepted {
  /** null for a redelivery stored undecided (WECHAT_ACK=api): the first delivery's row stands. */
  submissionId: string | null;
  tipId: string | null;
  outcome: 'stored' | 'skipped' | 'duplicates';
  reply: WechatReply;
}

/** Why a push is recorded without making a tip (null: it makes or joins one). */
function skipReason(p: WechatPush, help: boolean): string | null {
  if (p.MsgType === 'event') return `${p.Event ?? 'unknown'} event`;
  if (!TIP_TYPES.has(p.MsgType)) return `unsupported message type ${p.MsgType}`;
  return help ? 'help keyword' : null;
}

/** A skipped push's answer: a welcome on subscribe, the help text on 帮助/HELP, else nothing. */
const skippedReply = (p: WechatPush, help: boolean): WechatReply =>
  help ? { kind: 'help' } : p.MsgType === 'event' && p.Event === 'subscribe' ? { kind: 'welcome' } : { kind: 'none' };

/** Floods get no reply (WeChat would show each one). */
const tipReply = (route: Route, reference: string, rateLimited: boolean): WechatReply =>
  rateLimited ? { kind: 'none' } : { kind: route === 'new' ? 'new' : 'followup', reference };

/**
 * A push as a contact's message, for the webhook's statement and for the job that decides a push
 * stored undecided (WECHAT_ACK=api): the same keyword, skip and acknowledgement either way.
 */
function pushMessage(deps: Deps, p: WechatPush, meta?: { mode: PushMode }): ContactMessage & { help: boolean } {
  const text = routingText(p);
  // STOP/START mean nothing on WeChat (a follower unfollows instead); 新/NEW and 帮助/HELP do.
  const help = p.MsgType === 'text' && parseKeyword(text).keyword === 'help';
  return {
    channel: 'WECHAT',
    externalId: externalIdOf(p),
    contact: { kind: 'wechat', value: p.FromUserName },
    body: text,
    params: p,
    ...(meta ? { meta } : {}),
    sizeBytes: Buffer.byteLength(JSON.stringify(p)),
    ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
    controlKeywords: false,
    // A blocked sender's push is kept (SKIPPED 'blocked sender') but makes no tip and gets no reply.
    skip: skipReason(p, help),
    ack: wechatLateAck(deps.config, p.FromUserName),
    help,
  };
}

/**
 * Stores a push and decides its answer in one statement. `answerBy` (epoch ms) is the time budget
 * for the passive reply: when a database connection is only ours later (a busy pool), the reply
 * is queued as a customer-service message in the same statement and the answer is `success`, so
 * the acknowledgement goes out exactly once whatever WeChat's retries do.
 *
 * With WECHAT_ACK=api the push is only stored (storeContactMessage) and the answer needs no
 * decision: the help text, a welcome, or `success`; the normalize job decides the push and queues
 * the acknowledgement, with its code, as a customer-service message on the tip's thread.
 */
export async function acceptPush(deps: Deps, p: WechatPush, mode: PushMode, answerBy: number): Promise<WechatAccepted> {
  const { help, ...message } = pushMessage(deps, p, { mode });
  if (deps.config.WECHAT_ACK === 'api') {
    const stored = await storeContactMessage(deps, message);
    // A blocked sender's 帮助 is answered too: the block is read by the job (as Twilio's HELP by API).
    const reply: WechatReply = message.skip ? skippedReply(p, help) : { kind: 'none' };
    return { submissionId: stored.submissionId, tipId: null, outcome: stored.created ? 'stored' : 'duplicates', reply };
  }
  const a = await acceptContactMessage(deps, { ...message, ackOnlyAfter: answerBy });
  // A redelivery answers exactly as the first delivery did, from what the first one stored.
  let reply: WechatReply;
  if (a.skipped) reply = a.skipped === BLOCKED_REASON ? { kind: 'none' } : skippedReply(p, help);
  // Acknowledged by API (now or, for a redelivery, the first time): saying it here would say it twice.
  else if (a.acked || a.meta?.late || !a.reference || !a.route) reply = { kind: 'none' };
  else reply = tipReply(a.route, a.reference, a.rateLimited);
  return { submissionId: a.submissionId, tipId: a.tipId, outcome: !a.created ? 'duplicates' : a.skipped ? 'skipped' : 'stored', reply };
}

/** The adapter's `decide`: a push stored undecided (WECHAT_ACK=api), for the normalize job to decide. */
export function decideWechatPush(deps: Deps, sub: Submission): ContactMessage {
  const { help: _help, ...message } = pushMessage(deps, storedPush(sub.params));
  return message;
}
