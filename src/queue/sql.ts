import type pg from 'pg';
import type { Db, Tx } from '../db/prisma.js';
import type { EnqueueOptions } from './job.js';

// Every SQL statement of the queue, one function each: raw SQL because Prisma can't say
// SKIP LOCKED claims, CTE updates or NOTIFY. Statements that take a Prisma client run in the caller's
// connection or transaction; those that take a pg.Pool run on the worker's own connections,
// which commit with synchronous_commit=off (see Worker.start()).

/** The LISTEN/NOTIFY channel that wakes idle workers. */
export const JOB_CHANNEL = 'tipdesk_jobs';

export interface ClaimedRow {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  /** Higher runs first: the worker starts the jobs it holds in this order. */
  priority: number;
  /** It has a unique key: its row is kept as COMPLETED (for JOB_RETENTION_HOURS), not deleted. */
  keyed: boolean;
}

/** A finished job as its completion needs it. */
export interface Finished {
  id: string;
  keyed: boolean;
}

/**
 * A completed job is deleted unless it has a unique key: nothing reads a finished job's row but the
 * key's dedupe (a second enqueue with the key stays a no-op while the row exists), and a DELETE
 * writes no index entry where an UPDATE to COMPLETED writes two (docs/database.md#the-job-table).
 */
function splitFinished(finished: Finished[]): [drop: string[], keep: string[]] {
  const drop: string[] = [];
  const keep: string[] = [];
  for (const f of finished) (f.keyed ? keep : drop).push(f.id);
  return [drop, keep];
}

/** Inserts one job (unless its unique key exists) and announces it, in one round trip. */
export async function insertJob(tx: Tx, kind: string, payload: unknown, opts: EnqueueOptions = {}): Promise<string | null> {
  const delay = opts.runAt ? null : (opts.delaySeconds ?? 0);
  // The NOTIFY rides in the INSERT's statement, only when a row was inserted, and is
  // delivered on commit, never for a rolled-back job.
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH ins AS (
      INSERT INTO job (kind, payload, run_at, max_attempts, priority, unique_key)
      VALUES (${kind}, ${JSON.stringify(payload ?? {})}::jsonb,
              COALESCE(${opts.runAt ?? null}::timestamptz, now() + make_interval(secs => ${delay ?? 0}::float8)),
              ${opts.maxAttempts ?? 0}::int, ${opts.priority ?? 0}::int, ${opts.uniqueKey ?? null})
      ON CONFLICT (unique_key) DO NOTHING
      RETURNING id::text AS id)
    SELECT id, pg_notify(${JOB_CHANNEL}, ${kind})::text AS notified FROM ins`;
  return rows[0]?.id ?? null;
}

/** Wakes every listening worker; `reason` is the notification's payload. */
export async function notifyWorkers(db: Tx, reason: string): Promise<void> {
  await db.$executeRaw`SELECT pg_notify(${JOB_CHANNEL}, ${reason})`;
}

/** Wakes every listening worker once per kind, in one statement (JobWakeups; after the jobs committed). */
export async function notifyKinds(pool: pg.Pool, kinds: string[]): Promise<void> {
  await pool.query(`SELECT pg_notify($1, k) FROM unnest($2::text[]) AS k`, [JOB_CHANNEL, kinds]);
}

/** Subscribes a worker's listener connection to the job channel. */
export async function listenForJobs(client: pg.Client): Promise<void> {
  await client.query(`LISTEN ${JOB_CHANNEL}`);
}

/**
 * Records the worker's finished jobs (deleted, or COMPLETED if keyed) and claims up to `limit` due
 * jobs of its kinds, in one statement. A job enqueued without maxAttempts gets its kind's (maxes[i] for kinds[i]).
 */
export async function completeAndClaimJobs(
  pool: pg.Pool,
  p: { completed: Finished[]; workerId: string; kinds: string[]; maxes: number[]; limit: number; leaseSeconds: number },
): Promise<ClaimedRow[]> {
  const [drop, keep] = splitFinished(p.completed);
  // The claimed rows are updated through `id = ANY(ARRAY(…))`, an index lookup per row: joined to
  // the CTE instead, the planner hashed the whole job table for every claim (about half its time).
  // That lookup returns the rows in id order, not the claim's: they are sorted again on the way out,
  // so the worker starts the claimed jobs in priority order.
  const result = await pool.query<ClaimedRow>(
    `WITH dropped AS (
      DELETE FROM job WHERE id = ANY($1::uuid[]) AND locked_by = $2 AND state = 'RUNNING'),
    kept AS (
      UPDATE job SET state = 'COMPLETED', finished_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL
      WHERE id = ANY($7::uuid[]) AND locked_by = $2 AND state = 'RUNNING'),
    next AS (
      SELECT id FROM job
      WHERE state = 'QUEUED' AND run_at <= now() AND kind = ANY($3::text[])
      ORDER BY priority DESC, run_at
      LIMIT $4::int
      FOR UPDATE SKIP LOCKED),
    claimed AS (
      UPDATE job j SET state = 'RUNNING', attempts = j.attempts + 1, locked_by = $2,
        locked_until = now() + make_interval(secs => $5::float8), started_at = now(),
        max_attempts = CASE WHEN j.max_attempts > 0 THEN j.max_attempts
          ELSE (SELECT k.m FROM unnest($3::text[], $6::int[]) AS k(kind, m) WHERE k.kind = j.kind) END
      WHERE j.id = ANY(ARRAY(SELECT id FROM next))
      RETURNING j.id::text AS id, j.kind, j.payload, j.attempts, j.max_attempts, j.priority, j.run_at, j.unique_key IS NOT NULL AS keyed)
    SELECT id, kind, payload, attempts, max_attempts, priority, keyed FROM claimed ORDER BY priority DESC, run_at`,
    [drop, p.workerId, p.kinds, p.limit, p.leaseSeconds, p.maxes, keep],
  );
  return result.rows;
}

/** Records finished jobs (deleted, or COMPLETED if keyed) without claiming, in one statement. */
export async function completeJobs(pool: pg.Pool, finished: Finished[], workerId: string): Promise<void> {
  const [drop, keep] = splitFinished(finished);
  await pool.query(
    `WITH dropped AS (
      DELETE FROM job WHERE id = ANY($1::uuid[]) AND locked_by = $2 AND state = 'RUNNING')
    UPDATE job SET state = 'COMPLETED', finished_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL
    WHERE id = ANY($3::uuid[]) AND locked_by = $2 AND state = 'RUNNING'`,
    [drop, workerId, keep],
  );
}

/** Extends running jobs' leases while their worker still holds them. */
export async function renewLeases(pool: pg.Pool, ids: string[], workerId: string, leaseSeconds: number): Promise<void> {
  await pool.query(
    `UPDATE job SET locked_until = now() + make_interval(secs => $1::float8) WHERE id = ANY($2::uuid[]) AND locked_by = $3 AND state = 'RUNNING'`,
    [leaseSeconds, ids, workerId],
  );
}

/** A failed attempt: DEAD for good, or QUEUED again after `delaySeconds`. */
export async function recordFailure(
  pool: pg.Pool,
  p: { id: string; workerId: string; dead: boolean; error: string; delaySeconds: number },
): Promise<void> {
  await pool.query(
    `UPDATE job SET state = $1::"JobState", last_error = $2, locked_by = NULL, locked_until = NULL,
       run_at = CASE WHEN $3::boolean THEN run_at ELSE now() + make_interval(secs => $4::float8) END,
       finished_at = CASE WHEN $3::boolean THEN now() ELSE NULL END
     WHERE id = $5::uuid AND locked_by = $6`,
    [p.dead ? 'DEAD' : 'QUEUED', p.error, p.dead, p.delaySeconds, p.id, p.workerId],
  );
}

/** Hands running jobs back to the queue at once, their attempt not counted (a stopping worker). */
export async function releaseJobs(db: Db, ids: string[], workerId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE job SET state = 'QUEUED', locked_by = NULL, locked_until = NULL, attempts = GREATEST(attempts - 1, 0), run_at = now()
    WHERE id = ANY(${ids}::uuid[]) AND locked_by = ${workerId} AND state = 'RUNNING'`;
}

