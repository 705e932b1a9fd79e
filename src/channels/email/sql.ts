import type pg from 'pg';
import type { Deps } from '../../deps.js';

// The IMAP poller's raw SQL: the session advisory lock (Prisma has no way to hold one on a
// connection of its own) and the cursor upsert.

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
