import type { Deps } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { upsertMailboxCursor } from './sql.js';

// The mailbox cursor: UIDVALIDITY and the last UID stored. Everything above it is new mail.

/** What the cursor says about the open mailbox: where to start, and why from the beginning. */
export type CursorStart = { lastUid: number; reset: null } | { lastUid: 0; reset: 'new' | 'uidvalidity-changed' };

/** Decodes a stored cursor against the mailbox's current UIDVALIDITY. */
export function cursorStart(stored: { uidValidity: bigint; lastUid: bigint } | null, uidValidity: bigint): CursorStart {
  if (stored && stored.uidValidity === uidValidity) return { lastUid: Number(stored.lastUid), reset: null };
  return { lastUid: 0, reset: stored ? 'uidvalidity-changed' : 'new' };
}

/** The UID SEARCH range of everything above the cursor. */
export function searchRange(lastUid: number): string {
  return `${lastUid + 1}:*`;
}

/** The new UIDs of a UID SEARCH answer, oldest first: "N:*" also matches the highest UID when it is below N. */
export function uidsAbove(found: number[], lastUid: number): number[] {
  return found.filter((u) => u > lastUid).sort((a, b) => a - b);
}

/** The cursor after a batch: its highest UID (every UID of the batch is stored or recorded). */
export function cursorAfter(batchUids: number[]): number {
  return Math.max(...batchUids);
}

export async function loadCursor(db: Deps['prisma'], mailbox: string, uidValidity: bigint, log: Logger): Promise<number> {
  const stored = await db.mailboxCursor.findUnique({ where: { mailbox } });
  const start = cursorStart(stored, uidValidity);
  if (start.reset === null) return start.lastUid;
  if (start.reset === 'uidvalidity-changed') {
    // Every UID changed meaning: start again from the first message; the Submission unique
    // key recognises what was stored before, so nothing becomes a second tip.
    log.warn({ was: stored!.uidValidity.toString(), now: uidValidity.toString() }, 'UIDVALIDITY changed; resynchronising the whole mailbox');
  }
  await saveCursor(db, mailbox, uidValidity, 0);
  return 0;
}

export async function saveCursor(db: Pick<Deps['prisma'], '$executeRaw'>, mailbox: string, uidValidity: bigint, lastUid: number): Promise<void> {
  await upsertMailboxCursor(db, mailbox, uidValidity, lastUid);
}