/** Jobs whose lease expired (their worker died) go back to the queue, or die on their last attempt. */
export async function recoverExpiredLeases(db: Db): Promise<number> {
  return db.$executeRaw`
    UPDATE job SET
      state = CASE WHEN max_attempts > 0 AND attempts >= max_attempts THEN 'DEAD'::"JobState" ELSE 'QUEUED'::"JobState" END,
      last_error = left('lease expired: worker ' || COALESCE(locked_by, '?') || ' stopped responding' || COALESCE(E'\n' || last_error, ''), 2000),
      finished_at = CASE WHEN max_attempts > 0 AND attempts >= max_attempts THEN now() ELSE NULL END,
      locked_by = NULL, locked_until = NULL, run_at = now()
    WHERE state = 'RUNNING' AND locked_until < now()`;
}

/** Deletes up to 5,000 completed jobs (the keyed ones, kept for their key) finished more than `retentionHours` ago. */
export async function pruneCompletedJobs(db: Db, retentionHours: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM job WHERE id IN (
      SELECT id FROM job WHERE state = 'COMPLETED'
        AND finished_at < now() - make_interval(hours => ${retentionHours}::int)
      LIMIT 5000)`;
}

/** A dead job gets a fresh set of attempts and runs now; returns the rows changed (0: no such dead job). */
export async function requeueDeadJob(db: Db, id: string): Promise<number> {
  return db.$executeRaw`
    UPDATE job SET state = 'QUEUED', attempts = 0, run_at = now(), finished_at = NULL, locked_by = NULL, locked_until = NULL
    WHERE id = ${id}::uuid AND state = 'DEAD'`;
}

/** How many jobs are in each state (states without jobs are absent). */
export async function countJobsByState(db: Db): Promise<{ state: string; n: bigint }[]> {
  return db.$queryRaw<{ state: string; n: bigint }[]>`SELECT state::text, count(*) AS n FROM job GROUP BY state`;
}
