import type { Channel, SubmissionState } from '../generated/prisma/enums.js';
import type { Db, Tx } from '../db/prisma.js';
import type { RawSql } from '../db/raw-tx.js';
import { enqueue } from '../queue/enqueue.js';
import { NORMALIZE_JOB } from '../queue/kinds.js';

export interface NewSubmission {
  channel: Channel;
  externalId: string;
  raw?: Buffer | null;
  params?: unknown;
  meta?: unknown;
  sender?: string | null;
  sizeBytes?: number;
  /** Stored but not normalized (e.g. over the size limit): visible to editors, no job. */
  state?: SubmissionState;
  lastError?: string | null;
  rateLimited?: boolean;
  /** False: no normalize job of its own; the caller queues the work (the mailbox worker's one batch job per stored batch). */
  normalizeJob?: boolean;
}

export interface Stored {
  id: string;
  created: boolean;
  state: SubmissionState;
  tipId: string | null;
}

/**
 * Stores an inbound item and its normalization job in one transaction. A second
 * delivery of the same (channel, externalId) stores nothing and returns the first row.
 */
export async function storeSubmission(db: Db, input: NewSubmission, then?: (tx: Tx, stored: Stored) => Promise<void>): Promise<Stored> {
  return db.$transaction((tx) => storeSubmissionIn(tx, input, then));
}

/**
 * storeSubmission's work inside a transaction the caller runs: a Prisma one, or a plain pg
 * connection's (src/db/raw-tx.ts) for raw bytes too large to pass through Prisma.
 */
export async function storeSubmissionIn<T extends RawSql>(
  tx: T,
  input: NewSubmission,
  then?: (tx: T, stored: Stored) => Promise<void>,
): Promise<Stored> {
  const state = input.state ?? 'RECEIVED';
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO submission (channel, external_id, raw, params, meta, sender, size_bytes, state, last_error, rate_limited)
    VALUES (${input.channel}::"Channel", ${input.externalId}, ${input.raw ?? null}, ${input.params === undefined ? null : JSON.stringify(input.params)}::jsonb,
            ${input.meta === undefined ? null : JSON.stringify(input.meta)}::jsonb, ${input.sender ?? null}, ${input.sizeBytes ?? input.raw?.length ?? 0}::int,
            ${state}::"SubmissionState", ${input.lastError ?? null}, ${input.rateLimited ?? false})
    ON CONFLICT (channel, external_id) DO NOTHING
    RETURNING id::text`;
  let stored: Stored;
  if (rows[0]) {
    // enqueue only runs $queryRaw, which both kinds of transaction have.
    if (state === 'RECEIVED' && input.normalizeJob !== false)
      await enqueue(tx as unknown as Tx, NORMALIZE_JOB, { submissionId: rows[0].id }, { maxAttempts: 5 });
    stored = { id: rows[0].id, created: true, state, tipId: null };
  } else {
    const [existing] = await tx.$queryRaw<{ id: string; state: SubmissionState; tipId: string | null }[]>`
      SELECT id::text, state::text AS state, tip_id::text AS "tipId" FROM submission
      WHERE channel = ${input.channel}::"Channel" AND external_id = ${input.externalId}`;
    if (!existing) throw new Error(`submission ${input.channel}/${input.externalId} vanished during the store`);
    stored = { ...existing, created: false };
  }
  if (then) await then(tx, stored);
  return stored;
}

const RAW_PIECE = 2 * 1024 * 1024;

/**
 * A submission's raw bytes (null when none were kept), read in 2 MB pieces into one buffer: the
 * Prisma client needs about eight times a bytea's size to return it whole (~200 MB for 25 MB of mail).
 */
export async function loadRaw(db: Tx, id: string): Promise<Buffer | null> {
  const [row] = await db.$queryRaw<{ n: number | null; raw: Uint8Array | null }[]>`
    SELECT octet_length(raw) AS n, CASE WHEN octet_length(raw) <= ${RAW_PIECE}::int THEN raw END AS raw FROM submission WHERE id = ${id}::uuid`;
  if (!row || row.n === null) return null;
  if (row.raw) return Buffer.from(row.raw.buffer, row.raw.byteOffset, row.raw.byteLength);
  const out = Buffer.allocUnsafe(row.n);
  for (let at = 0; at < row.n; at += RAW_PIECE) {
    const [p] = await db.$queryRaw<{ piece: Uint8Array }[]>`
      SELECT substring(raw from ${at + 1}::int for ${RAW_PIECE}::int) AS piece FROM submission WHERE id = ${id}::uuid`;
    out.set(p.piece, at);
  }
  return out;
}

/** Locks a submission row for its normalization; null when another run already finished it. */
export async function claimSubmission(tx: Tx, id: string): Promise<{ tipId: string | null; reference: string | null } | null> {
  const rows = await tx.$queryRaw<{ state: string; tipId: string | null; reference: string | null }[]>`
    SELECT state::text, tip_id::text AS "tipId", reference FROM submission WHERE id = ${id}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row || row.state === 'PROCESSED' || row.state === 'SKIPPED') return null;
  return { tipId: row.tipId, reference: row.reference };
}

export async function markProcessed(tx: Tx, id: string, tipId: string | null, state: SubmissionState = 'PROCESSED', note?: string) {
  await tx.submission.update({ where: { id }, data: { state, tipId, processedAt: new Date(), lastError: note ?? null } });
}

/** Kept raw and visible to editors; an editor or admin can retry it after a fix. */
export async function quarantine(db: Tx, id: string, reason: string) {
  await db.submission.update({ where: { id }, data: { state: 'QUARANTINED', lastError: reason.slice(0, 2000) } });
}

export async function retrySubmission(db: Db, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const n = await tx.submission.updateMany({
      where: { id, state: { in: ['QUARANTINED', 'RECEIVED'] } },
      data: { state: 'RECEIVED', lastError: null },
    });
    if (n.count === 0) return false;
    await enqueue(tx, NORMALIZE_JOB, { submissionId: id }, { maxAttempts: 5 });
    return true;
  });
}
