import type pg from 'pg';
import type { Channel } from '../generated/prisma/enums.js';

// Raw SQL of the channel-independent intake paths: the one-statement accept of a contact's
// message (the stored function: prisma/migrations/20261202080000_intake_fast_path, extended by
// 20261202113000_intake_fast_path_channels; without the tip row since 20261202140507_intake_webhook_tipless).

export interface AcceptMessageParams {
  channel: Channel;
  externalId: string;
  params: unknown;
  meta: unknown;
  sizeBytes: number;
  contactKind: 'phone' | 'wechat';
  contact: string;
  control: 'stop' | 'start' | 'help' | null;
  isNew: boolean;
  reference: string | null;
  ratePerHour: number;
  followupDays: number;
  followupCutoff: Date;
  now: Date;
  day: string;
  jobKind: string;
  jobMaxAttempts: number;
  /** contact_block hashes of the sender (empty: never blocked). */
  blockHashes: string[];
  /** Record without a tip, for this reason (null: route it). */
  skip: string | null;
  /** The acknowledgement to queue in the same transaction (the migration describes its fields). */
  ack: AckSpec | null;
}

/**
 * An acknowledgement the webhook's answer cannot carry: an OUTBOUND message and its send job, queued
 * by the normalize job with the tip (the statement keeps the texts' choice in submission.meta.ack).
 */
export interface AckSpec {
  job: string;
  maxAttempts: number;
  channel: Channel;
  /** The recipient's address on the channel (the submission's sender: the normalize job addresses it to that). */
  to: string;
  /** The texts for a new tip and for a follow-up; `{ref}` is replaced by the reference code. */
  new: string;
  followup: string;
  /** The job's unique key: this prefix and the message id. */
  uniquePrefix: string;
  /** A keyword's answer: job {submissionId, reply} keyed by this prefix and the submission id; absent: none. */
  controlPrefix?: string;
  /** Whether an SMS opt-out (STOP) silences it (default true). */
  smsOptOut?: boolean;
  /** Merged into submission.meta when the acknowledgement is queued. */
  meta?: Record<string, unknown>;
}

export interface AcceptMessageRow {
  submission_id: string;
  created: boolean;
  route: 'new' | 'followup' | 'reference' | null;
  reference: string | null;
  tip_id: string | null;
  rate_limited: boolean;
  opted_out: boolean;
  state: 'RECEIVED' | 'SKIPPED' | 'PROCESSED' | 'QUARANTINED';
  /** Why it makes no tip (a keyword, 'blocked sender', the caller's skip), or null. */
  reason: string | null;
  meta: Record<string, unknown> | null;
  acked: boolean;
}

/**
 * One round trip, one transaction (the statement's own, committed durably before it returns).
 * The row comes back as one JSON text column: node-postgres builds a field list, a parser per
 * column and a row object from the RowDescription of every execution, and for eleven columns that
 * cost more of the webhook's CPU than one JSON.parse (the CPU profile in docs/benchmarks.md).
 */
export async function acceptMessageStatement(db: pg.Pool | pg.PoolClient, p: AcceptMessageParams): Promise<AcceptMessageRow> {
  const result = await db.query<{ r: string }>({
    // Named: parsed and planned once per connection.
    name: 'intake_accept_message_json',
    text: `SELECT row_to_json(a)::text AS r
      FROM intake_accept_message($1::"Channel", $2, $3::jsonb, $4::jsonb, $5::int, $6, $7, $8, $9::boolean, $10, $11, $12,
        $13::int, $14::int, $15::timestamptz, $16::timestamptz, $17, $18, $19::int, $20::text[], $21, $22::jsonb) a`,
    values: [
      p.channel,
      p.externalId,
      p.params === undefined ? null : JSON.stringify(p.params),
      p.meta === undefined ? null : JSON.stringify(p.meta),
      p.sizeBytes,
      p.contactKind,
      p.contact,
      p.control,
      p.isNew,
      p.reference,
      // $11 and $12 (the text and its language) are unused since the normalize job makes the tip.
      null,
      null,
      p.ratePerHour,
      p.followupDays,
      p.followupCutoff.toISOString(),
      p.now.toISOString(),
      p.day,
      p.jobKind,
      p.jobMaxAttempts,
      p.blockHashes,
      p.skip,
      p.ack === null ? null : JSON.stringify(p.ack),
    ],
  });
  const row = result.rows[0];
  if (!row) throw new Error(`submission ${p.channel}/${p.externalId} vanished during the store`);
  // row_to_json writes the uuids as strings and meta as the object it is.
  return JSON.parse(row.r) as AcceptMessageRow;
}

/** What the undecided store writes: the submission's own fields and its job, without the decision. */
export type StoreMessageParams = Pick<
  AcceptMessageParams,
  'channel' | 'externalId' | 'params' | 'meta' | 'sizeBytes' | 'contact' | 'jobKind' | 'jobMaxAttempts'
>;

/**
 * The undecided store: the submission and its normalize job, one statement and one durable commit.
 * The submission's id, or null for a redelivery (the first delivery's row stands; nothing is added).
 */
export async function storeMessageStatement(db: pg.Pool | pg.PoolClient, p: StoreMessageParams): Promise<string | null> {
  const result = await db.query<{ id: string }>({
    name: 'intake_store_message',
    text: `WITH s AS (
        INSERT INTO submission (channel, external_id, params, meta, sender, size_bytes)
        VALUES ($1::"Channel", $2, $3::jsonb, $4::jsonb, $5, $6::int)
        ON CONFLICT (channel, external_id) DO NOTHING RETURNING id),
      j AS (INSERT INTO job (kind, payload, max_attempts) SELECT $7, jsonb_build_object('submissionId', s.id::text), $8::int FROM s)
      SELECT id::text AS id FROM s`,
    values: [
      p.channel,
      p.externalId,
      JSON.stringify(p.params ?? null),
      JSON.stringify(p.meta ?? null),
      p.contact,
      p.sizeBytes,
      p.jobKind,
      p.jobMaxAttempts,
    ],
  });
  return result.rows[0]?.id ?? null;
}

export type DecideStoredParams = Omit<AcceptMessageParams, keyof StoreMessageParams> & {
  submissionId: string;
};

/**
 * The decision for a stored, undecided submission, written onto its row (intake_decide_stored, in its
 * own committed transaction as a webhook's would be); null when the submission does not exist.
 * `created` is false when it was decided (or finished) already: the row is then returned as it is.
 */
export async function decideStoredStatement(db: pg.Pool | pg.PoolClient, p: DecideStoredParams): Promise<AcceptMessageRow | null> {
  const result = await db.query<{ r: string }>({
    name: 'intake_decide_stored_json',
    text: `SELECT row_to_json(a)::text AS r
      FROM intake_decide_stored($1::uuid, $2, $3, $4::boolean, $5, $6::int, $7::int, $8::timestamptz, $9::timestamptz, $10, $11::text[], $12, $13::jsonb) a`,
    values: [
      p.submissionId,
      p.contactKind,
      p.control,
      p.isNew,
      p.reference,
      p.ratePerHour,
      p.followupDays,
      p.followupCutoff.toISOString(),
      p.now.toISOString(),
      p.day,
      p.blockHashes,
      p.skip,
      p.ack === null ? null : JSON.stringify(p.ack),
    ],
  });
  const row = result.rows[0];
  return row ? (JSON.parse(row.r) as AcceptMessageRow) : null;
}
