import { periodicService } from '../lifecycle/periodic.js';
import type { Service } from '../lifecycle/service.js';
import type { Deps } from '../deps.js';
import { audit } from '../audit/audit.js';
import { DESK_CHANNEL } from '../audit/sql.js';
import { pruneDeskEvents } from './sql.js';
import { queueClaimWarningEmail } from '../messaging/notify.js';
import { CLAIMED_STATUSES } from '../tips/state-machine.js';

// A claimed lead nobody touches goes back to the pool after CLAIM_EXPIRY_HOURS, so a story
// does not die in a reporter's drawer. The reporter is warned by email a day before
// (half the period when it is shorter than two days). Each sweep is a few conditional
// UPDATEs with SKIP LOCKED, so any number of worker processes can run it side by side.

const HOUR = 3600_000;
const BATCH = 100;

export function claimWindows(expiryHours: number) {
  const warnBeforeHours = expiryHours >= 48 ? 24 : expiryHours / 2;
  return { expiryMs: expiryHours * HOUR, warnAfterMs: (expiryHours - warnBeforeHours) * HOUR };
}

/** Returns overdue claims to the pool and warns those close to it; safe to run any time, anywhere. */
export async function sweepClaims(deps: Pick<Deps, 'prisma' | 'clock' | 'config' | 'logger'>): Promise<{ returned: number; warned: number }> {
  const { prisma, clock, config } = deps;
  const now = clock.now();
  const { expiryMs, warnAfterMs } = claimWindows(config.CLAIM_EXPIRY_HOURS);
  const expireBefore = new Date(now.getTime() - expiryMs);
  const warnBefore = new Date(now.getTime() - warnAfterMs);

  let returned = 0;
  for (;;) {
    // One statement per batch: the status change and its audit rows commit together.
    const rows = await prisma.$queryRaw<{ id: string }[]>`
      WITH due AS (
        SELECT id, status, assignee_id, last_activity_at FROM tip
        WHERE status = ANY(${CLAIMED_STATUSES}::"TipStatus"[]) AND last_activity_at < ${expireBefore}
        ORDER BY last_activity_at LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED
      ), upd AS (
        UPDATE tip t SET status = 'TRIAGED', assignee_id = NULL, claimed_at = NULL, claim_warned_at = NULL,
               returned_to_pool_at = ${now}, updated_at = ${now}, version = t.version + 1
        FROM due WHERE t.id = due.id
        RETURNING t.id, due.status AS before_status, due.assignee_id AS before_assignee, due.last_activity_at
      ), ev AS (
        INSERT INTO audit_event (tip_id, actor_id, action, before, after, created_at)
        SELECT id, NULL, 'claim.expired',
               jsonb_build_object('status', before_status, 'assigneeId', before_assignee, 'lastActivityAt', last_activity_at),
               jsonb_build_object('status', 'TRIAGED', 'assigneeId', NULL, 'returnedToPoolAt', ${now}::timestamptz),
               ${now}
        FROM upd
      ), desk AS (
        INSERT INTO desk_event (tip_id, action, created_at) SELECT id, 'claim.expired', ${now} FROM upd RETURNING id
      )
      SELECT id::text, (SELECT pg_notify(${DESK_CHANNEL}, max(id)::text) FROM desk HAVING count(*) > 0) IS NULL AS _ FROM upd`;
    returned += rows.length;
    for (const r of rows) deps.logger.info({ tip: r.id }, 'claim expired; lead returned to the pool');
    if (rows.length < BATCH) break;
  }

  let warned = 0;
  for (;;) {
    const n = await prisma.$transaction(async (tx) => {
      // Warned once per quiet spell: new activity after a warning makes the lead warnable again.
      const due = await tx.$queryRaw<
        {
          id: string;
          reference: string;
          category: string | null;
          priority: string;
          title: string | null;
          assignee_id: string;
          last_activity_at: Date;
        }[]
      >`
        WITH due AS (
          SELECT id FROM tip
          WHERE status = ANY(${CLAIMED_STATUSES}::"TipStatus"[]) AND assignee_id IS NOT NULL
            AND last_activity_at < ${warnBefore} AND last_activity_at >= ${expireBefore}
            AND (claim_warned_at IS NULL OR claim_warned_at < last_activity_at)
          LIMIT ${BATCH}
          FOR UPDATE SKIP LOCKED
        )
        UPDATE tip t SET claim_warned_at = ${now} FROM due WHERE t.id = due.id
        RETURNING t.id::text, t.reference, t.category::text, t.priority::text, t.title, t.assignee_id::text, t.last_activity_at`;
      if (!due.length) return 0;
      const users = await tx.user.findMany({
        where: { id: { in: due.map((d) => d.assignee_id) } },
        select: { id: true, email: true, displayName: true, active: true },
      });
      for (const d of due) {
        const expiresAt = new Date(d.last_activity_at.getTime() + expiryMs);
        const reporter = users.find((u) => u.id === d.assignee_id);
        if (reporter?.active) await queueClaimWarningEmail(tx, config, { tip: d, reporter, expiresAt, warnedAt: now });
        await audit(tx, {
          tipId: d.id,
          actorId: null,
          action: 'claim.expiry_warned',
          at: now,
          after: { assigneeId: d.assignee_id, expiresAt: expiresAt.toISOString(), emailed: Boolean(reporter?.active) },
        });
      }
      return due.length;
    });
    warned += n;
    if (n < BATCH) break;
  }
  return { returned, warned };
}

/** The periodic sweep as a worker Service; `intervalMs` is short in tests. */
export function claimExpiryService(deps: Deps, opts: { intervalMs?: number } = {}): Service {
  // The desk's live-stream log is trimmed on the same beat.
  return periodicService('claim expiry', {
    intervalMs: opts.intervalMs ?? 60_000,
    logger: deps.logger,
    tick: () => sweepClaims(deps).then(() => pruneDeskEvents(deps.prisma, deps.clock.now())),
  });
}
