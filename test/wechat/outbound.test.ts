import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWechatJob, UNKNOWN_OUTCOME } from '../../src/channels/wechat/send-wechat.job.js';
import { wechatReply } from '../../src/channels/wechat/wechat-outbound.service.js';
import type { Worker } from '../../src/queue/worker.js';
import { userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { startWorker } from '../twilio/twilio-support.js';
import { APP_ID, APP_SECRET, openId, push, referenceIn, startWechatApi, textPush, wechatEnv, type WechatApi } from './wechat-support.js';

// Replies from the dashboard go out through the customer-service API of a loopback WeChat.

let h: AppHarness;
let slow: AppHarness;
let worker: Worker<unknown>;
let slowWorker: Worker<unknown>;
let api: WechatApi;
let editor: Awaited<ReturnType<typeof userWithToken>>;

beforeAll(async () => {
  api = await startWechatApi();
  [h, slow] = await Promise.all([
    createAppHarness({ env: wechatEnv({ WECHAT_API_BASE_URL: api.base }) }),
    // A zero budget: every passive reply counts as late.
    createAppHarness({ env: wechatEnv({ WECHAT_API_BASE_URL: api.base, WECHAT_REPLY_BUDGET_MS: '0' }) }),
  ]);
  worker = startWorker(h.deps) as Worker<unknown>;
  slowWorker = startWorker(slow.deps) as Worker<unknown>;
  await Promise.all([worker.start(), slowWorker.start()]);
  editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR');
});
afterAll(async () => {
  await Promise.all([worker?.stop(), slowWorker?.stop()]);
  await Promise.all([h?.close(), slow?.close()]);
  await api?.close();
});

/** A tip opened by a WeChat text, processed. */
async function wechatTip(app: AppHarness, from: string, content = '大齿社区3号楼楼道灯坏了一个多月') {
  const p = textPush({ from, content });
  const res = await push(app.baseUrl, p, { mode: 'safe' });
  expect(res.status).toBe(200);
  const sub = await waitFor(() => app.deps.prisma.submission.findFirst({ where: { externalId: String(p.MsgId), state: 'PROCESSED' } }));
  return app.deps.prisma.tip.findUniqueOrThrow({ where: { id: sub.tipId! } });
}

const reply = (tipId: string, body: string) =>
  fetch(`${h.baseUrl}/api/tips/${tipId}/reply`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...editor.auth },
    body: JSON.stringify({ body }),
  });

const delivered = (id: string, states: ('SENT' | 'FAILED')[] = ['SENT', 'FAILED']) =>
  waitFor(() => h.deps.prisma.message.findFirst({ where: { id, deliveryState: { in: states } } }), 15_000, `message ${id} delivered`);

describe('replies through the customer-service API', () => {
  it('sends an editor’s reply with a token from stable_token, kept in the database and reused', async () => {
    const from = openId();
    const tip = await wechatTip(h, from);
    const text = `您好，关于 ${tip.reference}：记者明天上午到现场。😊`;
    const res = await reply(tip.id, text);
    expect(res.status).toBe(201);
    const m = (await res.json()) as { message: { id: string; channel: string; deliveryState: string } };
    expect(m.message).toMatchObject({ channel: 'WECHAT', deliveryState: 'QUEUED' });
    const sent = await delivered(m.message.id);
    expect(sent).toMatchObject({ deliveryState: 'SENT', toAddress: from, direction: 'OUTBOUND', kind: 'reply' });
    expect(api.sent).toContainEqual({ touser: from, content: text });
    const tokenReq = api.tokenRequests()[0];
    expect(JSON.parse(tokenReq.body)).toMatchObject({ grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET });
    const row = await h.deps.prisma.wechatAccessToken.findUniqueOrThrow({ where: { appId: APP_ID } });
    const send = api.sendRequests().at(-1)!;
    expect(send.query.get('access_token')).toBe(row.token);
    expect(JSON.parse(send.body)).toEqual({ touser: from, msgtype: 'text', text: { content: text } });

    const before = api.tokenRequests().length;
    const second = (await (await reply(tip.id, '第二条回复')).json()) as { message: { id: string } };
    await delivered(second.message.id);
    expect(api.tokenRequests().length).toBe(before);
    expect(h.logs.text).not.toContain(from);
    expect(h.logs.text).not.toContain(row.token);
  });

  it('gets a new token when WeChat says the stored one expired (42001), then sends once', async () => {
    const from = openId();
    const tip = await wechatTip(h, from);
    const old = (await h.deps.prisma.wechatAccessToken.findUnique({ where: { appId: APP_ID } }))?.token;
    api.expireTokens();
    const res = (await (await reply(tip.id, '令牌过期后的回复')).json()) as { message: { id: string } };
    const sent = await delivered(res.message.id);
    expect(sent.deliveryState).toBe('SENT');
    const row = await h.deps.prisma.wechatAccessToken.findUniqueOrThrow({ where: { appId: APP_ID } });
    expect(row.token).not.toBe(old);
    expect(JSON.parse(api.tokenRequests().at(-1)!.body)).toMatchObject({ force_refresh: true });
    expect(api.sent.filter((s) => s.touser === from && s.content === '令牌过期后的回复')).toHaveLength(1);
  });

  it('refuses before sending when the user’s last message is older than 48 hours (wechat_window)', async () => {
    const from = openId();
    const tip = await wechatTip(h, from);
    expect(await wechatReply.check(h.deps, { ...tip, tipster: null })).toEqual({ ok: true });
    await h.deps.prisma.submission.updateMany({ where: { sender: from }, data: { receivedAt: new Date(Date.now() - 49 * 3_600_000) } });
    const check = await wechatReply.check(h.deps, { ...tip, tipster: null });
    expect(check).toMatchObject({ ok: false, reason: 'wechat_window' });
    const res = await reply(tip.id, '超时的回复');
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { message: string } } & Record<string, unknown>;
    expect(JSON.stringify(body)).toContain('48 小时');
    expect(await h.deps.prisma.message.count({ where: { tipId: tip.id, direction: 'OUTBOUND' } })).toBe(0);
  });

  it('shows WeChat’s refusal (45015) in Chinese on the message and does not retry it', async () => {
    const from = openId();
    const tip = await wechatTip(h, from);
    api.state.outsideWindow.add(from);
    const res = (await (await reply(tip.id, '对方已不在窗口内')).json()) as { message: { id: string } };
    const m = await delivered(res.message.id);
    expect(m.deliveryState).toBe('FAILED');
    expect(m.deliveryError).toContain('48 小时');
    expect(m.deliveryError).toContain('45015');
    expect(api.sendRequests().filter((r) => JSON.parse(r.body).touser === from)).toHaveLength(1);
  });

  it('retries a send when WeChat is busy (-1), then sends once', async () => {
    const from = openId();
    const tip = await wechatTip(h, from);
    api.state.failSends = 2;
    const res = (await (await reply(tip.id, '系统繁忙后的回复')).json()) as { message: { id: string } };
    const m = await delivered(res.message.id, ['SENT']);
    expect(m.deliveryError).toBeNull();
    expect(api.sent.filter((s) => s.touser === from)).toHaveLength(1);
  });
});

