import type { Tx } from '../db/prisma.js';

// The audit trail and the desk events it announces. Every layer that changes a tip writes here
// (tip creation in tips, the newsroom's actions in triage, erasure in privacy), so the statement and
// its NOTIFY channel live below all of them: tips must not import triage (eslint.config.js LAYERS).

/** The NOTIFY channel of desk events (the live stream listens); the payload is the newest event id. */
export const DESK_CHANNEL = 'tipdesk_desk';

/** One round trip: the audit row, and for a tip its desk event and the NOTIFY (sent on commit). */
export async function insertAudit(
  tx: Tx,
  e: { tipId: string | null; actorId: string | null; action: string; before?: object | null; after?: object | null; at: Date },
) {
  const json = (v: object | null | undefined) => (v == null ? null : JSON.stringify(v));
  await tx.$queryRaw`
    WITH a AS (
      INSERT INTO audit_event (tip_id, actor_id, action, before, after, created_at)
      VALUES (${e.tipId}::uuid, ${e.actorId}::uuid, ${e.action}, ${json(e.before)}::jsonb, ${json(e.after)}::jsonb, ${e.at}::timestamptz)),
    d AS (
      INSERT INTO desk_event (tip_id, action, created_at)
      SELECT ${e.tipId}::uuid, ${e.action}, ${e.at}::timestamptz WHERE ${e.tipId}::uuid IS NOT NULL
      RETURNING id)
    SELECT pg_notify(${DESK_CHANNEL}, id::text)::text FROM d`;
}
