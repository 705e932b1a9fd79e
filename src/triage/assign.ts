import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { queueAssignmentEmail } from '../messaging/notify.js';
import { canTransition } from '../tips/state-machine.js';
import { TX, tipNotFound, stale, illegal } from './common.js';
import { lockTips } from './sql.js';
import { tipDetail } from './detail.js';

export async function assignTip(deps: Deps, viewer: AuthUser, id: string, reporterId: string, version: number | undefined) {
  const { prisma, clock, config, logger } = deps;
  const reporter = await prisma.user.findUnique({
    where: { id: reporterId },
    select: { id: true, email: true, displayName: true, role: true, active: true },
  });
  if (!reporter || reporter.role !== 'REPORTER' || !reporter.active) {
    throw new AppError('VALIDATION', 'Invalid request body: reporterId', {
      fields: [{ field: 'reporterId', message: 'is not an active reporter' }],
    });
  }
  const now = clock.now();
  await prisma.$transaction(async (tx) => {
    const [t] = await lockTips(tx, [id]);
    if (!t) throw tipNotFound();
    if (version !== undefined && t.version !== version) throw stale(t.version);
    if (t.status === 'ASSIGNED' && t.assignee_id === reporterId) return;
    if (!canTransition(t.status, 'ASSIGNED', 'assign')) throw illegal(t.status, 'ASSIGNED', 'assign');
    await tx.tip.update({
      where: { id },
      data: {
        status: 'ASSIGNED',
        assigneeId: reporterId,
        claimedAt: null,
        claimWarnedAt: null,
        returnedToPoolAt: null,
        lastActivityAt: now,
        version: { increment: 1 },
      },
    });
    await audit(tx, {
      tipId: id,
      actorId: viewer.id,
      action: 'tip.assigned',
      at: now,
      before: { status: t.status, assigneeId: t.assignee_id },
      after: { status: 'ASSIGNED', assigneeId: reporterId, assignee: reporter.displayName },
    });
    await queueAssignmentEmail(tx, config, { tip: t, reporter, editorName: viewer.displayName, version: t.version + 1 });
  }, TX);
  logger.info({ tip: id, actor: viewer.id, assignee: reporterId }, 'tip assigned');
  return tipDetail(deps, viewer, id);
}
