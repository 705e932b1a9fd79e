import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { buildMail, TEXT, uniqueId } from './fixtures.js';
import { flagsOf, messageFor, spawnEmailWorker, startRig, submissionFor, type EmailRig } from './support.js';

// The mailbox worker against a real Dovecot when things go wrong: duplicates, other mail
// clients, outages, a crash at the worst moment, dropped connections, UIDVALIDITY changes.

let rig: EmailRig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => rig?.close());

const cursor = () =>
  rig.deps.prisma.mailboxCursor.findUniqueOrThrow({ where: { mailbox: rig.imap?.sourceId ?? `imap:${rig.dovecot.user}@127.0.0.1/INBOX` } });
const source = () => rig.deps.prisma.intakeSource.findUniqueOrThrow({ where: { id: `imap:${rig.dovecot.user}@127.0.0.1/INBOX` } });
const seen = (uid: number) => waitFor(async () => (await flagsOf(rig.dovecot, uid))?.includes('\\Seen'), 20_000, `\\Seen on UID ${uid}`);

describe('mailbox worker', () => {
  it('stores the same message appended twice once, makes one tip and flags both copies', async () => {
    const id = uniqueId('twice');
    const raw = buildMail({ messageId: id, subject: '同一封邮件', text: TEXT.parking });
    const before = await source().catch(() => ({ duplicates: 0 }));
    const a = await rig.dovecot.append(raw);
    const b = await rig.dovecot.append(raw);
    await seen(a);
    await seen(b);
    await messageFor(rig.deps, id);
    expect(await rig.deps.prisma.submission.count({ where: { externalId: id } })).toBe(1);
    expect(await rig.deps.prisma.message.count({ where: { emailMessageId: id } })).toBe(1);
    expect((await source()).duplicates).toBe(before.duplicates + 1);
  });

  it('still makes a tip of mail another client already read (flagged \\Seen)', async () => {
    await rig.stopImap();
    const id = uniqueId('read');
    await rig.dovecot.append(buildMail({ messageId: id, subject: '已读邮件', text: TEXT.clinic }), { flags: ['\\Seen'] });
    const id2 = uniqueId('read2');
    const uid2 = await rig.dovecot.append(buildMail({ messageId: id2, subject: '后来被读', text: TEXT.leak }));
    await rig.dovecot.addFlags(uid2, ['\\Seen']);
    await rig.startImap();
    expect((await messageFor(rig.deps, id)).tip.subject).toBe('已读邮件');
    expect((await messageFor(rig.deps, id2)).tip.subject).toBe('后来被读');
  });

  it('backfills everything above its cursor after a long outage, whatever the dates', async () => {
    await rig.stopImap();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = uniqueId(`old${i}`);
      ids.push(id);
      // Internal dates years back: nothing depends on a date window.
      await rig.dovecot.append(buildMail({ messageId: id, subject: `积压 ${i}`, text: TEXT.parking, date: new Date('2021-01-0' + (i + 1)) }), {
        flags: i % 2 ? ['\\Seen'] : [],
      });
    }
    await rig.startImap();
    for (const id of ids) await messageFor(rig.deps, id);
  });

  it('drains a backlog in many batches, each downloaded while the one before is stored, in UID order, once each', async () => {
    await rig.stopImap();
    const ids: string[] = [];
    const uids: number[] = [];
    for (let i = 0; i < 7; i++) {
      const id = uniqueId(`pipe${i}`);
      ids.push(id);
      uids.push(await rig.dovecot.append(buildMail({ messageId: id, subject: `流水线 ${i}`, text: TEXT.parking })));
    }
    // One message per batch; the store of the fourth fails once after it committed (before its
    // flag): the session ends with the fifth already downloaded, and the next one starts over from the cursor.
    const order: number[] = [];
    let failed = false;
    await rig.startImap({
      batchBytes: 1,
      hooks: {
        afterStore: (uid) => {
          order.push(uid);
          if (uid === uids[3] && !failed) {
            failed = true;
            throw new Error('test: failure between storing and flagging');
          }
        },
      },
    });
    for (const uid of uids) await seen(uid);
    for (const id of ids) await messageFor(rig.deps, id);
    expect(order.filter((u) => uids.includes(u))).toEqual([...uids.slice(0, 4), ...uids.slice(3)]);
    expect((await cursor()).lastUid).toBeGreaterThanOrEqual(BigInt(uids[6]));
    expect(await rig.deps.prisma.submission.count({ where: { externalId: { in: ids } } })).toBe(7);
    expect(await rig.deps.prisma.message.count({ where: { emailMessageId: { in: ids } } })).toBe(7);
  });

  it('makes exactly one tip when the worker process is killed between storing and flagging', async () => {
    await rig.stopImap();
    const id = uniqueId('crash');
    const uid = await rig.dovecot.append(buildMail({ messageId: id, subject: '进程崩溃', text: TEXT.leak }));
    const before = await cursor();
    const child = spawnEmailWorker({ ...rig.env, EMAIL_CHILD_CRASH_AFTER_STORE: '1' });
    const end = await child.exited;
    expect(end.signal, child.output()).toBe('SIGKILL');
    // Stored, not flagged, cursor not moved: the crash came at the worst moment.
    await submissionFor(rig.deps, id, ['RECEIVED', 'PROCESSED']);
    expect(await flagsOf(rig.dovecot, uid)).not.toContain('\\Seen');
    expect((await cursor()).lastUid).toBe(before.lastUid);

    await rig.startImap();
    await seen(uid);
    await messageFor(rig.deps, id);
    expect((await cursor()).lastUid).toBeGreaterThanOrEqual(BigInt(uid));
    expect(await rig.deps.prisma.submission.count({ where: { externalId: id } })).toBe(1);
    expect(await rig.deps.prisma.tip.count({ where: { messages: { some: { emailMessageId: id } } } })).toBe(1);
    expect(await rig.deps.prisma.job.count({ where: { kind: 'send-email', payload: { path: ['inReplyTo'], equals: id } } })).toBe(1);
  });

  it('recovers from a connection dropped mid-IDLE and picks up mail that arrived meanwhile', async () => {
    const warm = uniqueId('warm');
    await rig.dovecot.append(buildMail({ messageId: warm, subject: '预热', text: TEXT.clinic }));
    await messageFor(rig.deps, warm);
    // The worker is now idling on the mailbox. The server goes away, mail keeps arriving.
    await rig.dovecot.stop();
    const during = uniqueId('outage');
    rig.dovecot.deliverToMaildir(buildMail({ messageId: during, subject: '断线期间来信', text: TEXT.leak }));
    await waitFor(async () => (await source()).lastErrorAt, 10_000, 'the worker to notice the drop');
    await rig.dovecot.start();
    const msg = await messageFor(rig.deps, during, 30_000);
    expect(msg.tip.subject).toBe('断线期间来信');
    // And IDLE works again on the new connection.
    const after = uniqueId('after');
    await rig.dovecot.append(buildMail({ messageId: after, subject: '恢复之后', text: TEXT.parking }));
    await messageFor(rig.deps, after);
    const s = await source();
    expect(s.lastSuccessAt!.getTime()).toBeGreaterThan(s.lastErrorAt!.getTime());
  });

  it('resynchronises after a UIDVALIDITY change without making a second tip of anything', async () => {
    await rig.stopImap();
    const tipsBefore = await rig.deps.prisma.tip.count();
    const subsBefore = await rig.deps.prisma.submission.count();
    const inMailbox = (await rig.dovecot.messages()).length;
    const old = await cursor();
    const uidValidity = await rig.dovecot.resetUidValidity();
    expect(uidValidity).not.toBe(old.uidValidity);
    const id = uniqueId('newera');
    await rig.dovecot.append(buildMail({ messageId: id, subject: 'UIDVALIDITY 变了', text: TEXT.clinic }));
    const dupBefore = (await source()).duplicates;
    await rig.startImap();
    await messageFor(rig.deps, id);
    await waitFor(
      async () => (await cursor()).uidValidity === uidValidity && (await source()).duplicates >= dupBefore + inMailbox,
      20_000,
      'the resync',
    );
    expect(await rig.deps.prisma.tip.count()).toBe(tipsBefore + 1);
    expect(await rig.deps.prisma.submission.count()).toBe(subsBefore + 1);
  });
});
