import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { CLAIMABLE_STATUSES, CLAIMED_STATUSES } from '../tips/state-machine.js';
import { tipNotFound, illegal, userRef } from './common.js';
import { tipDetail } from './detail.js';
import { DESK_CHANNEL } from '../audit/sql.js';

/**
 * One conditional UPDATE decides the claim: the row lock in the CTE queues concurrent
 * claimers and each re-reads the winner's row, so exactly one of them matches.
 * The audit row is written by the same statement.
 */
export async function claimTip(deps: Deps, viewer: AuthUser, id: string) {
  const { prisma, clock, logger } = deps;
  const now = clock.now();
  const rows = await prisma.$queryRaw<{ version: number }[]>`
    WITH old AS (
      SELECT id, status, assignee_id FROM tip WHERE id = ${id}::uuid FOR UPDATE
    ), upd AS (
      UPDATE tip t SET status = 'CLAIMED', assignee_id = ${viewer.id}::uuid, claimed_at = ${now}, claim_warned_at = NULL,
             returned_to_pool_at = NULL, last_activity_at = ${now}, updated_at = ${now}, version = t.version + 1
      FROM old
      WHERE t.id = old.id
        AND old.status = ANY(${CLAIMABLE_STATUSES}::"TipStatus"[])
        AND (old.assignee_id IS NULL OR (old.status <> 'TRIAGED' AND old.assignee_id = ${viewer.id}::uuid))
      RETURNING t.id, t.version, old.status AS before_status, old.assignee_id AS before_assignee
    ), ev AS (
      INSERT INTO audit_event (tip_id, actor_id, action, before, after, created_at)
      SELECT id, ${viewer.id}::uuid, 'tip.claimed',
             jsonb_build_object('status', before_status, 'assigneeId', before_assignee),
             jsonb_build_object('status', 'CLAIMED', 'assigneeId', ${viewer.id}::text),
             ${now}
      FROM upd
    ), desk AS (
      INSERT INTO desk_event (tip_id, action, created_at) SELECT id, 'tip.claimed', ${now} FROM upd RETURNING id
    )
    SELECT version, (SELECT pg_notify(${DESK_CHANNEL}, id::text) FROM desk) IS NULL AS _ FROM upd`;
  if (rows.length === 0) {
    const t = await prisma.tip.findUnique({ where: { id }, select: { status: true, assigneeId: true, assignee: userRef } });
    if (!t) throw tipNotFound();
    if (t.assigneeId === viewer.id && CLAIMED_STATUSES.includes(t.status)) return tipDetail(deps, viewer, id);
    if (t.assigneeId && t.assigneeId !== viewer.id) {
      const what = CLAIMED_STATUSES.includes(t.status) ? 'claimed' : 'assigned';
      throw new AppError('CONFLICT', `This lead is already ${what} by ${t.assignee?.displayName ?? 'another reporter'}`, {
        reason: `already_${what}`,
        assignee: t.assignee,
      });
    }
    throw illegal(t.status, 'CLAIMED', 'claim');
  }
  logger.info({ tip: id, actor: viewer.id }, 'tip claimed');
  return tipDetail(deps, viewer, id);
}
