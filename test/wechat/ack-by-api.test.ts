import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { startWorker } from '../twilio/twilio-support.js';
import { base, msgId, openId, push, startWechatApi, textPush, wechatEnv, type WechatApi } from './wechat-support.js';

// WECHAT_ACK=api: the webhook stores the push and answers without deciding it (`success`, or the
// help text and the welcome, which need no decision); the normalize job decides it and the
// acknowledgement, with the tip's code, goes out through the customer-service API (a loopback stub).

let h: AppHarness;
let worker: Worker<unknown>;
let api: WechatApi;

beforeAll(async () => {
  api = await startWechatApi();
  h = await createAppHarness({ env: wechatEnv({ WECHAT_API_BASE_URL: api.base, WECHAT_ACK: 'api', SMS_FOLLOWUP_DAYS: '7' }) });
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await api?.close();
});

const sentTo = (to: string) => api.sent.filter((s) => s.touser === to);
const settled = (externalId: string) =>
  waitFor(
    () => h.deps.prisma.submission.findFirst({ where: { channel: 'WECHAT', externalId, state: { in: ['PROCESSED', 'SKIPPED'] } } }),
    15_000,
    `WeChat ${externalId} settled`,
  );

describe('pushes acknowledged by the customer-service API (WECHAT_ACK=api)', () => {
  it('answers success, then sends the code once; a follow-up is acknowledged on the same tip; a retry sends nothing more', async () => {
    const reader = openId();
    const first = textPush({ from: reader, content: '永泰街道大齿社区5号楼楼上漏水三天了。', id: msgId() });
    const answer = await push(h.baseUrl, first);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('success');

    const sub = await settled(String(first.MsgId));
    expect(sub.state).toBe('PROCESSED');
    const tip = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: sub.tipId! } });
    expect(tip).toMatchObject({ body: first.Content, reference: sub.reference, channel: 'WECHAT' });
    const acks = await waitFor(async () => sentTo(reader).length >= 1 && sentTo(reader), 15_000, 'the acknowledgement');
    expect(acks[0].content).toContain(`编号 ${tip.reference}`);
    // On the tip's thread, sent, like an editor's reply.
    const ack = await waitFor(() =>
      h.deps.prisma.message.findFirst({ where: { tipId: tip.id, direction: 'OUTBOUND', kind: 'ack', deliveryState: 'SENT' } }),
    );
    expect(ack.body).toContain(tip.reference);

    // WeChat retries the first push: the same answer, nothing stored, nothing sent.
    expect((await push(h.baseUrl, first)).text).toBe('success');
    const second = textPush({ from: reader, content: '补充：物业电话一直没人接。', id: msgId() });
    expect((await push(h.baseUrl, second)).text).toBe('success');
    const joined = await settled(String(second.MsgId));
    expect(joined.tipId).toBe(tip.id);
    const both = await waitFor(async () => sentTo(reader).length >= 2 && sentTo(reader), 15_000, 'the follow-up acknowledged');
    expect(both[1].content).toContain(tip.reference);
    expect(both[1].content).not.toBe(both[0].content);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(reader)).toHaveLength(2);
    expect(await h.deps.prisma.submission.count({ where: { channel: 'WECHAT', externalId: String(first.MsgId) } })).toBe(1);
    expect(h.logs.text).not.toContain(reader);
  });

  it('answers 帮助 and a subscribe at once with their texts; neither makes a tip or a customer-service message', async () => {
    const reader = openId();
    const help = textPush({ from: reader, content: '帮助', id: msgId() });
    const helpAnswer = await push(h.baseUrl, help);
    expect(helpAnswer.reply?.Content).toContain('报料');
    const follow = { ...base(reader, 'event'), Event: 'subscribe' };
    const welcome = await push(h.baseUrl, follow);
    expect(welcome.reply?.Content).toBeTruthy();

    expect(await settled(String(help.MsgId))).toMatchObject({ state: 'SKIPPED', tipId: null });
    await waitFor(
      () => h.deps.prisma.submission.findFirst({ where: { channel: 'WECHAT', sender: reader, state: 'SKIPPED', lastError: 'subscribe event' } }),
      15_000,
      'the subscribe recorded',
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(reader)).toHaveLength(0);
    expect(await h.deps.prisma.tip.count({ where: { tipster: { wechatOpenId: reader } } })).toBe(0);
  });
});
