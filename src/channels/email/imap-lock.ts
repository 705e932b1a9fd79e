import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { tryAdvisoryLock } from './sql.js';

// Only one process polls a mailbox: the holder of a PostgreSQL session advisory lock. The
// others stand by and take over when the holder's database session ends.

/** A 64-bit advisory lock key per mailbox, stable across processes and versions. */
export function mailboxLockKey(sourceId: string): string {
  return createHash('sha256').update(`tipdesk:imap:${sourceId}`).digest().readBigInt64BE(0).toString();
}

export class MailboxLock {
  private conn: pg.Client | null = null;
  private held = false;

  constructor(
    private readonly o: {
      databaseUrl: string;
      sourceId: string;
      log: Logger;
      /** Called when the session holding the lock ends: the IMAP session must stop at once. */
      onLost: () => void;
    },
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** The database session of the lock (also used to store mail), while it is open. */
  get connection(): pg.Client | null {
    return this.conn;
  }

  async acquire(): Promise<boolean> {
    if (this.held && this.conn) return true;
    if (!this.conn) {
      // keepAlive: a database that vanished without closing the socket must not leave two pollers.
      const c = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'tipdesk-imap-lock', keepAlive: true });
      const lost = () => {
        if (this.conn !== c) return;
        this.conn = null;
        if (this.held) {
          this.held = false;
          this.o.log.warn('lost the database session holding the mailbox lock; standing by');
          this.o.onLost();
        }
      };
      c.on('error', lost);
      c.on('end', lost);
      await c.connect();
      this.conn = c;
    }
    this.held = await tryAdvisoryLock(this.conn, mailboxLockKey(this.o.sourceId));
    if (this.held) this.o.log.info('holding the mailbox lock: this process polls the mailbox');
    return this.held;
  }

  async release(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    this.held = false;
    // Ending the session releases the advisory lock; a stand-by worker takes over.
    await c?.end().catch(() => {});
  }
}
