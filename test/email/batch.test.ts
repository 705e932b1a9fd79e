import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEmailBatchJob } from '../../src/channels/email/email.batch.js';
import { normalizeSubmissionJob } from '../../src/channels/normalize.job.js';
import { storeSubmission } from '../../src/channels/submissions.js';
import { contactHash, contactHint, parseContact } from '../../src/privacy/contact.js';
import { createHarness, type Harness } from '../support/harness.js';
import { buildMail, tinyJpeg, TEXT, uniqueId } from './fixtures.js';

// The mailbox worker's batch job (src/channels/email/email.batch.ts): the emails of one stored
// batch normalized in one statement, with the one-message job's guarantees. Stores straight into
// the database (no IMAP): what is checked is rows.

let h: Harness;
const ctx = { id: 'test', kind: 'normalize-email-batch', attempt: 1, maxAttempts: 5, signal: new AbortController().signal };

beforeAll(async () => {
  // A mailer makes acknowledgements queue their send job (none is run here).
  h = await createHarness({
    env: { MAIL_FROM: '晚报社区版 <dtwbsq365@163.com>', SMTP_URL: 'smtp://127.0.0.1:1' },
    overrides: { mailer: nodemailer.createTransport('smtp://127.0.0.1:1') },
  });
});
afterAll(() => h?.close());

/** Stores mails as the mailbox worker does (no job of their own) and returns their ids. */
async function store(raws: Buffer[]): Promise<string[]> {
  const ids: string[] = [];
  for (const raw of raws) {
    const s = await storeSubmission(h.deps.prisma, {
      channel: 'EMAIL',
      externalId: `batch-test:${ids.length}:${uniqueId()}`,
      raw,
      meta: { source: 'imap:test' },
      normalizeJob: false,
    });
    ids.push(s.id);
  }
  return ids;
}

const states = async (ids: string[]) =>
  (await h.deps.prisma.submission.findMany({ where: { id: { in: ids } }, select: { id: true, state: true, tipId: true, lastError: true } })).sort(
    (a, b) => ids.indexOf(a.id) - ids.indexOf(b.id),
  );

