import type { Tx } from '../../db/prisma.js';
import type { Deps } from '../../deps.js';
import { BLOCKED_REASON, isBlocked } from '../../privacy/blocks.js';
import { parseKeyword } from '../../tips/keywords.js';
import { preallocateReference, routeByContact, type Route } from '../../tips/routing.js';
import { storeSubmissionIn } from '../submissions.js';
import { externalIdOf, routingText, TIP_TYPES, type WechatPush } from './wechat.schema.js';
import { queueWechatMessage } from './wechat-outbound.service.js';
import { wechatReplyText, type WechatReply } from './wechat.replies.js';

// The push's transaction. The passive reply must carry the tip's reference code, so the webhook
// decides here whether the message opens a tip or joins one (routeByContact, as SMS does) and,
// for a new tip, makes the tip row at once; the normalize job fills in the rest.

export type PushMode = 'plain' | 'compatible' | 'safe';

export interface WechatMeta {
  mode: PushMode;
  keyword: 'new' | null;
  route?: Route;
  /** The answer would have been late: it went out as a customer-service message instead. */
  late?: boolean;
}

export interface WechatAccepted {
  submissionId: string;
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

/**
 * Stores a push and decides its answer in one transaction. `answerBy` (epoch ms) is the time budget
 * for the passive reply: when the transaction gets there later (a busy pool, a slow disk), the reply
 * is queued as a customer-service message in the same transaction and the answer is `success`, so
 * the acknowledgement goes out exactly once whatever WeChat's retries do.
 */
export async function acceptPush(deps: Deps, p: WechatPush, mode: PushMode, answerBy: number): Promise<WechatAccepted> {
  const externalId = externalIdOf(p);
  const contact = { kind: 'wechat', value: p.FromUserName } as const;
  const text = routingText(p);
  const kw = parseKeyword(text);
  // STOP/START mean nothing on WeChat (a follower unfollows instead); 新/NEW and 帮助/HELP do.
  const keyword = kw.keyword === 'new' ? 'new' : null;
  const help = p.MsgType === 'text' && kw.keyword === 'help';
  // A blocked sender's push is kept (SKIPPED 'blocked sender') but makes no tip and gets no reply.
  const blocked = await isBlocked(deps.prisma, p.FromUserName);
  const skip = blocked ? BLOCKED_REASON : skipReason(p, help);
  const reserved = skip ? null : await preallocateReference(deps, { channel: 'WECHAT', externalId, contact, body: text, keyword });
  let reply: WechatReply = { kind: 'none' };
  let tipId: string | null = null;
  const meta: WechatMeta = { mode, keyword };
  const stored = await deps.prisma.$transaction(
    (tx) =>
      storeSubmissionIn(
        tx,
        {
          channel: 'WECHAT',
          externalId,
          params: p,
          meta,
          sender: p.FromUserName,
          sizeBytes: Buffer.byteLength(JSON.stringify(p)),
          state: skip ? 'SKIPPED' : 'RECEIVED',
          lastError: skip,
        },
        async (tx, s) => {
          if (!s.created) ({ reply, tipId } = await replay(tx, s.id, p, help));
          else if (skip) {
            await tx.$executeRaw`UPDATE submission SET processed_at = ${deps.clock.now()}::timestamptz WHERE id = ${s.id}::uuid`;
            reply = blocked ? { kind: 'none' } : skippedReply(p, help);
          } else {
            ({ reply, tipId } = await openOrJoin(tx, deps, s.id, p, text, keyword, kw.rest, reserved));
            if (tipId && deps.clock.now().getTime() >= answerBy) reply = await acknowledgeLater(tx, deps, s.id, tipId, p.FromUserName, reply);
          }
        },
      ),
    // WeChat redelivers after 5 s, so waiting longer for a connection gains nothing.
    { maxWait: 5_000, timeout: 10_000 },
  );
  return { submissionId: stored.id, tipId, outcome: !stored.created ? 'duplicates' : skip ? 'skipped' : 'stored', reply };
}

async function openOrJoin(
  tx: Tx,
  deps: Deps,
  submissionId: string,
  p: WechatPush,
  text: string,
  keyword: 'new' | null,
  rest: string,
  reference: string | null,
): Promise<{ reply: WechatReply; tipId: string }> {
  const t = await routeByContact(tx, deps, {
    channel: 'WECHAT',
    contact: { kind: 'wechat', value: p.FromUserName },
    body: text,
    keyword,
    rest,
    ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
    reference,
    submissionId,
  });
  if (!t.linked) {
    await tx.$executeRaw`
      UPDATE submission SET tip_id = ${t.tipId}::uuid, rate_limited = ${t.rateLimited},
        meta = COALESCE(meta, '{}'::jsonb) || jsonb_build_object('route', ${t.route}::text)
      WHERE id = ${submissionId}::uuid`;
  }
  return { reply: tipReply(t.route, t.reference, t.rateLimited), tipId: t.tipId };
}

/** Too late for a passive reply: the same words as a customer-service message, and `success` now. */
async function acknowledgeLater(tx: Tx, deps: Deps, submissionId: string, tipId: string, openId: string, reply: WechatReply): Promise<WechatReply> {
  const body = wechatReplyText(deps.config, reply);
  if (!body) return reply;
  await queueWechatMessage(tx, { tipId, to: openId, body, kind: 'ack' });
  await tx.$executeRaw`UPDATE submission SET meta = COALESCE(meta, '{}'::jsonb) || '{"late":true}'::jsonb WHERE id = ${submissionId}::uuid`;
  return { kind: 'none' };
}

/** Floods get no reply (WeChat would show each one). */
const tipReply = (route: Route, reference: string, rateLimited: boolean): WechatReply =>
  rateLimited ? { kind: 'none' } : { kind: route === 'new' ? 'new' : 'followup', reference };

/** A redelivery answers exactly as the first delivery did, from what the first one stored. */
async function replay(tx: Tx, submissionId: string, p: WechatPush, help: boolean): Promise<{ reply: WechatReply; tipId: string | null }> {
  const rows = await tx.$queryRaw<
    {
      state: string;
      lastError: string | null;
      rateLimited: boolean;
      route: Route | null;
      late: boolean;
      reference: string | null;
      tipId: string | null;
    }[]
  >`
    SELECT s.state::text AS state, s.last_error AS "lastError", s.rate_limited AS "rateLimited", s.meta->>'route' AS route, coalesce((s.meta->>'late')::boolean, false) AS late,
      t.reference, s.tip_id::text AS "tipId"
    FROM submission s LEFT JOIN tip t ON t.id = s.tip_id WHERE s.id = ${submissionId}::uuid`;
  const r = rows[0];
  if (!r) return { reply: { kind: 'none' }, tipId: null };
  if (r.state === 'SKIPPED') return { reply: r.lastError === BLOCKED_REASON ? { kind: 'none' } : skippedReply(p, help), tipId: null };
  // A late first delivery was acknowledged by API; saying it again here would say it twice.
  if (!r.reference || !r.route || r.late) return { reply: { kind: 'none' }, tipId: r.tipId };
  return { reply: tipReply(r.route, r.reference, r.rateLimited), tipId: r.tipId };
}
