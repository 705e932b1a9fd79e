import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSubmissionJob } from '../../src/channels/normalize.job.js';
import type { Worker } from '../../src/queue/worker.js';
import { startWorker } from '../twilio/twilio-support.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { eventId, gatewayEnv, localMobile, postEvent, received, startFakeGateway, type FakeGateway } from './gateway-support.js';

// The gateway's webhook stores and decides nothing (its answer carries no reference code): the
// normalize job decides. Here no worker runs until the texts are in, so every one of them waits
// undecided, and the last text's job runs first.

let h: AppHarness;
let fake: FakeGateway;
let worker: Worker<unknown> | undefined;

beforeAll(async () => {
  fake = await startFakeGateway();
  h = await createAppHarness({ env: gatewayEnv(fake.url, { SMS_FOLLOWUP_DAYS: '7' }) });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await fake?.close();
});

const post = (payload: Record<string, unknown>, id: string) => postEvent(h.baseUrl, 'sms:received', payload, { id });
const REF = /T-\d{6}-\d{4}/;
const runJob = (submissionId: string) =>
  normalizeSubmissionJob.handler(
    h.deps,
    { submissionId },
    { id: 'test', kind: 'normalize-submission', attempt: 1, maxAttempts: 5, signal: new AbortController().signal },
  );

describe('a text decided by its normalize job', () => {
  it('is stored undecided; the jobs in any order decide the texts in the order they came: one tip, a 新 tip, one acknowledgement each', async () => {
    const local = localMobile();
    const from = `+86${local}`;
    const texts = ['永泰街道大齿社区5号楼楼上漏水三天了。', '补充：物业电话一直没人接。', '新 小区门口路灯坏了一个星期'];
    const ids = texts.map(() => eventId());
    for (const [i, text] of texts.entries()) {
      expect(await post(received({ from: local, text }), ids[i])).toEqual({ status: 200, body: { ok: true } });
    }
    // The app redelivers the first: nothing new is stored.
    expect(await post(received({ from: local, text: texts[0] }), ids[0])).toEqual({ status: 200, body: { ok: true } });
    const subs = await h.deps.prisma.submission.findMany({ where: { channel: 'SMS_GATEWAY', sender: from }, orderBy: { receivedAt: 'asc' } });
    expect(subs.map((s) => s.externalId)).toEqual(ids);
    // Committed before the 200, with its job; nothing decided yet: no code, no route, no tip.
    for (const s of subs) {
      expect(s).toMatchObject({ state: 'RECEIVED', reference: null, tipId: null });
      expect(s.meta).not.toHaveProperty('route');
      expect(await h.deps.prisma.job.count({ where: { kind: 'normalize-submission', payload: { equals: { submissionId: s.id } } } })).toBe(1);
    }
    expect(await h.deps.prisma.tipster.count({ where: { phone: from } })).toBe(0);

    // The 新 text's job first: the two texts before it are decided before it, in their order.
    await runJob(subs[2].id);
    const decided = await h.deps.prisma.submission.findMany({ where: { id: { in: subs.map((s) => s.id) } }, orderBy: { receivedAt: 'asc' } });
    expect(decided.map((s) => (s.meta as { route?: string }).route)).toEqual(['new', 'followup', 'new']);
    const [ref1, ref3] = [decided[0].reference!, decided[2].reference!];
    expect(ref1).toMatch(REF);
    expect(ref3 > ref1).toBe(true);
    expect(decided[1].reference).toBeNull();
    expect(await h.deps.prisma.tip.findUnique({ where: { reference: ref3 } })).toMatchObject({ body: '小区门口路灯坏了一个星期' });

    // The rest through the worker: the first text opens its tip, the second joins it.
    worker = startWorker(h.deps) as Worker<unknown>;
    await worker.start();
    for (const id of ids) {
      await waitFor(() => h.deps.prisma.submission.findFirst({ where: { externalId: id, state: 'PROCESSED' } }), 15_000, `${id} processed`);
    }
    const tips = await h.deps.prisma.tip.findMany({
      where: { tipster: { phone: from } },
      include: { messages: { where: { direction: 'INBOUND' }, orderBy: { createdAt: 'asc' } } },
      orderBy: { reference: 'asc' },
    });
    expect(tips.map((t) => t.reference)).toEqual([ref1, ref3]);
    expect(tips[0].body).toBe(texts[0]);
    expect(tips[0].messages.map((m) => m.body)).toEqual([texts[0], texts[1]]);

    // One acknowledgement per text, each with its tip's code.
    const sent = await waitFor(async () => fake.sentTo(from).length >= 3 && fake.sentTo(from), 15_000, 'three acknowledgements');
    const bodies = sent.map((p) => p.body.message);
    expect(bodies.filter((b) => b.includes(ref1))).toHaveLength(2);
    expect(bodies.filter((b) => b.includes(ref3))).toHaveLength(1);
    expect(bodies.some((b) => b.includes(`已补充到爆料${ref1}`))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.sentTo(from)).toHaveLength(3);
  });

  it('a STOP waiting undecided is recorded as the webhook would have: skipped, opted out, answered once', async () => {
    if (!worker) {
      worker = startWorker(h.deps) as Worker<unknown>;
      await worker.start();
    }
    const local = localMobile();
    const id = eventId();
    await post(received({ from: local, text: '退订' }), id);
    const sub = await waitFor(() => h.deps.prisma.submission.findFirst({ where: { externalId: id, state: 'SKIPPED' } }), 15_000, 'STOP skipped');
    expect(sub).toMatchObject({ tipId: null, lastError: 'stop keyword' });
    expect(await h.deps.prisma.tipster.findUnique({ where: { phone: `+86${local}` } })).toMatchObject({ smsOptOut: true });
    await waitFor(async () => fake.sentTo(`+86${local}`).length === 1, 15_000, 'the opt-out confirmed');
    expect(await h.deps.prisma.tip.count({ where: { tipster: { phone: `+86${local}` } } })).toBe(0);
  });
});
