import { ImapFlow } from 'imapflow';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { ownAddresses } from './email.ack.js';
import { sequenceSet } from './imap-fetch-plan.js';

// The IMAP client and the mailbox commands the poller sends besides fetching.
//
// imapflow deadlocks if a command is issued while a fetch() iterator is open, so the poller
// only uses fetchAll()/download(), which finish before the next command is sent.

export const IMAP_CLIENT_NAME = 'Tipdesk';
const IMAP_CLIENT_VERSION = '0.1.0';

export function newImapClient(c: Config): ImapFlow {
  const supportEmail = ownAddresses(c)[0];
  return new ImapFlow({
    host: c.IMAP_HOST!,
    port: c.IMAP_PORT,
    secure: c.IMAP_SECURE,
    auth: { user: c.IMAP_USER!, pass: c.IMAP_PASSWORD! },
    // 163.com and other NetEase hosts refuse SELECT ("Unsafe Login") from a client that has not sent ID.
    clientInfo: {
      name: IMAP_CLIENT_NAME,
      version: IMAP_CLIENT_VERSION,
      vendor: IMAP_CLIENT_NAME,
      ...(supportEmail ? { 'support-email': supportEmail } : {}),
    },
    tls: { rejectUnauthorized: c.IMAP_TLS_REJECT_UNAUTHORIZED },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 10 * 60_000,
  });
}

/** Creates the folder processed mail is moved to, when it does not exist yet. */
export async function ensureMailbox(client: ImapFlow, path: string, log: Logger): Promise<void> {
  const list = await client.list();
  if (!list.some((m) => m.path === path)) {
    await client.mailboxCreate(path).catch((err: Error) => log.warn({ err: err.message, path }, 'could not create the processed-mail folder'));
  }
}

/** Moves processed mail to `target` (IMAP_PROCESSED_MAILBOX), or flags it \Seen. */
export async function markDone(client: ImapFlow, uids: number[], target: string | undefined, log: Logger): Promise<void> {
  if (!uids.length) return;
  const set = sequenceSet(uids);
  if (target) {
    const moved = await client.messageMove(set, target, { uid: true });
    if (moved) return;
    log.warn({ target }, 'could not move processed mail; flagging it \\Seen instead');
  }
  await client.messageFlagsAdd(set, ['\\Seen'], { uid: true });
}

/** An IMAP or database error as one short line (the server's response text included). */
export function describeError(err: unknown): string {
  const e = err as { message?: string; responseText?: string; code?: string };
  const text = [e?.message, e?.responseText && e.responseText !== e.message ? e.responseText : null].filter(Boolean).join(': ');
  return (text || String(err)).slice(0, 500);
}
