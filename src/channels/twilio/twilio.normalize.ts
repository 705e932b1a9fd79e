import type { Tx } from '../../db/prisma.js';
import { PermanentJobError } from '../../errors.js';
import { findOrCreateTipster, resolveMerged } from '../../tips/threading.js';
import type { Normalizer } from '../types.js';
import { BLOCKED_REASON, isBlocked } from '../../privacy/blocks.js';
import { claimSubmission, markProcessed } from '../submissions.js';
import { extensionFor, pendingAttachment } from './media.js';
import type { SmsMeta } from './sms-intake.service.js';
import { decidedTarget, landRouted, pendingAckOf, routeByContact } from '../../tips/routing.js';
import { parseKeyword, storedSmsParams } from './twilio.schema.js';
import {
  addTranscript,
  addVoicemail,
  createMissedCall,
  ensureCallAnchor,
  plausiblePhone,
  recordingOf,
  VOICE_CALL_LOCK,
} from './voice-intake.service.js';

export const MMS_PLACEHOLDER = '（彩信，无文字）\n(Picture message, no text)';

/** Turns a stored SMS/MMS into the first message of its tip (with the reference the webhook answered) or a follow-up in a thread. */
export const normalizeSms: Normalizer = async (deps, sub) => {
  const p = storedSmsParams(sub.params);
  const meta = (sub.meta ?? {}) as Partial<SmsMeta>;
  await deps.prisma.$transaction(
    async (tx) => {
      const claimed = await claimSubmission(tx, sub.id);
      if (!claimed) return;
      const kw = parseKeyword(p.Body);
      let d = await decidedTarget(tx, claimed, meta);
      let tipsterId: string;
      if (!d) {
        // The tip its decision joins was never made (its opener quarantined), or it was stored without
        // one: decide again among the tips that exist.
        const t = await routeByContact(tx, deps, {
          channel: 'SMS',
          contact: { kind: 'phone', value: p.From },
          body: p.Body,
          keyword: kw.keyword,
          rest: kw.rest,
          ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
        });
        d = { route: t.route, tipId: t.tipId, reference: null };
        tipsterId = t.tipsterId;
      } else {
        tipsterId = (await findOrCreateTipster(tx, { phone: p.From }))!.id;
      }
      const text = d.route === 'new' && kw.keyword === 'new' ? kw.rest : p.Body;
      const body = text.trim() || (p.NumMedia > 0 ? MMS_PLACEHOLDER : '');
      const common = {
        channel: 'SMS' as const,
        body,
        tipsterId,
        submissionId: sub.id,
        receivedAt: sub.receivedAt,
        externalId: p.MessageSid,
      };
      // The acknowledgement decided with the text (TWILIO_SMS_ACK=api) goes out with the tip's message.
      const { tipId: target, messageId } = await landRouted(tx, d, { ...common, timeZone: deps.config.TIMEZONE }, pendingAckOf(sub));
      const raw = (sub.params ?? {}) as Record<string, unknown>;
      for (let i = 0; i < p.NumMedia; i++) {
        const contentType = String(raw[`MediaContentType${i}`] ?? 'application/octet-stream');
        await pendingAttachment(tx, {
          tipId: target,
          messageId,
          submissionId: sub.id,
          filename: `mms-${i + 1}.${extensionFor(contentType)}`,
          contentType,
          kind: contentType.startsWith('image/') ? 'image' : 'file',
          sourceUrl: String(raw[`MediaUrl${i}`]),
          sourceKey: `media:${i}`,
        });
      }
      await markProcessed(tx, sub.id, target);
    },
    { timeout: 15_000 },
  );
};

/**
 * Voice callbacks (hang-up, recording, transcription) arrive in any order; all of a call's
 * callbacks meet on one tip through the call's anchor submission `call:CA…`.
 */
export const normalizeVoice: Normalizer = async (deps, sub) => {
  const params = (sub.params ?? {}) as Record<string, string>;
  const callSid = params.CallSid;
  if (!callSid) throw new PermanentJobError('voice submission has no CallSid');
  const kind = sub.externalId.split(':')[0];
  await deps.prisma.$transaction(
    async (tx) => {
      if (!(await claimSubmission(tx, sub.id))) return;
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${VOICE_CALL_LOCK}::int, hashtext(${callSid}))`;
      const anchor = await ensureCallAnchor(tx, callSid, params);
      const from = plausiblePhone(anchor.sender ?? params.From ?? params.Caller);
      if (await isBlocked(tx, from)) {
        // Stored, but no tip and no SMS back.
        await markProcessed(tx, sub.id, null, 'SKIPPED', BLOCKED_REASON);
        return;
      }
      const tipster = from ? await findOrCreateTipster(tx, { phone: from }) : null;
      const ctx = { deps, sub, callSid, from, tipsterId: tipster?.id ?? null };
      let tipId = anchor.tipId ? await resolveMerged(tx, anchor.tipId) : null;
      switch (kind) {
        case 'end': {
          const rec = recordingOf(params);
          if (rec) tipId = await addVoicemail(tx, ctx, tipId, rec);
          else if (!tipId) tipId = await createMissedCall(tx, ctx);
          break;
        }
        case 'rec': {
          const rec = recordingOf(params);
          if (rec && (params.RecordingStatus ?? 'completed') === 'completed') tipId = await addVoicemail(tx, ctx, tipId, rec);
          else if (!tipId) tipId = await createMissedCall(tx, ctx);
          break;
        }
        case 'tr':
          tipId = await addTranscript(tx, ctx, tipId, params);
          break;
        default:
          throw new PermanentJobError(`unknown voice submission kind ${kind}`);
      }
      if (tipster) await linkTipster(tx, tipId, tipster.id);
      await tx.submission.update({ where: { id: anchor.id }, data: { tipId, state: 'PROCESSED', processedAt: deps.clock.now(), lastError: null } });
      await markProcessed(tx, sub.id, tipId);
    },
    { timeout: 15_000 },
  );
};

/** A recording callback (no caller number) may have made the tip; a later callback brings the number. */
async function linkTipster(tx: Tx, tipId: string, tipsterId: string) {
  await tx.tip.updateMany({ where: { id: tipId, tipsterId: null }, data: { tipsterId } });
  await tx.tipTipster.upsert({ where: { tipId_tipsterId: { tipId, tipsterId } }, create: { tipId, tipsterId }, update: {} });
}
