import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from './audit.js';
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
    // Everything moves; nothing is deleted. The merged tip keeps its own audit trail.
    const moved = {
      messages: (await tx.message.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
      attachments: (await tx.attachment.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
      notes: (await tx.note.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
      submissions: (await tx.submission.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
      tipsters: await tx.$executeRaw`
        INSERT INTO tip_tipster (tip_id, tipster_id, created_at)
        SELECT ${intoId}::uuid, tipster_id, ${now} FROM (
          SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid
          UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL
        ) s
        ON CONFLICT DO NOTHING`,
      // Earlier merges into this tip now point straight at the survivor.
      earlierMerges: (await tx.tip.updateMany({ where: { mergedIntoId: id }, data: { mergedIntoId: intoId } })).count,
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
      after: { sourceId: id, sourceReference: src.reference, moved },
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