describe('a send cut off mid-way', () => {
  it('is not repeated blindly: the reply shows failed with an unknown outcome, and WeChat is not called again', async () => {
    const from = openId();
    const tip = await wechatTip(h, from);
    // What the first attempt leaves behind when the worker dies while WeChat is answering: the
    // send marked started (committed before the call), no outcome recorded.
    const m = await h.deps.prisma.message.create({
      data: {
        tipId: tip.id,
        direction: 'OUTBOUND',
        channel: 'WECHAT',
        body: '被打断的回复',
        toAddress: from,
        deliveryState: 'QUEUED',
        sendStartedAt: new Date(),
      },
    });
    const before = api.sendRequests().length;
    const second = { id: 'job', kind: 'send-wechat', attempt: 2, maxAttempts: 6, signal: new AbortController().signal };
    await expect(sendWechatJob.handler(h.deps, { messageId: m.id }, second)).rejects.toThrow(/outcome is unknown/);
    const after = await h.deps.prisma.message.findUniqueOrThrow({ where: { id: m.id } });
    expect(after).toMatchObject({ deliveryState: 'FAILED', deliveryError: UNKNOWN_OUTCOME, sendStartedAt: null });
    expect(api.sendRequests().length).toBe(before);
  });

  it('leaves no mark on a reply that was sent', async () => {
    const from = openId();
    const tip = await wechatTip(h, from);
    const res = (await (await reply(tip.id, '正常发送的回复')).json()) as { message: { id: string } };
    const m = await delivered(res.message.id, ['SENT']);
    expect(m.sendStartedAt).toBeNull();
  });
});

describe('late passive reply', () => {
  it('answers `success` when the reply would be late, and sends the acknowledgement through the API', async () => {
    const from = openId();
    const p = textPush({ from, content: '御河边的护栏断了一截' });
    const res = await push(slow.baseUrl, p, { mode: 'safe' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('success');
    const ack = await waitFor(
      () => slow.deps.prisma.message.findFirst({ where: { toAddress: from, kind: 'ack', deliveryState: 'SENT' } }),
      15_000,
      'acknowledgement sent',
    );
    expect(ack.body).toMatch(/^已收到您的报料，编号 T-\d{6}-\d{4}/);
    const tip = await slow.deps.prisma.tip.findUniqueOrThrow({ where: { id: ack.tipId } });
    expect(referenceIn(ack.body)).toBe(tip.reference);
    expect(api.sent).toContainEqual({ touser: from, content: ack.body });
    // WeChat retrying the push (it got its answer late) is answered alike: nothing more is said.
    const again = await push(slow.baseUrl, p, { mode: 'safe' });
    expect(again.text).toBe('success');
    expect(await slow.deps.prisma.message.count({ where: { toAddress: from, direction: 'OUTBOUND' } })).toBe(1);
  });
});