describe('normalize-email-batch', () => {
  it('makes one tip per new mail, threads a reply to a mail earlier in the same batch, and a second run changes nothing', async () => {
    const first = uniqueId('first');
    const ids = await store([
      buildMail({ messageId: first, from: 'zhang@163.com', subject: '楼道漏水', text: TEXT.leak, textCharset: 'GBK' }),
      buildMail({
        messageId: uniqueId('reply'),
        from: 'zhang@163.com',
        subject: 'Re: 楼道漏水',
        inReplyTo: first,
        references: [first],
        text: '补充：三楼也漏了',
      }),
      buildMail({
        messageId: uniqueId('photo'),
        from: 'li@qq.com',
        subject: '现场照片',
        parts: [
          { contentType: 'text/plain', charset: 'utf-8', body: '照片见附件。' },
          { contentType: 'image/jpeg', body: tinyJpeg('b'), filename: 'IMG_1.jpg' },
        ],
      }),
      buildMail({
        messageId: uniqueId('auto'),
        from: 'wang@163.com',
        subject: '自动回复: 楼道漏水',
        headers: { 'Auto-Submitted': 'auto-replied' },
        text: '不在',
      }),
    ]);
    await normalizeEmailBatchJob.handler(h.deps, { submissionIds: ids }, ctx);
    const after = await states(ids);
    expect(after.map((s) => s.state)).toEqual(['PROCESSED', 'PROCESSED', 'PROCESSED', 'SKIPPED']);
    expect(after[1].tipId).toBe(after[0].tipId);
    expect(after[2].tipId).not.toBe(after[0].tipId);
    const tips = [after[0].tipId!, after[2].tipId!];
    const snapshot = async () => ({
      tips: await h.deps.prisma.tip.count({ where: { id: { in: tips } } }),
      inbound: await h.deps.prisma.message.count({ where: { tipId: { in: tips }, direction: 'INBOUND' } }),
      acks: await h.deps.prisma.message.count({ where: { tipId: { in: tips }, kind: 'acknowledgement' } }),
      ackJobs: await h.deps.prisma.job.count({ where: { kind: 'send-email', uniqueKey: { in: tips.map((t) => `ack:${t}`) } } }),
      reads: await h.deps.prisma.job.count({ where: { kind: 'tip.read', payload: { path: ['tipId'], equals: tips[0] } } }),
      audit: await h.deps.prisma.auditEvent.count({ where: { tipId: { in: tips } } }),
      desk: await h.deps.prisma.deskEvent.count({ where: { tipId: { in: tips } } }),
      attachments: await h.deps.prisma.attachment.findMany({
        where: { tipId: tips[1] },
        select: { state: true, kind: true, blob: { select: { attachmentId: true } } },
      }),
    });
    const once = await snapshot();
    expect(once).toMatchObject({ tips: 2, inbound: 3, acks: 2, ackJobs: 2, reads: 2, audit: 3, desk: 3 });
    expect(once.attachments).toEqual([{ state: 'STORED', kind: 'image', blob: { attachmentId: expect.any(String) } }]);

    // A retried batch (the worker died before recording it) finds the work done.
    await normalizeEmailBatchJob.handler(h.deps, { submissionIds: ids }, ctx);
    expect(await snapshot()).toEqual(once);
  });

  it('takes a subject cut at its limit inside a character of two UTF-16 units (jsonb refuses half a pair)', async () => {
    const ids = await store([
      buildMail({ messageId: uniqueId('cut'), from: 'cut@163.com', subject: `${'长'.repeat(999)}𠮷`, subjectCharset: 'utf-8', text: TEXT.leak }),
    ]);
    await normalizeEmailBatchJob.handler(h.deps, { submissionIds: ids }, ctx);
    expect((await states(ids))[0]).toMatchObject({ state: 'PROCESSED' });
    expect(await h.deps.prisma.job.count({ where: { kind: 'normalize-submission', payload: { path: ['submissionId'], equals: ids[0] } } })).toBe(0);
  });

  it('skips a blocked sender', async () => {
    const c = parseContact('blocked@163.com')!;
    await h.deps.prisma.contactBlock.create({ data: { kind: c.kind, contactHash: contactHash(c), hint: contactHint(c) } });
    const ids = await store([buildMail({ messageId: uniqueId('blk'), from: 'blocked@163.com', subject: '又来了', text: TEXT.leak })]);
    await normalizeEmailBatchJob.handler(h.deps, { submissionIds: ids }, ctx);
    expect((await states(ids))[0]).toMatchObject({ state: 'SKIPPED', tipId: null, lastError: 'blocked sender' });
  });

  it('hands a message whose writes fail to the one-message job, which quarantines it; the rest of the batch commits', async () => {
    // Real PostgreSQL refusing one message: a trigger on the subject.
    await h.deps.prisma.$executeRawUnsafe(`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.subject = 'boom' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await h.deps.prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_boom BEFORE INSERT ON message FOR EACH ROW EXECUTE FUNCTION refuse_boom()`);
    try {
      const ids = await store([
        buildMail({ messageId: uniqueId('ok1'), from: 'a1@163.com', subject: '路灯不亮', text: TEXT.leak }),
        buildMail({ messageId: uniqueId('bad'), from: 'a2@163.com', subject: 'boom', text: TEXT.leak }),
        buildMail({ messageId: uniqueId('ok2'), from: 'a3@163.com', subject: '井盖丢了', text: TEXT.leak }),
      ]);
      await normalizeEmailBatchJob.handler(h.deps, { submissionIds: ids }, ctx);
      expect((await states(ids)).map((s) => s.state)).toEqual(['PROCESSED', 'RECEIVED', 'PROCESSED']);
      expect(await h.deps.prisma.tip.count({ where: { subject: 'boom' } })).toBe(0);
      const handed = await h.deps.prisma.job.findMany({
        where: { kind: 'normalize-submission', payload: { path: ['submissionId'], equals: ids[1] } },
      });
      expect(handed).toHaveLength(1);
      // Its last attempt quarantines it, with the reason, visible to editors.
      await expect(
        normalizeSubmissionJob.handler(h.deps, { submissionId: ids[1] }, { ...ctx, kind: 'normalize-submission', attempt: 5 }),
      ).rejects.toThrow(/refused for the test/);
      expect((await states(ids))[1]).toMatchObject({ state: 'QUARANTINED', lastError: expect.stringContaining('refused for the test') });
    } finally {
      await h.deps.prisma.$executeRawUnsafe(`DROP TRIGGER refuse_boom ON message`);
      await h.deps.prisma.$executeRawUnsafe(`DROP FUNCTION refuse_boom()`);
    }
  });
});
