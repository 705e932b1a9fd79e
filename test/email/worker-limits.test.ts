import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { buildMail, TEXT, tinyJpeg, uniqueId } from './fixtures.js';
import { flagsOf, messageFor, startRig, submissionFor, type EmailRig } from './support.js';

// Messages the worker must not choke on: too big, big enough to be streamed, and one the
// server cannot even send (a poison message), followed by good mail that must still arrive.

const LIMIT = 200_000;
let rig: EmailRig;
beforeAll(async () => {
  // A small limit keeps the test fast; messages over 50 kB take the streamed download path.
  rig = await startRig({ env: { IMAP_MAX_MESSAGE_BYTES: String(LIMIT) }, imap: { smallMessageBytes: 50_000 } });
});
afterAll(async () => rig?.close());

const sourceId = () => rig.imap!.sourceId;
const photo = (bytes: number) => Buffer.concat([tinyJpeg('big'), randomBytes(bytes)]);

describe('size limits and poison', () => {
  it('records an oversized message with the reason, without its body, and moves on', async () => {
    const id = uniqueId('huge');
    const uid = await rig.dovecot.append(
      buildMail({
        messageId: id,
        from: 'big@163.com',
        subject: '超大邮件',
        parts: [
          { contentType: 'text/plain', charset: 'utf-8', body: TEXT.leak },
          { contentType: 'image/jpeg', body: photo(LIMIT), filename: 'IMG_0001.jpg' },
        ],
      }),
    );
    const next = uniqueId('after-huge');
    await rig.dovecot.append(buildMail({ messageId: next, subject: '正常邮件', text: TEXT.clinic }));
    const sub = await submissionFor(rig.deps, id);
    expect(sub.state).toBe('QUARANTINED');
    expect(sub.raw).toBeNull();
    expect(sub.sender).toBe('big@163.com');
    expect(sub.sizeBytes).toBeGreaterThan(LIMIT);
    expect(sub.lastError).toMatch(/over the 0\.2 MB limit \(IMAP_MAX_MESSAGE_BYTES\)/);
    expect(sub.meta).toMatchObject({ subject: '超大邮件', uid });
    // Flagged, so neither people nor the worker take it for new mail; the next message got through.
    await waitFor(async () => (await flagsOf(rig.dovecot, uid))?.includes('\\Seen'));
    await messageFor(rig.deps, next);
    // Editors see it in the quarantine list.
    const { userWithToken } = await import('../support/builders.js');
    const editor = await userWithToken(rig.deps, rig.h.baseUrl, 'EDITOR');
    const list = (await (await fetch(`${rig.h.baseUrl}/api/submissions?state=QUARANTINED`, { headers: editor.auth })).json()) as {
      submissions: { externalId: string; lastError: string }[];
    };
    expect(list.submissions.find((s) => s.externalId === id)?.lastError).toContain('IMAP_MAX_MESSAGE_BYTES');
  });

  it('streams a large message under the limit and makes a tip with its photo', async () => {
    const id = uniqueId('large');
    const image = photo(120_000);
    await rig.dovecot.append(
      buildMail({
        messageId: id,
        subject: '大照片',
        parts: [
          { contentType: 'text/plain', charset: 'utf-8', body: '见照片。' },
          { contentType: 'image/jpeg', body: image, filename: '现场.jpg' },
        ],
      }),
    );
    const msg = await messageFor(rig.deps, id);
    expect(msg.attachments[0]).toMatchObject({ filename: '现场.jpg', size: image.length, state: 'STORED' });
    expect(Buffer.from(msg.attachments[0].blob!.data).equals(image)).toBe(true);
  });

  it('quarantines a message the server cannot send and still delivers the good ones after it', async () => {
    await rig.stopImap();
    const bad = uniqueId('poison');
    const badUid = await rig.dovecot.append(buildMail({ messageId: bad, subject: '坏邮件', text: TEXT.leak }));
    // The stored file becomes unreadable: every FETCH of it makes Dovecot drop the connection.
    expect(rig.dovecot.makeUnreadable(bad)).toBe(1);
    const good: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = uniqueId(`good${i}`);
      good.push(id);
      await rig.dovecot.append(buildMail({ messageId: id, subject: `好邮件 ${i}`, text: TEXT.parking }));
    }
    await rig.startImap();
    for (const id of good) await messageFor(rig.deps, id, 30_000);
    const q = await waitFor(
      () => rig.deps.prisma.submission.findFirst({ where: { externalId: { startsWith: `imap:${sourceId()}:` }, state: 'QUARANTINED' } }),
      10_000,
    );
    expect(q.lastError).toContain(`UID ${badUid}`);
    expect(q.meta).toMatchObject({ uid: badUid });
    const cursor = await rig.deps.prisma.mailboxCursor.findUniqueOrThrow({ where: { mailbox: sourceId() } });
    expect(Number(cursor.lastUid)).toBeGreaterThan(badUid);
    const source = await rig.deps.prisma.intakeSource.findUniqueOrThrow({ where: { id: sourceId() } });
    expect(source.quarantined).toBe(2); // the oversized message and this one
    expect(source.lastError).toBeTruthy();
  });
});
