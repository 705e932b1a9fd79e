import { PermanentJobError } from '../../errors.js';
import type { Tx } from '../../db/prisma.js';
import { ACKNOWLEDGE_CONTACT_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';
import { addInboundMessage, createTipFromSubmission, findOrCreateTipster, resolveMerged, searchTextOf } from '../../tips/threading.js';
import { markProcessed } from '../submissions.js';
import type { Normalizer } from '../types.js';
import { WebParamsSchema, type WebParams } from './web.schema.js';

// A stored web submission already points at its tip (made in the form's transaction, so the
// answer could carry the reference): this fills in the message, the tipster, the photos'
// message and, for a new tip with a contact, the acknowledgement on that contact.

export const PHOTOS_ONLY = '（补充照片）\n(Photos added)';

/**
 * The tipster by the contact left on the form. Phone first (it matches a tipster who texted
 * before); an email is added to that row only when no other tipster has it.
 */
async function tipsterOf(tx: Tx, p: WebParams) {
  if (!p.phone && !p.email) return null;
  const t = await findOrCreateTipster(tx, { phone: p.phone, email: p.phone ? null : p.email, displayName: p.name });
  if (t && p.phone && p.email && !t.email) {
    await tx.$executeRaw`
      UPDATE tipster SET email = ${p.email} WHERE id = ${t.id}::uuid AND NOT EXISTS (SELECT 1 FROM tipster WHERE email = ${p.email})`;
  }
  return t;
}

export const normalizeWeb: Normalizer = async (deps, sub) => {
  const parsed = WebParamsSchema.safeParse(sub.params ?? {});
  if (!parsed.success) throw new PermanentJobError(`web form fields are invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const p = parsed.data;
  await deps.prisma.$transaction(
    async (tx) => {
      const [row] = await tx.$queryRaw<{ state: string; tipId: string | null }[]>`
        SELECT state::text, tip_id::text AS "tipId" FROM submission WHERE id = ${sub.id}::uuid FOR UPDATE`;
      if (!row || row.state === 'PROCESSED' || row.state === 'SKIPPED') return;
      if (!row.tipId) throw new PermanentJobError('web submission has no tip (the form stores it with one)');
      const tipster = p.kind === 'tip' ? await tipsterOf(tx, p) : null;
      const common = {
        channel: 'WEB' as const,
        body: p.body || PHOTOS_ONLY,
        tipsterId: tipster?.id ?? null,
        submissionId: sub.id,
        receivedAt: sub.receivedAt,
      };
      let target: string;
      let messageId: string;
      if (p.kind === 'tip') {
        const { tip, message } = await createTipFromSubmission(tx, { ...common, reservedTipId: row.tipId, timeZone: deps.config.TIMEZONE });
        target = tip.id;
        messageId = message.id;
        if (p.location) {
          await tx.tip.update({
            where: { id: tip.id },
            data: { location: p.location, searchText: searchTextOf({ reference: tip.reference, body: tip.body, location: p.location }) },
          });
        }
        if (tipster) await enqueue(tx, ACKNOWLEDGE_CONTACT_JOB, { tipId: tip.id }, { uniqueKey: `ack:${tip.id}`, maxAttempts: 8, priority: -1 });
      } else {
        target = await resolveMerged(tx, row.tipId);
        messageId = (await addInboundMessage(tx, target, { ...common, messageKind: 'followup' })).message.id;
      }
      await tx.attachment.updateMany({ where: { submissionId: sub.id }, data: { messageId, tipId: target } });
      await markProcessed(tx, sub.id, target);
    },
    { timeout: 30_000 },
  );
  deps.logger.info({ submission: sub.id, kind: p.kind, photos: p.photos }, 'web submission normalized');
};
