import type pg from 'pg';
import type { Tx } from '../../db/prisma.js';
import type { Deps } from '../../deps.js';

// The IMAP poller's raw SQL: the session advisory lock (Prisma has no way to hold one on a
// connection of its own), the cursor upsert, and the reads that open an email's normalization.

/** Takes the mailbox's session advisory lock on `conn` if nobody holds it; true when this session has it. */
export async function tryAdvisoryLock(conn: pg.Client, key: string): Promise<boolean> {
  const { rows } = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
  return rows[0]?.ok === true;
}

export async function upsertMailboxCursor(
  db: Pick<Deps['prisma'], '$executeRaw'>,
  mailbox: string,
  uidValidity: bigint,
  lastUid: number,
): Promise<void> {
  await db.$executeRaw`
    INSERT INTO mailbox_cursor (mailbox, uid_validity, last_uid, updated_at) VALUES (${mailbox}, ${uidValidity}::bigint, ${lastUid}::bigint, now())
    ON CONFLICT (mailbox) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, last_uid = EXCLUDED.last_uid, updated_at = now()`;
}

export interface EmailIntakeStart {
  /** The submission's state, null when the row is gone. */
  state: string | null;
  blocked: boolean;
  /** The sender's tipster (found, or created by this statement); null when none was asked for or a concurrent first contact won the insert. */
  tipsterId: string | null;
  /** Messages carrying one of the ids asked about, with their tip and where that tip was merged into. */
  known: { tipId: string; emailMessageId: string | null; mergedIntoId: string | null }[];
  /** The tip of the reference code in the subject. */
  byReference: { tipId: string; mergedIntoId: string | null } | null;
}

/**
 * Everything an email's normalization reads before it writes, in one round trip: the submission
 * row locked, whether the sender is blocked, the sender's tipster (created when `makeTipster` and
 * the mail is neither done nor blocked; its missing name filled in), the messages that carry the
 * mail's Message-IDs and the tip of the reference in its subject.
 */
export async function emailIntakeStart(
  tx: Pick<Tx, '$queryRaw'>,
  p: {
    submissionId: string;
    contactHash: string | null;
    email: string | null;
    displayName: string | null;
    makeTipster: boolean;
    messageIds: string[];
    reference: string | null;
  },
): Promise<EmailIntakeStart> {
  const rows = await tx.$queryRaw<
    {
      state: string | null;
      blocked: boolean;
      tipster_id: string | null;
      tip_ids: string[] | null;
      message_ids: (string | null)[] | null;
      merged_ids: (string | null)[] | null;
      ref_tip_id: string | null;
      ref_merged_id: string | null;
    }[]
  >`
    WITH sub AS (
      SELECT state::text AS state FROM submission WHERE id = ${p.submissionId}::uuid FOR UPDATE),
    blocked AS (
      SELECT EXISTS (SELECT 1 FROM contact_block WHERE contact_hash = ${p.contactHash}::text) AS b),
    go AS (
      SELECT 1 FROM sub, blocked WHERE sub.state NOT IN ('PROCESSED', 'SKIPPED') AND NOT blocked.b AND ${p.makeTipster}::boolean),
    existing AS (
      SELECT id, display_name FROM tipster WHERE email = ${p.email}::text AND ${p.email}::text IS NOT NULL),
    named AS (
      UPDATE tipster t SET display_name = ${p.displayName}::text FROM existing e
      WHERE t.id = e.id AND e.display_name IS NULL AND ${p.displayName}::text IS NOT NULL AND EXISTS (SELECT 1 FROM go)
      RETURNING t.id),
    created AS (
      INSERT INTO tipster (email, display_name)
      SELECT ${p.email}::text, ${p.displayName}::text WHERE ${p.email}::text IS NOT NULL AND EXISTS (SELECT 1 FROM go) AND NOT EXISTS (SELECT 1 FROM existing)
      ON CONFLICT DO NOTHING RETURNING id),
    known AS (
      SELECT m.tip_id, m.email_message_id, t.merged_into_id FROM message m JOIN tip t ON t.id = m.tip_id
      WHERE m.email_message_id = ANY(${p.messageIds}::text[])),
    by_ref AS (
      SELECT id, merged_into_id FROM tip WHERE reference = ${p.reference}::text)
    SELECT (SELECT state FROM sub) AS state,
           (SELECT b FROM blocked) AS blocked,
           CASE WHEN EXISTS (SELECT 1 FROM go) THEN COALESCE((SELECT id FROM created), (SELECT id FROM existing))::text END AS tipster_id,
           (SELECT array_agg(tip_id::text ORDER BY email_message_id) FROM known) AS tip_ids,
           (SELECT array_agg(email_message_id ORDER BY email_message_id) FROM known) AS message_ids,
           (SELECT array_agg(merged_into_id::text ORDER BY email_message_id) FROM known) AS merged_ids,
           (SELECT id::text FROM by_ref) AS ref_tip_id,
           (SELECT merged_into_id::text FROM by_ref) AS ref_merged_id`;
  const r = rows[0];
  return {
    state: r.state,
    blocked: r.blocked,
    tipsterId: r.tipster_id,
    known: (r.tip_ids ?? []).map((tipId, i) => ({ tipId, emailMessageId: r.message_ids?.[i] ?? null, mergedIntoId: r.merged_ids?.[i] ?? null })),
    byReference: r.ref_tip_id ? { tipId: r.ref_tip_id, mergedIntoId: r.ref_merged_id } : null,
  };
}

