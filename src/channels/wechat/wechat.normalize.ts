import type { Tx } from '../../db/prisma.js';
import { FETCH_WECHAT_MEDIA_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import { parseKeyword } from '../../tips/keywords.js';
import { decidedTarget, landRouted, pendingAckOf, routeByContact } from '../../tips/routing.js';
import { findOrCreateTipster } from '../../tips/threading.js';
import { claimSubmission, markProcessed } from '../submissions.js';
import { isDangerousType } from '../twilio/media.js';
import type { Normalizer } from '../types.js';
import { MEDIA_KEY } from './fetch-wechat-media.job.js';
import type { WechatMeta } from './wechat-intake.service.js';
import { coordinatesOf, messageText, routingText, storedPush, type WechatPush } from './wechat.schema.js';

/** What a message carries besides text: file name, provisional type (the download corrects it), kind. */
function mediaOf(p: WechatPush): { filename: string; contentType: string; kind: string } | null {
  switch (p.MsgType) {
    case 'image':
      return { filename: 'wechat-photo.jpg', contentType: 'image/jpeg', kind: 'image' };
    case 'voice':
      return {
        filename: `wechat-voice.${(p.Format ?? 'amr').toLowerCase().replace(/[^a-z0-9]/g, '') || 'amr'}`,
        contentType: 'audio/amr',
        kind: 'audio',
      };
    case 'video':
    case 'shortvideo':
      return { filename: 'wechat-video.mp4', contentType: 'video/mp4', kind: 'video' };
    default:
      return null;
  }
}

/** A voice message with WeChat's recognition is shown as a transcript beside its audio. */
const messageKind = (p: WechatPush) => (p.MsgType === 'voice' ? (p.Recognition?.trim() ? 'transcript' : 'voicemail') : 'message');

/** Turns a stored WeChat message into the first message of its tip (with the webhook's reference) or a follow-up on its thread. */
export const normalizeWechat: Normalizer = async (deps, sub) => {
  const p = storedPush(sub.params);
  const meta = (sub.meta ?? {}) as Partial<WechatMeta>;
  await deps.prisma.$transaction(
    async (tx) => {
      const claimed = await claimSubmission(tx, sub.id);
      if (!claimed) return;
      const text = routingText(p);
      const kw = parseKeyword(text);
      const keyword = kw.keyword === 'new' ? 'new' : null;
      let d = await decidedTarget(tx, claimed, meta);
      let tipsterId: string;
      if (!d) {
        // Stored without a decision (e.g. retried from quarantine): decide now, as the webhook would.
        const t = await routeByContact(tx, deps, {
          channel: 'WECHAT',
          contact: { kind: 'wechat', value: p.FromUserName },
          body: text,
          keyword,
          rest: kw.rest,
          ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
        });
        d = { route: t.route, tipId: t.tipId, reference: null };
        tipsterId = t.tipsterId;
      } else {
        tipsterId = (await findOrCreateTipster(tx, { wechatOpenId: p.FromUserName }))!.id;
      }
      const body = d.route === 'new' && keyword === 'new' && p.MsgType === 'text' ? kw.rest || messageText(p) : messageText(p);
      const common = {
        channel: 'WECHAT' as const,
        body,
        tipsterId,
        submissionId: sub.id,
        receivedAt: sub.receivedAt,
        externalId: sub.externalId,
        messageKind: messageKind(p),
      };
      // A late answer's customer-service message (decided by the webhook) goes out with the tip's message.
      const { tipId: target, messageId } = await landRouted(tx, d, { ...common, timeZone: deps.config.TIMEZONE }, pendingAckOf(sub));
      await placeOf(tx, target, p);
      const media = mediaOf(p);
      if (media && (p.MediaId || p.PicUrl)) await pendingMedia(tx, { tipId: target, messageId, submissionId: sub.id, ...media, p });
      await markProcessed(tx, sub.id, target);
    },
    { timeout: 15_000 },
  );
};

/** A location message names the tip's place when it has none yet; the coordinates stay in the submission's params. */
async function placeOf(tx: Tx, tipId: string, p: WechatPush) {
  const c = coordinatesOf(p);
  if (!c) return;
  const label = c.label ?? `${c.lat}, ${c.lng}`;
  await tx.tip.updateMany({ where: { id: tipId, location: null }, data: { location: label.slice(0, 500) } });
}

async function pendingMedia(
  tx: Tx,
  a: { tipId: string; messageId: string; submissionId: string; filename: string; contentType: string; kind: string; p: WechatPush },
) {
  const att = await tx.attachment.create({
    data: {
      tipId: a.tipId,
      messageId: a.messageId,
      submissionId: a.submissionId,
      filename: a.filename,
      contentType: a.contentType,
      kind: a.kind,
      state: 'PENDING',
      dangerous: isDangerousType(a.contentType),
      // The MediaId goes through the media API with our token; a photo's PicUrl is the fallback.
      sourceKey: a.p.MediaId ? `${MEDIA_KEY}${a.p.MediaId}` : null,
      sourceUrl: a.p.MsgType === 'image' ? (a.p.PicUrl ?? null) : null,
    },
  });
  await enqueue(tx, FETCH_WECHAT_MEDIA_JOB, { attachmentId: att.id }, { maxAttempts: 8, uniqueKey: `fetch-wechat-media:${att.id}` });
}
