import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Deps } from '../../deps.js';
import type { Tx } from '../../db/prisma.js';
import { AppError } from '../../errors.js';
import { nextReference, referenceDay } from '../../tips/reference.js';
import { storeSubmissionIn, type Stored } from '../submissions.js';
import { insertPhoto, insertReservedTip, reserveReference, type PhotoRow } from './sql.js';
import type { WebParams } from './web.schema.js';
import { hashKey, newStatusKey, statusByKey, statusKeyFromIdempotencyKey } from './web.status.js';

// The form's transaction: the submission, its photos (attachment rows and bytes) and, for a new
// tip, the tip row with its reference and the status link, all committed before the answer; the
// normalize job then makes the message, finds the tipster and sends the acknowledgement.

export interface Answer {
  reference: string;
  statusKey: string;
  /** false: a retried post (same Idempotency-Key) answered from what the first one stored. */
  created: boolean;
}

export interface WebMeta {
  route: 'new' | 'followup' | 'honeypot';
  /** The answer given to a honeypot post (a reference no tip will ever have). */
  reference?: string;
}

/** An Idempotency-Key names one submission; the key itself is kept only as a hash. */
const externalIdFor = (idempotencyKey: string | undefined) =>
  idempotencyKey ? `idem:${createHash('sha256').update(idempotencyKey).digest('hex')}` : `form:${randomUUID()}`;

const store = <T>(deps: Deps, fn: (tx: Tx) => Promise<T>) =>
  // Photos can be megabytes: more than Prisma's default 5 s is honest work under load.
  deps.prisma.$transaction(fn, { maxWait: 10_000, timeout: 60_000 });

const sizeOf = (p: WebParams, photos: PhotoRow[]) => Buffer.byteLength(p.body) + photos.reduce((n, f) => n + f.size, 0);

/** The answer a stored post gave, for a retry with the same Idempotency-Key; null when there was none. */
export async function replay(deps: Deps, idempotencyKey: string, followUpKey?: string): Promise<Answer | null> {
  const rows = await deps.prisma.$queryRaw<{ reference: string | null; meta: WebMeta | null }[]>`
    SELECT t.reference, s.meta FROM submission s LEFT JOIN tip t ON t.id = s.tip_id
    WHERE s.channel = 'WEB'::"Channel" AND s.external_id = ${externalIdFor(idempotencyKey)}`;
  return rows[0] ? answerOf(rows[0], idempotencyKey, followUpKey) : null;
}

function answerOf(row: { reference: string | null; meta: WebMeta | null }, idempotencyKey: string, followUpKey?: string): Answer {
  const reference = row.reference ?? row.meta?.reference;
  if (!reference) throw new AppError('CONFLICT', 'This Idempotency-Key was used for a post that has no answer');
  return { reference, statusKey: followUpKey ?? statusKeyFromIdempotencyKey(idempotencyKey), created: false };
}

async function replayIn(tx: Tx, stored: Stored, idempotencyKey: string | undefined, followUpKey?: string): Promise<Answer> {
  const [row] = await tx.$queryRaw<{ reference: string | null; meta: WebMeta | null }[]>`
    SELECT t.reference, s.meta FROM submission s LEFT JOIN tip t ON t.id = s.tip_id WHERE s.id = ${stored.id}::uuid`;
  return answerOf(row, idempotencyKey!, followUpKey);
}

/** A new tip from the form. */
export async function acceptTip(deps: Deps, o: { params: WebParams; photos: PhotoRow[]; idempotencyKey?: string }): Promise<Answer> {
  const now = deps.clock.now();
  const externalId = externalIdFor(o.idempotencyKey);
  const statusKey = o.idempotencyKey ? statusKeyFromIdempotencyKey(o.idempotencyKey) : newStatusKey();
  const reserved = await reserveReference(deps.prisma, now, deps.config.TIMEZONE, externalId);
  return store(deps, async (tx) => {
    let answer: Answer | undefined;
    const meta: WebMeta = { route: 'new' };
    await storeSubmissionIn(
      tx,
      { channel: 'WEB', externalId, params: o.params, meta, sender: o.params.phone ?? o.params.email, sizeBytes: sizeOf(o.params, o.photos) },
      async (tx, s) => {
        if (!s.created) {
          answer = await replayIn(tx, s, o.idempotencyKey);
          return;
        }
        const reference = reserved ?? (await nextReference(tx, now, deps.config.TIMEZONE));
        const tipId = await insertReservedTip(tx, { reference, body: o.params.body, location: o.params.location, submissionId: s.id, now });
        for (const [index, photo] of o.photos.entries()) await insertPhoto(tx, { tipId, submissionId: s.id, index, photo, at: now });
        await tx.webStatusLink.create({ data: { keyHash: hashKey(statusKey), tipId, submissionId: s.id } });
        answer = { reference, statusKey, created: true };
      },
    );
    return answer!;
  });
}

/** A follow-up from the status page: text and photos for the tip the link was made for. */
export async function acceptFollowUp(
  deps: Deps,
  o: { statusKey: string; params: WebParams; photos: PhotoRow[]; idempotencyKey?: string },
): Promise<Answer> {
  const view = await statusByKey(deps.prisma, o.statusKey);
  if (!view) throw notFound();
  const externalId = externalIdFor(o.idempotencyKey);
  return store(deps, async (tx) => {
    let answer: Answer | undefined;
    const meta: WebMeta = { route: 'followup' };
    await storeSubmissionIn(tx, { channel: 'WEB', externalId, params: o.params, meta, sizeBytes: sizeOf(o.params, o.photos) }, async (tx, s) => {
      if (!s.created) {
        answer = await replayIn(tx, s, o.idempotencyKey, o.statusKey);
        return;
      }
      await tx.$executeRaw`UPDATE submission SET tip_id = ${view.tipId}::uuid WHERE id = ${s.id}::uuid`;
      for (const [index, photo] of o.photos.entries())
        await insertPhoto(tx, { tipId: view.tipId, submissionId: s.id, index, photo, at: deps.clock.now() });
      answer = { reference: view.reference, statusKey: o.statusKey, created: true };
    });
    return answer!;
  });
}

/**
 * A post that filled the honeypot: recorded as SKIPPED (editors can see a spam wave, and a
 * person whose browser autofilled the hidden field can be found), photos dropped, no tip and no
 * acknowledgement. The bot gets a 201 with a reference-shaped code no tip will have (numbers
 * from 90000 up) and a status link that opens nothing, so it learns nothing from the answer.
 */
export async function acceptHoneypot(deps: Deps, o: { params: Record<string, unknown>; idempotencyKey?: string; reason?: string }): Promise<Answer> {
  const reference = `T-${referenceDay(deps.clock.now(), deps.config.TIMEZONE)}-9${String(randomInt(10_000)).padStart(4, '0')}`;
  const statusKey = o.idempotencyKey ? statusKeyFromIdempotencyKey(o.idempotencyKey) : newStatusKey();
  return store(deps, async (tx) => {
    let answer: Answer = { reference, statusKey, created: true };
    const meta: WebMeta = { route: 'honeypot', reference };
    await storeSubmissionIn(
      tx,
      { channel: 'WEB', externalId: externalIdFor(o.idempotencyKey), params: o.params, meta, state: 'SKIPPED', lastError: o.reason ?? 'honeypot' },
      async (tx, s) => {
        if (!s.created) answer = await replayIn(tx, s, o.idempotencyKey);
      },
    );
    return answer;
  });
}

export const notFound = () => new AppError('NOT_FOUND', '页面不存在 / Not found');
