import type pg from 'pg';
import type { Db, Tx } from '../../db/prisma.js';
import { MAX_PHOTOS } from './web.schema.js';

// Raw SQL of the web form: statements Prisma cannot say in one round trip.

/**
 * Counts one post from an address in a one-hour fixed window shared by every API process
 * (the rate_limit table the login throttle uses); true when over the limit. Committed without
 * waiting for the disk flush: a crash may forget a few counts, and no post waits for a flush
 * it does not need (the submission's own commit is durable). On `pg` as a named statement,
 * like the post's own: it runs for every post, and through Prisma it cost more CPU than the
 * round trip itself.
 */
export async function overHourlyLimit(pool: pg.Pool, key: string, max: number, now: Date): Promise<boolean> {
  const result = await pool.query<{ count: number }>({
    name: 'web_rate_limit',
    text: `INSERT INTO rate_limit (key, count, window_start)
      SELECT $1, 1, $2::timestamptz FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit.window_start < $2::timestamptz - interval '1 hour' THEN 1 ELSE rate_limit.count + 1 END,
        window_start = CASE WHEN rate_limit.window_start < $2::timestamptz - interval '1 hour' THEN $2::timestamptz ELSE rate_limit.window_start END
      RETURNING count`,
    values: [key, now.toISOString()],
  });
  return result.rows[0].count > max;
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

export interface PhotoRow {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  data: Buffer;
}

export interface AcceptWebParams {
  externalId: string;
  params: unknown;
  sender: string | null;
  sizeBytes: number;
  blockHashes: string[];
  decoy: string;
  /** A follow-up's tip; null: a new tip. */
  tipId: string | null;
  body: string;
  location: string | null;
  language: string;
  statusKeyHash: string | null;
  photos: PhotoRow[];
  now: Date;
  day: string;
  jobKind: string;
  jobMaxAttempts: number;
}

export interface AcceptWebRow {
  submission_id: string;
  created: boolean;
  reference: string | null;
  tip_id: string | null;
  meta: { route?: string; reference?: string } | null;
}

/**
 * The call for a post with n photos: each photo's bytes are their own parameter (after the
 * FIXED_PARAMS others: $20, $21, ...),
 * gathered into intake_accept_web's bytea[] by the server. node-postgres sends a Buffer parameter
 * as binary, as it is; an array of Buffers it would send as one text literal with every byte
 * written out in hex (twice the size, encoded here and parsed by the server).
 */
const FIXED_PARAMS = 19;
function acceptWebText(n: number): string {
  const photos = Array.from({ length: n }, (_, i) => `$${FIXED_PARAMS + 1 + i}::bytea`).join(', ');
  return `SELECT submission_id::text, created, reference, tip_id::text, meta
      FROM intake_accept_web($1, $2::jsonb, $3, $4::int, $5::text[], $6, $7::uuid, $8, $9, $10, $11,
        $12::text[], $13::text[], $14::int[], $15::text[], ARRAY[${photos}]::bytea[], $16::timestamptz, $17, $18, $19::int)`;
}

/** One text per photo count (0 to MAX_PHOTOS), each a named statement: parsed and planned once per connection. */
const ACCEPT_WEB = Array.from({ length: MAX_PHOTOS + 1 }, (_, n) => ({ name: `intake_accept_web_${n}`, text: acceptWebText(n) }));

/**
 * A web post in one round trip and one transaction (the stored function intake_accept_web, from
 * prisma/migrations/20261202113000_intake_fast_path_channels), committed durably before it returns.
 */
export async function acceptWebStatement(pool: pg.Pool, p: AcceptWebParams): Promise<AcceptWebRow> {
  const statement = ACCEPT_WEB[p.photos.length];
  if (!statement) throw new Error(`a web post has at most ${MAX_PHOTOS} photos (got ${p.photos.length})`);
  const result = await pool.query<AcceptWebRow>({
    ...statement,
    values: [
      p.externalId,
      JSON.stringify(p.params),
      p.sender,
      p.sizeBytes,
      p.blockHashes,
      p.decoy,
      p.tipId,
      p.body,
      p.location,
      p.language,
      p.statusKeyHash,
      p.photos.map((f) => f.filename),
      p.photos.map((f) => f.contentType),
      p.photos.map((f) => f.size),
      p.photos.map((f) => f.sha256),
      p.now.toISOString(),
      p.day,
      p.jobKind,
      p.jobMaxAttempts,
      ...p.photos.map((f) => f.data),
    ],
  });
  const row = result.rows[0];
  if (!row) throw new Error(`web submission ${p.externalId} vanished during the store`);
  return row;
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
