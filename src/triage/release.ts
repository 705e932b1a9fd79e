import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { mayRelease } from './policy.js';
import { canTransition } from '../tips/state-machine.js';
import { TX, tipNotFound, illegal } from './common.js';
import { lockTips } from './sql.js';
import { tipDetail } from './detail.js';

export async function releaseTip(deps: Deps, viewer: AuthUser, id: string) {
  const { prisma, clock } = deps;
  const now = clock.now();
  await prisma.$transaction(async (tx) => {
    const [t] = await lockTips(tx, [id]);
    if (!t) throw tipNotFound();
    if (!mayRelease(viewer, { assigneeId: t.assignee_id }))
      throw new AppError('FORBIDDEN', 'Only the assigned reporter or an editor can release a lead');
    if (!canTransition(t.status, 'TRIAGED', 'release')) throw illegal(t.status, 'TRIAGED', 'release');
    await tx.tip.update({
      where: { id },
      data: { status: 'TRIAGED', assigneeId: null, claimedAt: null, claimWarnedAt: null, lastActivityAt: now, version: { increment: 1 } },
    });
    await audit(tx, {
      tipId: id,
      actorId: viewer.id,
      action: 'tip.released',
      at: now,
      before: { status: t.status, assigneeId: t.assignee_id },
      after: { status: 'TRIAGED', assigneeId: null },
    });
  }, TX);
  return tipDetail(deps, viewer, id);
}
