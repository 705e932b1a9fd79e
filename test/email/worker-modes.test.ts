import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapWorker } from '../../src/channels/email/imap-worker.js';
import { waitFor } from '../support/wait.js';
import { buildMail, TEXT, uniqueId } from './fixtures.js';
import { messageFor, startRig, type EmailRig } from './support.js';

// A server without IDLE (the worker polls), processed mail moved to a folder, and several
// worker processes on one mailbox (one polls, the others stand by and take over).

let rig: EmailRig;
beforeAll(async () => {
  rig = await startRig({ dovecot: { idle: false }, env: { IMAP_PROCESSED_MAILBOX: 'Processed', IMAP_POLL_SECONDS: '1' } });
});
afterAll(async () => rig?.close());

describe('polling, moving and taking turns', () => {
  it('polls a server without IDLE and moves processed mail to IMAP_PROCESSED_MAILBOX', async () => {
    const c = await rig.dovecot.client();
    expect(c.capabilities.has('IDLE')).toBe(false);
    await c.logout();
    const id = uniqueId('poll');
    await rig.dovecot.append(buildMail({ messageId: id, subject: '轮询', text: TEXT.clinic }));
    await messageFor(rig.deps, id);
    await waitFor(async () => (await rig.dovecot.messages('Processed')).some((m) => m.messageId === id), 15_000, 'the move');
    expect((await rig.dovecot.messages('INBOX')).some((m) => m.messageId === id)).toBe(false);
  });

  it('lets one worker poll a mailbox while another stands by and takes over when it stops', async () => {
    const first = rig.imap!;
    const second = new ImapWorker({ deps: rig.deps, standbyMs: 200, backoffBaseMs: 200 });
    await second.start();
    try {
      await waitFor(async () => second.state === 'standby', 5000, 'stand-by');
      expect(first.state).not.toBe('standby');
      const a = uniqueId('turn-a');
      await rig.dovecot.append(buildMail({ messageId: a, subject: '第一台', text: TEXT.parking }));
      await messageFor(rig.deps, a);
      expect(second.state).toBe('standby');

      await rig.stopImap(); // the holder stops: its database session (and lock) ends
      await waitFor(async () => second.state === 'active', 10_000, 'take-over');
      const b = uniqueId('turn-b');
      await rig.dovecot.append(buildMail({ messageId: b, subject: '第二台', text: TEXT.leak }));
      await messageFor(rig.deps, b);
      expect(await rig.deps.prisma.submission.count({ where: { externalId: { in: [a, b] } } })).toBe(2);
    } finally {
      await second.stop();
    }
  });
});
