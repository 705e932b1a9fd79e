import type { Db, Tx } from '../../db/prisma.js';

// The SMS gateway's raw SQL: statements Prisma cannot say (conditional state moves, the
// silence alarm's compare-and-set). Intake itself is the shared statement in src/channels/sql.ts.

export type DeliveryMove = 'accepted' | 'sent' | 'delivered' | 'failed';

/**
 * Moves an OUTBOUND gateway message forward: QUEUED → SENT → DELIVERED, or to FAILED from
 * QUEUED/SENT. Reports arrive in any order and more than once (the app retries), so a state
 * never moves back. 'accepted' (the gateway took the message) only records its id.
 */
export async function moveDelivery(
  db: Tx | Db,
  messageId: string,
  move: DeliveryMove,
  o: { at?: Date | null; reason?: string | null; externalId?: string },
): Promise<number> {
  const from = { accepted: ['QUEUED'], sent: ['QUEUED'], delivered: ['QUEUED', 'SENT'], failed: ['QUEUED', 'SENT'] }[move];
  const to = { accepted: 'QUEUED', sent: 'SENT', delivered: 'DELIVERED', failed: 'FAILED' }[move];
  const error = move === 'failed' ? (o.reason ?? 'the phone reported the SMS as failed').slice(0, 500) : null;
  const sentAt = move === 'sent' || move === 'delivered' ? (o.at ?? null) : null;
  return db.$executeRaw`
    UPDATE message SET delivery_state = ${to}::"DeliveryState", delivery_error = ${error},
      external_id = COALESCE(external_id, ${o.externalId ?? messageId}),
      sent_at = COALESCE(sent_at, ${sentAt}::timestamptz)
    WHERE id = ${messageId}::uuid AND direction = 'OUTBOUND' AND channel = 'SMS_GATEWAY'
      AND delivery_state::text = ANY(${from}::text[])`;
}

/**
 * Marks the phone silent once per silence: only when it last spoke before `before` and no
 * silence was recorded since. Returns when it last spoke, or nothing when there is nothing new
 * to raise. Any number of workers may run this; only one wins the UPDATE.
 */
export async function markSilent(tx: Tx, source: string, before: Date, now: Date, note: string): Promise<Date | null> {
  const rows = await tx.$queryRaw<{ lastSpoke: Date }[]>`
    UPDATE intake_source SET last_error = ${note}, last_error_at = ${now}::timestamptz, updated_at = now()
    WHERE id = ${source} AND last_success_at IS NOT NULL AND last_success_at < ${before}::timestamptz
      AND NOT (last_error_at IS NOT NULL AND last_error_at > last_success_at AND last_error LIKE 'phone silent%')
    RETURNING last_success_at AS "lastSpoke"`;
  return rows[0]?.lastSpoke ?? null;
}
