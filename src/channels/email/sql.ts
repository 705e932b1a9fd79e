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

// ---- Storing a downloaded batch (imap-store.ts) ------------------------------------------------

export interface NewEmailSubmission {
  channel: string;
  externalId: string;
  raw: Buffer | null;
  meta: unknown;
  sender: string | null;
  sizeBytes: number;
  state: string;
  lastError: string | null;
}

/** Columns per row of insertEmailSubmissions (PostgreSQL takes at most 65,535 parameters a statement). */
const SUBMISSION_PARAMS = 8;

/**
 * New submissions of a downloaded batch in one statement; returns the id of each row inserted, by
 * external id (one already stored is left alone and absent: the caller looks at it row by row).
 * It was one INSERT per mail: a round trip, a socket write and the driver's work each, most of the
 * mailbox worker's time with the database. Each raw mail is its own parameter, sent as binary
 * (an array of bytea would go as hex text, twice the bytes). External ids must be distinct.
 */
export async function insertEmailSubmissions(client: pg.ClientBase, rows: NewEmailSubmission[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const most = Math.floor(65_535 / SUBMISSION_PARAMS);
  for (let i = 0; i < rows.length; i += most) for (const [k, v] of await insertSome(client, rows.slice(i, i + most))) ids.set(k, v);
  return ids;
}

async function insertSome(client: pg.ClientBase, rows: NewEmailSubmission[]): Promise<Map<string, string>> {
  if (!rows.length) return new Map();
  const values: unknown[] = [];
  const tuples = rows.map((r, k) => {
    values.push(r.channel, r.externalId, r.raw, r.meta === undefined ? null : JSON.stringify(r.meta), r.sender, r.sizeBytes, r.state, r.lastError);
    const n = k * SUBMISSION_PARAMS;
    return `($${n + 1}::"Channel", $${n + 2}, $${n + 3}::bytea, $${n + 4}::jsonb, $${n + 5}, $${n + 6}::int, $${n + 7}::"SubmissionState", $${n + 8})`;
  });
  const { rows: out } = await client.query<{ id: string; external_id: string }>(
    `INSERT INTO submission (channel, external_id, raw, meta, sender, size_bytes, state, last_error)
     VALUES ${tuples.join(', ')}
     ON CONFLICT (channel, external_id) DO NOTHING
     RETURNING id::text, external_id`,
    values,
  );
  return new Map(out.map((r) => [r.external_id, r.id]));
}

// ---- Normalization a batch at a time (email.batch.ts) --------------------------------------
// The job speaks pg on a pooled connection: one statement for a whole batch instead of some
// sixteen Prisma round trips per message (docs/adr/0001-raw-sql.md: measured, bench/email-profile.ts).

/** Raw bytes up to this size are loaded with the batch; a larger mail goes to the one-message job (which reads it in pieces). */
export const BATCH_RAW_BYTES = 2 * 1024 * 1024;

export interface BatchSubmission {
  id: string;
  state: string;
  /** Null when none was kept or it is over BATCH_RAW_BYTES. */
  raw: Buffer | null;
  meta: unknown;
  receivedAt: Date;
}

/** The batch's submissions with their raw bytes, in the order asked for (missing rows left out). */
export async function loadEmailBatch(db: pg.Pool | pg.ClientBase, ids: string[]): Promise<BatchSubmission[]> {
  const { rows } = await db.query<{ id: string; state: string; raw: Buffer | null; meta: unknown; received_at: Date }>({
    name: 'email_batch_load',
    text: `SELECT s.id::text, s.state::text AS state, CASE WHEN octet_length(s.raw) <= $2::int THEN s.raw END AS raw, s.meta, s.received_at
           FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, n) JOIN submission s ON s.id = x.id ORDER BY x.n`,
    values: [ids, BATCH_RAW_BYTES],
  });
  return rows.map((r) => ({ id: r.id, state: r.state, raw: r.raw, meta: r.meta, receivedAt: r.received_at }));
}

export interface BatchRow {
  i: number;
  id: string;
  auto: string | null;
  hash: string | null;
  email: string | null;
  name: string | null;
  ids: string[];
  ref: string | null;
  mid: string | null;
  subject: string | null;
  body: string;
  full: string | null;
  lang: string;
  day: string;
  note: string | null;
  natt: number;
}

export interface BatchAttachment {
  i: number;
  id: string;
  n: number;
  filename: string;
  type: string;
  size: number;
  sha: string;
  inline: boolean;
  cid: string | null;
  dangerous: boolean;
  kind: string;
  /** 1-based index of its bytes in the blobs array; null when too large to keep. */
  blob: number | null;
  error: string | null;
}

export interface BatchOutcome {
  i: number;
  outcome: 'tip' | 'thread' | 'skipped' | 'blocked' | 'done' | 'failed';
  tip_id: string | null;
  reference: string | null;
  error: string | null;
}

/**
 * JSON that jsonb takes: a text cut at a length limit can end in half a surrogate pair, which
 * jsonb refuses (and a NUL, which no text column holds) — one such string would fail the batch.
 */
const jsonbText = (_key: string, v: unknown) =>
  typeof v === 'string' ? (v as unknown as { toWellFormed(): string }).toWellFormed().replace(/\u0000/g, '') : v;

/** Every message of a batch in one statement (the stored function email_intake_batch, migration 20261202140000). */
export async function emailIntakeBatch(
  client: pg.ClientBase,
  p: { rows: BatchRow[]; attachments: BatchAttachment[]; blobs: Buffer[]; now: Date; blockedReason: string; readJob: string; deskChannel: string },
): Promise<BatchOutcome[]> {
  const { rows } = await client.query<BatchOutcome>({
    name: 'email_intake_batch',
    text: 'SELECT i, outcome, tip_id::text, reference, error FROM email_intake_batch($1::jsonb, $2::jsonb, $3::bytea[], $4, $5, $6, $7)',
    values: [JSON.stringify(p.rows, jsonbText), JSON.stringify(p.attachments, jsonbText), p.blobs, p.now, p.blockedReason, p.readJob, p.deskChannel],
  });
  return rows;
}

/** The acknowledgements of a batch's new tips (OUTBOUND messages, and their send jobs once each), in one statement. Returns how many jobs went in. */
export async function insertEmailAcks(client: pg.ClientBase, acks: { tipId: string; ack: NonNullable<EmailTipFinish['ack']> }[]): Promise<number> {
  const rows = acks.map(({ tipId, ack: a }) => ({
    tip: tipId,
    id: a.messageId,
    subject: a.subject,
    text: a.text,
    mid: a.emailMessageId,
    to: a.to,
    state: a.deliveryState,
    error: a.deliveryError,
    kind: a.job?.kind ?? null,
    payload: a.job?.payload ?? null,
    attempts: a.job?.maxAttempts ?? null,
    priority: a.job?.priority ?? null,
    key: a.job?.uniqueKey ?? null,
  }));
  const { rows: out } = await client.query<{ jobs: number }>({
    name: 'email_batch_acks',
    text: `WITH a AS (
             SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(tip uuid, id uuid, subject text, text text, mid text, "to" text, state text, error text,
                                                             kind text, payload jsonb, attempts int, priority int, key text)),
           msg AS (
             INSERT INTO message (id, tip_id, direction, channel, subject, body, email_message_id, to_address, kind, delivery_state, delivery_error)
             SELECT a.id, a.tip, 'OUTBOUND', 'EMAIL', a.subject, a.text, a.mid, a."to", 'acknowledgement', a.state::"DeliveryState", a.error FROM a
             RETURNING id),
           job AS (
             INSERT INTO job (kind, payload, max_attempts, priority, unique_key)
             SELECT a.kind, a.payload, a.attempts, a.priority, a.key FROM a JOIN msg ON msg.id = a.id WHERE a.kind IS NOT NULL
             ON CONFLICT (unique_key) DO NOTHING
             RETURNING id)
           SELECT (SELECT count(*) FROM job)::int AS jobs`,
    values: [JSON.stringify(rows, jsonbText)],
  });
  return out[0]?.jobs ?? 0;
}

/** The batch's unfinished submissions handed to the one-message normalize job (one job each). */
export async function handOffToSingleJobs(db: pg.Pool | pg.ClientBase, ids: string[], job: { kind: string; maxAttempts: number }): Promise<number> {
  const { rowCount } = await db.query({
    name: 'email_batch_hand_off',
    text: `INSERT INTO job (kind, payload, max_attempts)
           SELECT $2::text, jsonb_build_object('submissionId', s.id::text), $3::int FROM submission s
           WHERE s.id = ANY($1::uuid[]) AND s.state NOT IN ('PROCESSED', 'SKIPPED')`,
    values: [ids, job.kind, job.maxAttempts],
  });
  return rowCount ?? 0;
}
