import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { CLAIMED_STATUSES, canTransition } from '../tips/state-machine.js';
import { TX, illegal, stale, tipNotFound } from './common.js';
import { tipDetail } from './detail.js';
import { mayUndismiss, UNMERGE_WINDOW_MS } from './policy.js';
import { TipStatusSchema } from './triage.schema.js';

// Undoing a dismissal shortly after it was made (the toast's undo after a bulk dismiss, one
// key too many): the tip gets back the status it had, as its dismissal's audit row recorded it.
// PATCH can only reopen a dismissed tip as TRIAGED; this restores NEW, ASSIGNED or CLAIMED too.

export async function undismissTip(deps: Deps, viewer: AuthUser, id: string, version: number | undefined) {
  const { prisma, clock, logger } = deps;
  const now = clock.now();
  await prisma.$transaction(async (tx) => {
    const tip = await tx.tip.findUnique({ where: { id }, select: { status: true, version: true } });
    if (!tip) throw tipNotFound();
    if (tip.status !== 'DISMISSED') throw new AppError('CONFLICT', 'This tip is not dismissed', { reason: 'not_dismissed' });
    if (version !== undefined && version !== tip.version) throw stale(tip.version);
    // The newest change that dismissed it: its `before` says where the tip was.
    const event = await tx.auditEvent.findFirst({
      where: { tipId: id, after: { path: ['status'], equals: 'DISMISSED' } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      select: { before: true, createdAt: true },
    });
    const was = TipStatusSchema.safeParse((event?.before as { status?: unknown } | null)?.status);
    if (!event || !was.success)
      throw new AppError('CONFLICT', 'This dismissal cannot be undone: it did not record the status before', { reason: 'no_record' });
    if (!mayUndismiss(viewer, event.createdAt, now)) {
      throw new AppError('CONFLICT', `A dismissal can be undone within ${UNMERGE_WINDOW_MS / 1000} seconds`, {
        reason: 'undo_window_passed',
        dismissedAt: event.createdAt.toISOString(),
      });
    }
    if (!canTransition('DISMISSED', was.data, 'undo')) throw illegal('DISMISSED', was.data, 'undo');
    const r = await tx.tip.updateMany({
      where: { id, version: tip.version, status: 'DISMISSED' },
      data: {
        status: was.data,
        // A restored claim starts its clock again rather than expiring at once.
        ...(CLAIMED_STATUSES.includes(was.data) ? { claimedAt: now, claimWarnedAt: null } : {}),
        lastActivityAt: now,
        version: { increment: 1 },
      },
    });
    if (r.count === 0) throw stale(tip.version + 1);
    await audit(tx, {
      tipId: id,
      actorId: viewer.id,
      action: 'tip.undismissed',
      at: now,
      before: { status: 'DISMISSED' },
      after: { status: was.data },
    });
  }, TX);
  logger.info({ tip: id, actor: viewer.id }, 'tip undismissed');
  return tipDetail(deps, viewer, id);
}
