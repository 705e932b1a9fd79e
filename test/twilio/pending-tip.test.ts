import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSubmissionJob } from '../../src/channels/normalize.job.js';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { phone, postSigned, smsParams, startWorker, twilioEnv, twimlMessage } from './twilio-support.js';

// The webhook answers with the reference code of a tip the normalize job has not made yet. Here
// no worker runs until the end, so every message below arrives while its tip is still pending.

let h: AppHarness;
let worker: Worker<unknown> | undefined;

beforeAll(async () => {
  h = await createAppHarness({ env: twilioEnv({ SMS_FOLLOWUP_DAYS: '7' }) });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

const sms = (p: Record<string, string>) => postSigned(h.baseUrl, '/webhooks/twilio/sms', p);
const REF = /T-\d{6}-\d{4}/;

describe('a tip not made yet', () => {
  it('is joined by the next texts of its contact (plain and by reference), a redelivery makes nothing, and the jobs in any order make one tip', async () => {
    const from = phone();
    const first = smsParams({ from, body: '永泰街道大齿社区5号楼楼上漏水三天了。' });
    const ref = twimlMessage((await sms(first)).text)!.match(REF)![0];
    const second = smsParams({ from, body: '补充：物业电话一直没人接。' });
    expect(twimlMessage((await sms(second)).text)).toContain(`已补充到爆料 ${ref}`);
    const third = smsParams({ from, body: `${ref} 楼下邻居家天花板也湿了` });
    expect(twimlMessage((await sms(third)).text)).toContain(ref);
    // Twilio redelivers the first: the same answer, nothing new stored.
    expect(twimlMessage((await sms(first)).text)).toContain(`编号 ${ref}`);
    expect(await h.deps.prisma.submission.count({ where: { externalId: first.MessageSid } })).toBe(1);
    // The code is durable before any tip: it is on the first submission.
    expect(await h.deps.prisma.tip.count({ where: { reference: ref } })).toBe(0);
    expect((await h.deps.prisma.submission.findFirstOrThrow({ where: { externalId: first.MessageSid } })).reference).toBe(ref);

    // The follow-up's job runs before the first text's: it normalizes the first text first.
    const sub2 = await h.deps.prisma.submission.findFirstOrThrow({ where: { externalId: second.MessageSid } });
    await normalizeSubmissionJob.handler(
      h.deps,
      { submissionId: sub2.id },
      { id: 'test', kind: 'normalize-submission', attempt: 1, maxAttempts: 5, signal: new AbortController().signal },
    );
    const early = await h.deps.prisma.tip.findUniqueOrThrow({ where: { reference: ref }, include: { messages: { orderBy: { createdAt: 'asc' } } } });
    expect(early.messages.map((m) => m.body)).toEqual([first.Body, second.Body]);

    // The rest (the first text's own job, the reply by reference) through the worker.
    worker = startWorker(h.deps) as Worker<unknown>;
    await worker.start();
    for (const p of [first, second, third]) {
      await waitFor(
        () => h.deps.prisma.submission.findFirst({ where: { externalId: p.MessageSid, state: 'PROCESSED' } }),
        15_000,
        `${p.MessageSid} processed`,
      );
    }
    const tips = await h.deps.prisma.tip.findMany({ where: { tipster: { phone: from } }, include: { messages: { orderBy: { createdAt: 'asc' } } } });
    expect(tips).toHaveLength(1);
    expect(tips[0].reference).toBe(ref);
    expect(tips[0].body).toBe(first.Body);
    expect(tips[0].messages.map((m) => m.body)).toEqual([first.Body, second.Body, third.Body]);
  });
});
