import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactHash, parseContact } from '../../src/privacy/contact.js';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { startWorker } from '../twilio/twilio-support.js';
import { eventId, gatewayEnv, localMobile, postEvent, received, startFakeGateway, type FakeGateway } from '../sms-gateway/gateway-support.js';
import { openId, push, textPush, wechatEnv } from '../wechat/wechat-support.js';
import { address, pngOfSize, postApi, TEXTS, tipForm } from '../web/web-support.js';

// WeChat and the web form check a block inside their one intake statement (src/channels/accept-message.ts,
// intake_accept_web), the SMS gateway in its normalize job's decision (intake_decide_stored): a blocked
// sender's message is stored SKIPPED 'blocked sender', makes no tip and no answer, and a redelivery
// stores nothing new.

let h: AppHarness;
let worker: Worker<unknown>;
let fake: FakeGateway;

beforeAll(async () => {
  fake = await startFakeGateway();
  h = await createAppHarness({ env: { ...gatewayEnv(fake.url), ...wechatEnv({ WECHAT_API_BASE_URL: 'http://127.0.0.1:9' }), TRUST_PROXY: 'true' } });
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await fake?.close();
});

async function block(contact: string) {
  const c = parseContact(contact)!;
  await h.deps.prisma.contactBlock.create({ data: { kind: c.kind, contactHash: contactHash(c), hint: 'test' } });
}

const submissions = (channel: 'SMS_GATEWAY' | 'WECHAT' | 'WEB', externalId?: string) =>
  h.deps.prisma.submission.findMany({ where: { channel, ...(externalId ? { externalId } : {}) } });

describe('blocked senders on the intake fast path', () => {
  it('SMS gateway: stored SKIPPED, no tip, no acknowledgement; a redelivery stores nothing; STOP is still a keyword', async () => {
    const from = localMobile();
    await block(from);
    const id = eventId();
    for (let i = 0; i < 2; i++)
      expect(await postEvent(h.baseUrl, 'sms:received', received({ from }), { id })).toEqual({ status: 200, body: { ok: true } });
    // The gateway's webhook only stores; its normalize job decides (docs/reliability.md, "Deciding later").
    const skipped = (externalId: string) =>
      waitFor(
        () => h.deps.prisma.submission.findFirst({ where: { channel: 'SMS_GATEWAY', externalId, state: 'SKIPPED' } }),
        15_000,
        `${externalId} skipped`,
      );
    await skipped(id);
    const subs = await submissions('SMS_GATEWAY', id);
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ state: 'SKIPPED', lastError: 'blocked sender', tipId: null, reference: null });
    expect(await h.deps.prisma.tip.count({ where: { tipster: { phone: `+86${from}` } } })).toBe(0);
    expect(await h.deps.prisma.message.count({ where: { toAddress: `+86${from}` } })).toBe(0);

    const stop = eventId();
    await postEvent(h.baseUrl, 'sms:received', received({ from, text: 'STOP' }), { id: stop });
    expect(await skipped(stop)).toMatchObject({ state: 'SKIPPED', lastError: 'stop keyword' });
    expect(await h.deps.prisma.tipster.findUnique({ where: { phone: `+86${from}` } })).toMatchObject({ smsOptOut: true });
  });

  it('WeChat: a blocked OpenID’s text is stored SKIPPED and answered `success`, also when redelivered', async () => {
    const from = openId();
    await block(from);
    const p = textPush({ from, content: '你们报社就是骗子！！！' });
    for (let i = 0; i < 2; i++) {
      const res = await push(h.baseUrl, p, { mode: 'safe' });
      expect(res).toMatchObject({ status: 200, text: 'success', reply: null });
    }
    const subs = await submissions('WECHAT', String(p.MsgId));
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ state: 'SKIPPED', lastError: 'blocked sender', tipId: null });
    expect(await h.deps.prisma.tipster.count({ where: { wechatOpenId: from } })).toBe(0);
  });

  it('web form: a blocked phone gets a decoy reference, no tip and no photos; a retry gets the same answer', async () => {
    await block('138 0013 8123');
    const key = `blocked-${eventId()}`;
    const post = () =>
      postApi(h.baseUrl, tipForm({ body: TEXTS.leak, phone: '13800138123', consent: 'on' }, [{ name: 'a.png', data: pngOfSize(2000) }]), {
        address: address(),
        headers: { 'idempotency-key': key },
      });
    const first = await post();
    expect(first.status).toBe(201);
    expect(first.json.reference).toMatch(/^T-\d{6}-9\d{4}$/);
    const again = await post();
    expect(again.json).toEqual(first.json);
    const subs = (await submissions('WEB')).filter((s) => s.lastError === 'blocked sender');
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ state: 'SKIPPED', tipId: null, sender: null });
    expect(await h.deps.prisma.attachment.count({ where: { submissionId: subs[0].id } })).toBe(0);
    expect(await h.deps.prisma.tip.count({ where: { reference: first.json.reference } })).toBe(0);
  });

  it('the same three channels still make tips for a sender who is not blocked', async () => {
    const id = eventId();
    await postEvent(h.baseUrl, 'sms:received', received({ from: localMobile() }), { id });
    const p = textPush({ from: openId(), content: '小区门口的井盖松动了' });
    expect((await push(h.baseUrl, p, { mode: 'safe' })).reply?.Content).toMatch(/T-\d{6}-\d{4}/);
    const web = await postApi(h.baseUrl, tipForm({ body: TEXTS.leak }), { address: address() });
    expect(web.json.reference).toMatch(/^T-\d{6}-\d{4}$/);
    for (const [channel, ext] of [
      ['SMS_GATEWAY', id],
      ['WECHAT', String(p.MsgId)],
    ] as const) {
      await waitFor(
        () => h.deps.prisma.submission.findFirst({ where: { channel, externalId: ext, state: 'PROCESSED' } }),
        15_000,
        `${channel} processed`,
      );
    }
    expect(await h.deps.prisma.tip.count({ where: { reference: web.json.reference } })).toBe(1);
  });
});
