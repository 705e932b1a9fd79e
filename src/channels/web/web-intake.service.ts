import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { blockHashesOf } from '../../privacy/blocks.js';
import { NORMALIZE_JOB } from '../../queue/kinds.js';
import { referenceDay } from '../../tips/reference.js';
import { detectLanguage } from '../../tips/threading.js';
import { storeSubmission } from '../submissions.js';
import { acceptWebStatement, type AcceptWebParams, type AcceptWebRow, type PhotoRow } from './sql.js';
import type { WebParams } from './web.schema.js';
import { hashKey, newStatusKey, statusByKey, statusKeyFromIdempotencyKey } from './web.status.js';

// The form's post in one statement and one durable commit (the intake fast path, like the
// messaging webhooks'): the submission, the block check, its photos (attachment rows and bytes)
// and, for a new tip, the tip row with its reference and the status link, all committed before
// the answer; the normalize job then makes the message, finds the tipster and sends the
// acknowledgement. The form's own rules (origin, Idempotency-Key replay, the per-address limit,
// the proof-of-work challenge, the honeypot) run before it, in web.routes.ts.

export interface Answer {
  reference: string;
  statusKey: string;
  /** false: a retried post (same Idempotency-Key) answered from what the first one stored. */
  created: boolean;
  /** Stored without a tip (a blocked sender), answered with a decoy. */
  skipped?: boolean;
}

export interface WebMeta {
  route: 'new' | 'followup' | 'honeypot';
  /** The answer given to a honeypot post (a reference no tip will ever have). */
  reference?: string;
}

/** An Idempotency-Key names one submission; the key itself is kept only as a hash. */
const externalIdFor = (idempotencyKey: string | undefined) =>
  idempotencyKey ? `idem:${createHash('sha256').update(idempotencyKey).digest('hex')}` : `form:${randomUUID()}`;

const sizeOf = (p: WebParams, photos: PhotoRow[]) => Buffer.byteLength(p.body) + photos.reduce((n, f) => n + f.size, 0);

/** The answer a stored post gave, for a retry with the same Idempotency-Key; null when there was none. */
export async function replay(deps: Deps, idempotencyKey: string, followUpKey?: string): Promise<Answer | null> {
  const rows = await deps.prisma.$queryRaw<{ reference: string | null; meta: WebMeta | null }[]>`
    SELECT t.reference, s.meta FROM submission s LEFT JOIN tip t ON t.id = s.tip_id
    WHERE s.channel = 'WEB'::"Channel" AND s.external_id = ${externalIdFor(idempotencyKey)}`;
  return rows[0] ? answerOf(rows[0], idempotencyKey, followUpKey) : null;
}

function answerOf(row: { reference: string | null; meta: { reference?: string } | null }, idempotencyKey: string, followUpKey?: string): Answer {
  const reference = row.reference ?? row.meta?.reference;
  if (!reference) throw new AppError('CONFLICT', 'This Idempotency-Key was used for a post that has no answer');
  return { reference, statusKey: followUpKey ?? statusKeyFromIdempotencyKey(idempotencyKey), created: false };
}

/** A decoy reference of the day (numbers from 90000 up, which no tip reaches) for a post that must learn nothing. */
const decoyOf = (day: string) => `T-${day}-9${String(randomInt(10_000)).padStart(4, '0')}`;
const decoyReference = (deps: Deps) => decoyOf(referenceDay(deps.clock.now(), deps.config.TIMEZONE));

/**
 * The post's one statement (src/channels/web/sql.ts); the workers are woken once it committed.
 * decoy: whether a blocked sender's answer may be needed (a new tip); it is made from the same day.
 */
async function accept(
  deps: Deps,
  p: Omit<AcceptWebParams, 'now' | 'day' | 'jobKind' | 'jobMaxAttempts' | 'decoy'> & { decoy: boolean },
): Promise<AcceptWebRow> {
  const now = deps.clock.now();
  // Intl's formatToParts is not free: the day is formatted once per post.
  const day = referenceDay(now, deps.config.TIMEZONE);
  const row = await acceptWebStatement(deps.pool, {
    ...p,
    decoy: p.decoy ? decoyOf(day) : '',
    now,
    day,
    jobKind: NORMALIZE_JOB,
    jobMaxAttempts: 5,
  });
  if (row.created && row.tip_id) deps.jobWakeups.poke(NORMALIZE_JOB);
  return row;
}

/**
 * A new tip from the form. A post whose phone or email is blocked is kept (SKIPPED 'blocked
 * sender', visible under intake) and answered like a honeypot post: no tip, no acknowledgement,
 * nothing that tells them they are blocked.
 */
export async function acceptTip(deps: Deps, o: { params: WebParams; photos: PhotoRow[]; idempotencyKey?: string }): Promise<Answer> {
  const statusKey = o.idempotencyKey ? statusKeyFromIdempotencyKey(o.idempotencyKey) : newStatusKey();
  const row = await accept(deps, {
    externalId: externalIdFor(o.idempotencyKey),
    params: o.params,
    sender: o.params.phone ?? o.params.email,
    sizeBytes: sizeOf(o.params, o.photos),
    blockHashes: blockHashesOf(o.params.phone, o.params.email),
    decoy: true,
    tipId: null,
    body: o.params.body,
    location: o.params.location,
    language: detectLanguage(o.params.body),
    statusKeyHash: hashKey(statusKey),
    photos: o.photos,
  });
  if (!row.created) return answerOf(row, o.idempotencyKey!);
  return { reference: row.reference!, statusKey, created: true, skipped: !row.tip_id };
}

/** A follow-up from the status page: text and photos for the tip the link was made for. */
export async function acceptFollowUp(
  deps: Deps,
  o: { statusKey: string; params: WebParams; photos: PhotoRow[]; idempotencyKey?: string },
): Promise<Answer> {
  const view = await statusByKey(deps.prisma, o.statusKey);
  if (!view) throw notFound();
  const row = await accept(deps, {
    externalId: externalIdFor(o.idempotencyKey),
    params: o.params,
    sender: null,
    sizeBytes: sizeOf(o.params, o.photos),
    blockHashes: [],
    decoy: false,
    tipId: view.tipId,
    body: o.params.body,
    location: null,
    language: '',
    statusKeyHash: null,
    photos: o.photos,
  });
  if (!row.created) return answerOf(row, o.idempotencyKey!, o.statusKey);
  return { reference: view.reference, statusKey: o.statusKey, created: true };
}

/**
 * A post that filled the honeypot: recorded as SKIPPED (editors can see a spam wave, and a
 * person whose browser autofilled the hidden field can be found), photos dropped, no tip and no
 * acknowledgement. The bot gets a 201 with a reference-shaped code no tip will have (numbers
 * from 90000 up) and a status link that opens nothing, so it learns nothing from the answer.
 */
export async function acceptHoneypot(deps: Deps, o: { params: Record<string, unknown>; idempotencyKey?: string }): Promise<Answer> {
  const reference = decoyReference(deps);
  const meta: WebMeta = { route: 'honeypot', reference };
  const externalId = externalIdFor(o.idempotencyKey);
  const s = await storeSubmission(deps.prisma, { channel: 'WEB', externalId, params: o.params, meta, state: 'SKIPPED', lastError: 'honeypot' });
  if (!s.created) return (await replay(deps, o.idempotencyKey!))!;
  return { reference, statusKey: o.idempotencyKey ? statusKeyFromIdempotencyKey(o.idempotencyKey) : newStatusKey(), created: true };
}

export const notFound = () => new AppError('NOT_FOUND', '页面不存在 / Not found');
