import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../src/deps.js';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { FROM_NUMBER, phone, postSigned, smsParams, startTwilioStub, startWorker, twilioEnv, twimlMessage } from './twilio-support.js';

// TWILIO_SMS_ACK=api: the webhook stores the text and answers without deciding it; the normalize
// job decides it and the acknowledgement goes out through the REST API (a loopback stub of it).

let h: AppHarness;
let worker: Worker<unknown>;
let stub: Awaited<ReturnType<typeof startTwilioStub>>;

beforeAll(async () => {
  stub = await startTwilioStub();
  h = await createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base, TWILIO_SMS_ACK: 'api', SMS_FOLLOWUP_DAYS: '7' }) });
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await stub?.close();
});

const sms = (p: Record<string, string>) => postSigned(h.baseUrl, '/webhooks/twilio/sms', p);
const sentTo = (to: string) =>
  stub
    .messageRequests()
    .map((r) => new URLSearchParams(r.body))
    .filter((f) => f.get('To') === to);
const REF = /T-\d{6}-\d{4}/;

describe('texts acknowledged by the REST API (TWILIO_SMS_ACK=api)', () => {
  it('answers with empty TwiML, then texts the reference once; a follow-up is acknowledged on the same tip; a redelivery sends nothing more', async () => {
    const from = phone();
    const first = smsParams({ from, body: '永泰街道大齿社区5号楼楼上漏水三天了。' });
    const answer = await sms(first);
    expect(answer.status).toBe(200);
    expect(twimlMessage(answer.text)).toBeNull();

    const sub = await waitFor(() => h.deps.prisma.submission.findFirst({ where: { externalId: first.MessageSid, state: 'PROCESSED' } }), 15_000);
    const tip = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: sub.tipId! } });
    expect(tip).toMatchObject({ body: first.Body, reference: sub.reference });
    const acks = await waitFor(async () => sentTo(from).length >= 1 && sentTo(from), 15_000, 'the acknowledgement');
    expect(acks[0].get('From')).toBe(FROM_NUMBER);
    expect(acks[0].get('Body')).toContain(`已收到您的爆料，编号 ${tip.reference}`);
    // It is on the tip's thread, sent, like an editor's reply.
    const ack = await waitFor(() =>
      h.deps.prisma.message.findFirst({ where: { tipId: tip.id, direction: 'OUTBOUND', kind: 'ack', deliveryState: 'SENT' } }),
    );
    expect(ack.body).toContain(tip.reference);

    // Twilio redelivers the first: the same (empty) answer, nothing stored, nothing sent.
    expect(twimlMessage((await sms(first)).text)).toBeNull();
    const second = smsParams({ from, body: '补充：物业电话一直没人接。' });
    expect(twimlMessage((await sms(second)).text)).toBeNull();
    await waitFor(() => h.deps.prisma.submission.findFirst({ where: { externalId: second.MessageSid, state: 'PROCESSED', tipId: tip.id } }), 15_000);
    const both = await waitFor(async () => sentTo(from).length >= 2 && sentTo(from), 15_000, 'the follow-up acknowledged');
    expect(both[1].get('Body')).toContain(`已补充到爆料 ${tip.reference}`);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(from)).toHaveLength(2);
    expect(await h.deps.prisma.submission.count({ where: { externalId: first.MessageSid } })).toBe(1);
    expect(h.logs.text).not.toContain(from);
  });

  it('HELP is still answered in the TwiML at once; 退订 opts out and nothing is texted after', async () => {
    const from = phone();
    const help = await sms(smsParams({ from, body: '帮助' }));
    expect(twimlMessage(help.text)).toContain('爆料');
    const stop = smsParams({ from, body: '退订' });
    expect(twimlMessage((await sms(stop)).text)).toContain('您已退订');
    await waitFor(() => h.deps.prisma.submission.findFirst({ where: { externalId: stop.MessageSid, state: 'SKIPPED' } }), 15_000);
    expect(await h.deps.prisma.tipster.findUnique({ where: { phone: from } })).toMatchObject({ smsOptOut: true });
    const text = smsParams({ from, body: '小区门口路灯坏了一个星期' });
    await sms(text);
    const sub = await waitFor(() => h.deps.prisma.submission.findFirst({ where: { externalId: text.MessageSid, state: 'PROCESSED' } }), 15_000);
    expect(sub.reference).toMatch(REF);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(from)).toHaveLength(0);
  });
});