/**
 * Makes sure the day's reference sequence exists, in a statement of its own (committed at once).
 * Its first caller of a day creates it under a transaction-scoped advisory lock: inside an
 * email's normalization (up to two minutes with large attachments) that lock would stop every
 * other new tip of the day, SMS included, until the email committed.
 */
export async function ensureReferenceSequence(pool: pg.Pool, day: string): Promise<void> {
  await pool.query({ name: 'email_reference_sequence', text: 'SELECT tip_reference_sequence($1)::text', values: [day] });
}

export interface EmailTipFinish {
  submissionId: string;
  tipId: string;
  note: string | null;
  processedAt: Date;
  /** The acknowledgement's OUTBOUND message, and its send job when outbound email is on. */
  ack: {
    messageId: string;
    subject: string;
    text: string;
    emailMessageId: string;
    to: string;
    deliveryState: 'QUEUED' | 'SUPPRESSED';
    deliveryError: string | null;
    job: { kind: string; payload: unknown; uniqueKey: string; maxAttempts: number; priority: number } | null;
  } | null;
}

/**
 * The last writes of an email that made a tip, in one round trip: the acknowledgement message,
 * its send job (no NOTIFY inside the transaction: the caller wakes the workers after the commit)
 * and the submission marked processed. Returns whether a job was inserted.
 */
export async function finishEmailTip(tx: Pick<Tx, '$queryRaw'>, p: EmailTipFinish): Promise<boolean> {
  const a = p.ack;
  const rows = await tx.$queryRaw<{ jobs: number }[]>`
    WITH ack AS (
      INSERT INTO message (id, tip_id, direction, channel, subject, body, email_message_id, to_address, kind, delivery_state, delivery_error)
      SELECT ${a?.messageId ?? null}::uuid, ${p.tipId}::uuid, 'OUTBOUND', 'EMAIL', ${a?.subject ?? null}::text, ${a?.text ?? ''}::text,
             ${a?.emailMessageId ?? null}::text, ${a?.to ?? null}::text, 'acknowledgement', ${a?.deliveryState ?? 'SUPPRESSED'}::"DeliveryState",
             ${a?.deliveryError ?? null}::text
      WHERE ${a !== null}::boolean
      RETURNING id),
    job AS (
      INSERT INTO job (kind, payload, max_attempts, priority, unique_key)
      SELECT ${a?.job?.kind ?? ''}::text, ${JSON.stringify(a?.job?.payload ?? {})}::jsonb, ${a?.job?.maxAttempts ?? 0}::int,
             ${a?.job?.priority ?? 0}::int, ${a?.job?.uniqueKey ?? null}::text
      WHERE ${Boolean(a?.job)}::boolean AND EXISTS (SELECT 1 FROM ack)
      ON CONFLICT (unique_key) DO NOTHING
      RETURNING id),
    done AS (
      UPDATE submission SET state = 'PROCESSED', tip_id = ${p.tipId}::uuid, processed_at = ${p.processedAt}::timestamptz, last_error = ${p.note}::text
      WHERE id = ${p.submissionId}::uuid
      RETURNING id)
    SELECT (SELECT count(*) FROM job)::int AS jobs, (SELECT count(*) FROM done)::int AS done`;
  return (rows[0]?.jobs ?? 0) > 0;
}
