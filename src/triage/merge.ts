import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { canTransition } from '../tips/state-machine.js';
import { TX, tipNotFound, stale, illegal } from './common.js';
import { lockTips } from './sql.js';
import { tipDetail } from './detail.js';

export async function mergeTips(deps: Deps, viewer: AuthUser, id: string, intoId: string, version: number | undefined) {
  const { prisma, clock, logger } = deps;
  if (id === intoId) {
    throw new AppError('VALIDATION', 'Invalid request body: intoId', { fields: [{ field: 'intoId', message: 'must be another tip' }] });
  }
  const now = clock.now();
  await prisma.$transaction(async (tx) => {
    const locked = await lockTips(tx, [id, intoId]);
    const src = locked.find((t) => t.id === id);
    const dst = locked.find((t) => t.id === intoId);
    if (!src) throw tipNotFound();
    if (!dst) throw AppError.notFound('Target tip (intoId)');
    if (version !== undefined && src.version !== version) throw stale(src.version);
    if (!canTransition(src.status, 'MERGED', 'merge')) throw illegal(src.status, 'MERGED', 'merge');
    if (dst.status === 'MERGED') {
      const target = await tx.tip.findUnique({ where: { id: intoId }, select: { mergedIntoId: true } });
      throw new AppError('CONFLICT', 'The target tip was itself merged; merge into its survivor', {
        reason: 'target_merged',
        mergedIntoId: target?.mergedIntoId,
      });
    }
    // Everything moves; nothing is deleted. The ids of what moved go into the audit row, so an
    // un-merge (unmerge.ts) can put back exactly these rows and nothing that arrived later.
    const ids = async (rows: Promise<{ id: string }[]>) => (await rows).map((r) => r.id);
    const where = { where: { tipId: id }, select: { id: true } } as const;
    const movedIds = {
      messages: await ids(tx.message.findMany(where)),
      attachments: await ids(tx.attachment.findMany(where)),
      notes: await ids(tx.note.findMany(where)),
      submissions: await ids(tx.submission.findMany(where)),
      // Tipsters newly linked to the survivor (links it already had stay on un-merge).
      tipsters: (
        await tx.$queryRaw<{ tipster_id: string }[]>`
        INSERT INTO tip_tipster (tip_id, tipster_id, created_at)
        SELECT ${intoId}::uuid, tipster_id, ${now} FROM (
          SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid
          UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL
        ) s
        ON CONFLICT DO NOTHING RETURNING tipster_id::text`
      ).map((r) => r.tipster_id),
      // Earlier merges into this tip now point straight at the survivor.
      earlierMerges: await ids(tx.tip.findMany({ where: { mergedIntoId: id }, select: { id: true } })),
      tipsterTaken: dst.tipster_id === null && src.tipster_id !== null,
    };
    const only = (list: string[]) => ({ where: { id: { in: list } }, data: { tipId: intoId } });
    await tx.message.updateMany(only(movedIds.messages));
    await tx.attachment.updateMany(only(movedIds.attachments));
    await tx.note.updateMany(only(movedIds.notes));
    await tx.submission.updateMany(only(movedIds.submissions));
    await tx.tip.updateMany({ where: { id: { in: movedIds.earlierMerges } }, data: { mergedIntoId: intoId } });
    const moved = {
      messages: movedIds.messages.length,
      attachments: movedIds.attachments.length,
      notes: movedIds.notes.length,
      submissions: movedIds.submissions.length,
      tipsters: movedIds.tipsters.length,
      earlierMerges: movedIds.earlierMerges.length,
    };
    await tx.tip.update({
      where: { id: intoId },
      data: {
        searchText: `${dst.search_text}\n${src.search_text}`.slice(0, 20_000),
        ...(dst.tipster_id === null && src.tipster_id ? { tipsterId: src.tipster_id } : {}),
        lastActivityAt: now,
        version: { increment: 1 },
      },
    });
    await audit(tx, {
      tipId: intoId,
      actorId: viewer.id,
      action: 'tip.merged_from',
      at: now,
      after: { sourceId: id, sourceReference: src.reference, sourceStatus: src.status, moved, movedIds },
    });
    await tx.tip.update({
      where: { id },
      data: { status: 'MERGED', mergedIntoId: intoId, claimedAt: null, claimWarnedAt: null, lastActivityAt: now, version: { increment: 1 } },
    });
    await audit(tx, {
      tipId: id,
      actorId: viewer.id,
      action: 'tip.merged_into',
      at: now,
      before: { status: src.status },
      after: { status: 'MERGED', mergedIntoId: intoId, intoReference: dst.reference, moved },
    });
  }, TX);
  logger.info({ tip: id, into: intoId, actor: viewer.id }, 'tip merged');
  return tipDetail(deps, viewer, intoId);
}
