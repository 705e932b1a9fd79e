import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { CLAIMED_STATUSES } from '../tips/state-machine.js';
import { TX, tipNotFound } from './common.js';
import { tipDetail } from './detail.js';
import { mayUnmerge, UNMERGE_WINDOW_MS } from './policy.js';
import { lockTips } from './sql.js';
import { TipStatusSchema } from './triage.schema.js';

// Undoing a merge shortly after it was made (a mistyped reference, a wrong row): the rows the
// merge moved, as listed in its audit row, go back to the source tip, which gets its status
// back. Rows that reached the survivor since (a new message, a note) stay where they are.

const Ids = z.array(z.uuid()).default([]);
const MergeRecord = z.object({
  sourceId: z.uuid(),
  sourceStatus: TipStatusSchema,
  movedIds: z.object({
    messages: Ids,
    attachments: Ids,
    notes: Ids,
    submissions: Ids,
    tipsters: Ids,
    earlierMerges: Ids,
    tipsterTaken: z.boolean().default(false),
  }),
});

export async function unmergeTip(deps: Deps, viewer: AuthUser, id: string) {
  const { prisma, clock, logger } = deps;
  const now = clock.now();
  const intoId = await prisma.$transaction(async (tx) => {
    const shell = await tx.tip.findUnique({ where: { id }, select: { mergedIntoId: true } });
    if (!shell) throw tipNotFound();
    if (!shell.mergedIntoId) throw new AppError('CONFLICT', 'This tip is not merged', { reason: 'not_merged' });
    const intoId = shell.mergedIntoId;
    const locked = await lockTips(tx, [id, intoId]);
    const src = locked.find((t) => t.id === id);
    const dst = locked.find((t) => t.id === intoId);
    if (!src || !dst || src.status !== 'MERGED') throw new AppError('CONFLICT', 'This tip is not merged', { reason: 'not_merged' });
    // The survivor's newest merge record for this source (a tip merged, un-merged and merged again has several).
    const event = await tx.auditEvent.findFirst({
      where: { tipId: intoId, action: 'tip.merged_from', after: { path: ['sourceId'], equals: id } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { after: true, createdAt: true },
    });
    const record = MergeRecord.safeParse(event?.after);
    if (!event || !record.success)
      throw new AppError('CONFLICT', 'This merge cannot be undone: it did not record what moved', { reason: 'no_record' });
    if (!mayUnmerge(viewer, event.createdAt, now)) {
      throw new AppError('CONFLICT', `A merge can be undone within ${UNMERGE_WINDOW_MS / 1000} seconds`, {
        reason: 'unmerge_window_passed',
        mergedAt: event.createdAt.toISOString(),
      });
    }
    const m = record.data.movedIds;
    // Only rows still on the survivor go back.
    const back = (list: string[]) => ({ where: { id: { in: list }, tipId: intoId }, data: { tipId: id } });
    const restored = {
      messages: (await tx.message.updateMany(back(m.messages))).count,
      attachments: (await tx.attachment.updateMany(back(m.attachments))).count,
      notes: (await tx.note.updateMany(back(m.notes))).count,
      submissions: (await tx.submission.updateMany(back(m.submissions))).count,
      tipsters: (await tx.tipTipster.deleteMany({ where: { tipId: intoId, tipsterId: { in: m.tipsters } } })).count,
      earlierMerges: (await tx.tip.updateMany({ where: { id: { in: m.earlierMerges }, mergedIntoId: intoId }, data: { mergedIntoId: id } })).count,
    };
    const searchText = dst.search_text.replace(`\n${src.search_text}`, '');
    await tx.tip.update({
      where: { id: intoId },
      data: {
        searchText,
        ...(m.tipsterTaken && dst.tipster_id === src.tipster_id ? { tipsterId: null } : {}),
        lastActivityAt: now,
        version: { increment: 1 },
      },
    });
    await audit(tx, {
      tipId: intoId,
      actorId: viewer.id,
      action: 'tip.unmerged_from',
      at: now,
      after: { sourceId: id, sourceReference: src.reference, restored },
    });
    await tx.tip.update({
      where: { id },
      data: {
        status: record.data.sourceStatus,
        mergedIntoId: null,
        // The merge cleared the claim clock; a restored claim starts it again rather than expiring at once.
        claimedAt: CLAIMED_STATUSES.includes(record.data.sourceStatus) ? now : null,
        lastActivityAt: now,
        version: { increment: 1 },
      },
    });
    await audit(tx, {
      tipId: id,
      actorId: viewer.id,
      action: 'tip.unmerged',
      at: now,
      before: { status: 'MERGED', intoReference: dst.reference },
      after: { status: record.data.sourceStatus },
    });
    return intoId;
  }, TX);
  logger.info({ tip: id, from: intoId, actor: viewer.id }, 'tip unmerged');
  return tipDetail(deps, viewer, id);
}
