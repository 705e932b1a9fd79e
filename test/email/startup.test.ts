import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/lifecycle/runtime.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startDovecot, type Dovecot } from '../support/dovecot.js';
import { baseTestEnv } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { buildMail, TEXT, uniqueId } from './fixtures.js';

// The worker process as started from workers/: email intake is a service of it exactly when
// IMAP_HOST, IMAP_USER and IMAP_PASSWORD are set, and start-up says which in one line.

let db: TestDatabase;
let dovecot: Dovecot;
beforeAll(async () => {
  db = await createTestDatabase();
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.close();
  await db?.drop();
});

describe('worker start-up', () => {
  it('says email intake is off without IMAP settings, and on (and working) with them', async () => {
    const env = { ...baseTestEnv, LOG_LEVEL: 'silent', DATABASE_URL: db.url, ADMIN_PASSWORD: 'a long enough password' };
    const offLines: string[] = [];
    const off = await run({ api: false, worker: true, env, say: (l) => offLines.push(l) });
    await off.stop();
    expect(offLines.filter((l) => l.startsWith('Email intake'))).toEqual([
      'Email intake: off (set IMAP_HOST, IMAP_USER and IMAP_PASSWORD to turn it on)',
    ]);

    const onLines: string[] = [];
    const on = await run({ api: false, worker: true, env: { ...env, ...dovecot.env() }, say: (l) => onLines.push(l) });
    try {
      expect(onLines.filter((l) => l.startsWith('Email intake'))).toEqual([`Email intake: on (${dovecot.user}@127.0.0.1/INBOX)`]);
      const id = uniqueId('startup');
      await dovecot.append(buildMail({ messageId: id, subject: '启动', text: TEXT.clinic }));
      const msg = await waitFor(() => on.deps.prisma.message.findFirst({ where: { emailMessageId: id }, include: { tip: true } }), 20_000);
      expect(msg.tip.subject).toBe('启动');
    } finally {
      await on.stop();
    }
  });
});
