import type { Db, Tx } from '../../db/prisma.js';
import { referenceDay } from '../../tips/reference.js';
import { detectLanguage, searchTextOf } from '../../tips/threading.js';

// Raw SQL of the web form: statements Prisma cannot say in one round trip.

/**
 * Counts one post from an address in a one-hour fixed window shared by every API process
 * (the rate_limit table the login throttle uses); true when over the limit. Committed without
 * waiting for the disk flush: a crash may forget a few counts, and no post waits for a flush
 * it does not need (the submission's own commit is durable).
 */
export async function overHourlyLimit(db: Db, key: string, max: number, now: Date): Promise<boolean> {
  const rows = await db.$queryRaw<{ count: number }[]>`
    INSERT INTO rate_limit (key, count, window_start)
    SELECT ${key}, 1, ${now}::timestamptz FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit.window_start < ${now}::timestamptz - interval '1 hour' THEN 1 ELSE rate_limit.count + 1 END,
      window_start = CASE WHEN rate_limit.window_start < ${now}::timestamptz - interval '1 hour' THEN ${now} ELSE rate_limit.window_start END
    RETURNING count`;
  return rows[0].count > max;
}

/**
 * Marks a proof-of-work challenge as spent (one use each); false when it was spent before.
 * Spent challenges older than their lifetime are cleared in the same statement.
 */
export async function spendChallenge(db: Db, key: string, now: Date, ttlSeconds: number): Promise<boolean> {
  const rows = await db.$queryRaw<{ key: string }[]>`
    WITH gone AS (
      DELETE FROM rate_limit WHERE key LIKE 'webpow:%' AND window_start < ${now}::timestamptz - make_interval(secs => ${ttlSeconds * 2}::float8))
    INSERT INTO rate_limit (key, count, window_start) VALUES (${key}, 1, ${now})
    ON CONFLICT (key) DO NOTHING RETURNING key`;
  return rows.length > 0;
}

/**
 * The day's next reference, taken in its own statement committed without waiting for the disk
 * flush (see preallocateReference in src/tips/routing.ts for why that is safe): bumping the
 * counter inside the intake transaction would serialize every web submission on one row.
 * None for a retried post whose first attempt is stored already.
 */
export async function reserveReference(db: Db, now: Date, timeZone: string, externalId: string): Promise<string | null> {
  const day = referenceDay(now, timeZone);
  const rows = await db.$queryRaw<{ last: number }[]>`
    INSERT INTO tip_reference_counter (day, last)
    SELECT ${day}, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
    WHERE NOT EXISTS (SELECT 1 FROM submission WHERE channel = 'WEB'::"Channel" AND external_id = ${externalId})
    ON CONFLICT (day) DO UPDATE SET last = tip_reference_counter.last + 1
    RETURNING last`;
  return rows[0] ? `T-${day}-${String(rows[0].last).padStart(4, '0')}` : null;
}

/** The tip row a web submission opens, linked to its submission in the same statement; the normalize job fills in the rest. */
export async function insertReservedTip(
  tx: Tx,
  o: { reference: string; body: string; location: string | null; submissionId: string; now: Date },
): Promise<string> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH t AS (
      INSERT INTO tip (reference, channel, body, location, language, search_text, created_at, last_activity_at)
      VALUES (${o.reference}, 'WEB'::"Channel", ${o.body}, ${o.location}, ${detectLanguage(o.body)},
              ${searchTextOf({ reference: o.reference, body: o.body, location: o.location })}, ${o.now}::timestamptz, ${o.now}::timestamptz)
      RETURNING id),
    linked AS (UPDATE submission SET tip_id = (SELECT id FROM t) WHERE id = ${o.submissionId}::uuid)
    SELECT id::text FROM t`;
  return rows[0].id;
}

export interface PhotoRow {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  data: Buffer;
}

/**
 * A photo's attachment row and its bytes in one statement (its message is set by the normalize
 * job). The n-th photo is dated n ms after the post, so the dashboard lists them in upload order.
 */
export async function insertPhoto(tx: Tx, o: { tipId: string; submissionId: string; index: number; photo: PhotoRow; at: Date }): Promise<void> {
  const p = o.photo;
  const at = new Date(o.at.getTime() + o.index);
  await tx.$executeRaw`
    WITH a AS (
      INSERT INTO attachment (tip_id, submission_id, filename, content_type, size, sha256, kind, source_key, state, dangerous, created_at)
      VALUES (${o.tipId}::uuid, ${o.submissionId}::uuid, ${p.filename}, ${p.contentType}, ${p.size}::int, ${p.sha256}, 'image',
              ${`photo:${o.index}`}, 'STORED'::"AttachmentState", false, ${at}::timestamptz)
      RETURNING id)
    INSERT INTO attachment_blob (attachment_id, data) SELECT id, ${p.data} FROM a`;
}

/** What a status link opens: the tip it was made for, followed to a merge survivor. */
export async function tipByStatusKey(db: Tx, keyHash: string) {
  const rows = await db.$queryRaw<{ tipId: string; reference: string; createdAt: Date; status: string; survivorStatus: string | null }[]>`
    SELECT t.id::text AS "tipId", t.reference, t.created_at AS "createdAt", t.status::text AS status,
      (WITH RECURSIVE chain(id, merged_into_id, status, depth) AS (
         SELECT id, merged_into_id, status, 0 FROM tip WHERE id = t.merged_into_id
         UNION ALL
         SELECT n.id, n.merged_into_id, n.status, c.depth + 1 FROM tip n JOIN chain c ON n.id = c.merged_into_id WHERE c.depth < 10)
       SELECT status::text FROM chain WHERE merged_into_id IS NULL LIMIT 1) AS "survivorStatus"
    FROM web_status_link l JOIN tip t ON t.id = l.tip_id
    WHERE l.key_hash = ${keyHash}`;
  return rows[0] ?? null;
}
