import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsSegments } from '../../src/channels/sms-gateway/gateway.replies.js';
import type { Worker } from '../../src/queue/worker.js';
import { startWorker } from '../twilio/twilio-support.js';
import { userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { eventId, gatewayEnv, localMobile, postEvent, received, startFakeGateway, type FakeGateway } from './gateway-support.js';

// The hotline phone end to end: webhooks signed as the app signs them into the real service
// (PostgreSQL, queue worker), SMS out through the official client to a loopback fake of the
// phone's REST API.

let h: AppHarness;
let worker: Worker<unknown>;
let fake: FakeGateway;

beforeAll(async () => {
  fake = await startFakeGateway();
  h = await createAppHarness({ env: gatewayEnv(fake.url, { SMS_RATE_LIMIT_PER_HOUR: '5', SMS_FOLLOWUP_DAYS: '7' }) });
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await fake?.close();
});

const e164 = (local: string) => `+86${local}`;
const post = (event: string, payload: Record<string, unknown>, o: Parameters<typeof postEvent>[3] = {}) => postEvent(h.baseUrl, event, payload, o);

const processed = (externalId: string) =>
  waitFor(
    () => h.deps.prisma.submission.findFirst({ where: { channel: 'SMS_GATEWAY', externalId, state: { in: ['PROCESSED', 'SKIPPED'] } } }),
    15_000,
    `event ${externalId} processed`,
  );

/** The SMS the fake phone was asked to send to this number, once it has been asked `n` times. */
const sentTo = (phone: string, n = 1) => waitFor(async () => fake.sentTo(phone).length >= n && fake.sentTo(phone), 15_000, `${n} SMS to the tipster`);

describe('SMS received through the hotline phone', () => {
  it('makes a tip with the phone’s time and sends one acknowledgement with the reference, within two segments', async () => {
    const from = localMobile();
    const at = new Date(Date.now() - 90_000);
    at.setMilliseconds(0);
    const text = '永泰街道大齿社区5号楼楼上漏水三天了😭，物业一直不管，家里墙皮都泡了🙏';
    const id = eventId();
    const res = await post('sms:received', received({ from, text, at }), { id });
    expect(res).toEqual({ status: 200, body: { ok: true } });
    const sub = await processed(id);
    // Read by the tip.read job after the tip is made.
    const tip = await waitFor(() =>
      h.deps.prisma.tip.findFirst({
        where: { id: sub.tipId!, readAt: { not: null } },
        include: { messages: { orderBy: { createdAt: 'asc' } }, tipster: true },
      }),
    );
    expect(tip).toMatchObject({ channel: 'SMS_GATEWAY', body: text, language: 'zh', suggestedCategory: 'HOUSEHOLD' });
    expect(tip.tipster?.phone).toBe(e164(from));
    const inbound = tip.messages.find((m) => m.direction === 'INBOUND')!;
    expect(inbound).toMatchObject({ channel: 'SMS_GATEWAY', body: text, externalId: id });
    // receivedAt came as Asia/Shanghai wall time without a zone.
    expect(inbound.createdAt.toISOString()).toBe(at.toISOString());

    const [ack] = await sentTo(e164(from));
    expect(ack.auth).toBe(`Basic ${Buffer.from('sms:gw-pass-5f3a9c').toString('base64')}`);
    expect(ack.body.message).toContain(tip.reference);
    expect(ack.body.message.indexOf('已收到')).toBeLessThan(ack.body.message.indexOf('Tip received'));
    expect(smsSegments(ack.body.message)).toBeLessThanOrEqual(2);
    expect(ack.body).toMatchObject({ phoneNumbers: [e164(from)], withDeliveryReport: true });
    const row = await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: ack.body.id, externalId: { not: null } } }));
    expect(row).toMatchObject({
      tipId: tip.id,
      direction: 'OUTBOUND',
      channel: 'SMS_GATEWAY',
      kind: 'ack',
      deliveryState: 'QUEUED',
      deliveryError: null,
    });
    expect(fake.sentTo(e164(from))).toHaveLength(1);
    expect(h.logs.text).not.toContain(from);
    expect(h.logs.text).not.toContain('漏水三天');
  });

  it('delivery reports move the acknowledgement to SENT then DELIVERED, never back; a failure records its reason', async () => {
    const from = localMobile();
    await post('sms:received', received({ from, text: '小区门口的井盖松动了，电动车压过去响得厉害。' }));
    const [ack] = await sentTo(e164(from));
    const id = ack.body.id;
    const state = () => h.deps.prisma.message.findUniqueOrThrow({ where: { id } });
    await waitFor(async () => (await state()).externalId);
    expect((await post('sms:sent', { messageId: id, phoneNumber: e164(from), simNumber: 1, sentAt: '2026-12-02T15:46:11.000+08:00' })).status).toBe(
      200,
    );
    expect(await state()).toMatchObject({ deliveryState: 'SENT', sentAt: new Date('2026-12-02T07:46:11.000Z') });
    await post('sms:delivered', { messageId: id, phoneNumber: e164(from), deliveredAt: '2026-12-02T15:46:20.000+08:00' });
    expect((await state()).deliveryState).toBe('DELIVERED');
    // The app retries: a late sms:sent does not move it back.
    await post('sms:sent', { messageId: id, phoneNumber: e164(from), sentAt: '2026-12-02T15:46:11.000+08:00' });
    expect((await state()).deliveryState).toBe('DELIVERED');

    const other = localMobile();
    await post('sms:received', received({ from: other, text: '社区服务站周六有义诊吗？' }));
    const [ack2] = await sentTo(e164(other));
    await post('sms:failed', {
      messageId: ack2.body.id,
      phoneNumber: e164(other),
      failedAt: '2026-12-02T15:47:00.000+08:00',
      reason: 'RESULT_ERROR_GENERIC_FAILURE',
    });
    expect(await h.deps.prisma.message.findUniqueOrThrow({ where: { id: ack2.body.id } })).toMatchObject({
      deliveryState: 'FAILED',
      deliveryError: 'RESULT_ERROR_GENERIC_FAILURE',
    });
  });

  it('the same event delivered three times at once makes one submission, one tip, one acknowledgement', async () => {
    const from = localMobile();
    const id = eventId();
    const payload = received({ from, text: '大齿社区门口的路灯不亮了。' });
    const answers = await Promise.all([1, 2, 3].map(() => post('sms:received', payload, { id })));
    for (const a of answers) expect(a.status).toBe(200);
    const sub = await processed(id);
    expect(await h.deps.prisma.submission.count({ where: { channel: 'SMS_GATEWAY', externalId: id } })).toBe(1);
    expect(await h.deps.prisma.tip.count({ where: { tipster: { phone: e164(from) } } })).toBe(1);
    expect(await h.deps.prisma.message.count({ where: { tipId: sub.tipId!, direction: 'INBOUND' } })).toBe(1);
    await sentTo(e164(from));
    // Let the queue settle, then: still one acknowledgement row and one send.
    await waitFor(() => h.deps.prisma.message.findFirst({ where: { tipId: sub.tipId!, direction: 'OUTBOUND', externalId: { not: null } } }));
    expect(await h.deps.prisma.message.count({ where: { tipId: sub.tipId!, direction: 'OUTBOUND' } })).toBe(1);
    expect(fake.sentTo(e164(from))).toHaveLength(1);
  });

  it('the same text from two numbers (same content-derived messageId) is two tips', async () => {
    const [a, b] = [localMobile(), localMobile()];
    const text = '平城区某小区电梯又坏了，老人上不了楼。';
    const [ea, eb] = [eventId(), eventId()];
    await post('sms:received', received({ from: a, text, messageId: 'c0ffee42' }), { id: ea });
    await post('sms:received', received({ from: b, text, messageId: 'c0ffee42' }), { id: eb });
    const [sa, sb] = [await processed(ea), await processed(eb)];
    expect(sa.tipId).not.toBe(sb.tipId);
    await sentTo(e164(a));
    await sentTo(e164(b));
  });

  it('refuses forged, unsigned, tampered and stale webhooks with 403 and stores nothing', async () => {
    const before = await h.deps.prisma.submission.count();
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      { key: 'not-the-key' },
      { noSignature: true },
      { send: JSON.stringify({ event: 'sms:received', id: eventId(), payload: received() }) },
      { timestamp: now - 10 * 60 },
      { timestamp: now + 10 * 60 },
    ];
    for (const o of cases) {
      const res = await post('sms:received', received(), o);
      expect(res.status, JSON.stringify(o)).toBe(403);
    }
    const stale = await post('sms:received', received(), { timestamp: now - 10 * 60 });
    expect(stale.body?.error?.message).toMatch(/X-Timestamp is 10 minutes from our clock/);
    expect(await h.deps.prisma.submission.count()).toBe(before);
    // Malformed but signed: 400 with the field's name.
    const bad = await post('sms:received', { message: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body?.error?.message).toContain('phoneNumber');
  });
});

describe('routing, keywords and the rate limit (as for a Twilio SMS)', () => {
  it('a follow-up joins the open tip, a leading reference routes, 新 forces a new tip', async () => {
    const from = localMobile();
    const e1 = eventId();
    await post('sms:received', received({ from, text: '大齿社区3号楼楼道灯坏了。' }), { id: e1 });
    const first = await processed(e1);
    const e2 = eventId();
    await post('sms:received', received({ from, text: '补充一下：是二单元。' }), { id: e2 });
    expect((await processed(e2)).tipId).toBe(first.tipId);
    const sent = await sentTo(e164(from), 2);
    const tip = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: first.tipId! } });
    expect(sent[1].body.message).toContain(`已补充到爆料${tip.reference}`);

    // Another number addressing the tip by its code.
    const neighbour = localMobile();
    const e3 = eventId();
    await post('sms:received', received({ from: neighbour, text: `${tip.reference} 我也是这栋楼的，确实很黑。` }), { id: e3 });
    expect((await processed(e3)).tipId).toBe(first.tipId);

    const e4 = eventId();
    await post('sms:received', received({ from, text: '新 小区东门垃圾没人清。' }), { id: e4 });
    const fresh = await processed(e4);
    expect(fresh.tipId).not.toBe(first.tipId);
    expect((await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: fresh.tipId! } })).body).toBe('小区东门垃圾没人清。');
  });

  it('STOP/退订 opts out (confirmed once), nothing more is sent, replies are refused; START opts back in', async () => {
    const from = localMobile();
    const e1 = eventId();
    await post('sms:received', received({ from, text: '楼下烧烤油烟太大。' }), { id: e1 });
    const first = await processed(e1);
    await sentTo(e164(from), 1);
    const stop = eventId();
    await post('sms:received', received({ from, text: '退订' }), { id: stop });
    const stopSub = await processed(stop);
    expect(stopSub).toMatchObject({ state: 'SKIPPED', tipId: null });
    const [, confirm] = await sentTo(e164(from), 2);
    expect(confirm.body.id).toBe(`ctl-${stopSub.id}`);
    expect(confirm.body.message).toContain('您已退订');
    expect(await h.deps.prisma.tipster.findUnique({ where: { phone: e164(from) } })).toMatchObject({ smsOptOut: true });

    // Still a tip (stored and threaded), but no acknowledgement.
    const e2 = eventId();
    await post('sms:received', received({ from, text: '今天晚上又开始了。' }), { id: e2 });
    expect((await processed(e2)).tipId).toBe(first.tipId);
    const editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR');
    const refused = await fetch(`${h.baseUrl}/api/tips/${first.tipId}/reply`, {
      method: 'POST',
      headers: { ...editor.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ body: '您好，记者明天过去看看。' }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe('sms_opt_out');

    const start = eventId();
    await post('sms:received', received({ from, text: 'START' }), { id: start });
    await processed(start);
    const [, , resubscribed] = await sentTo(e164(from), 3);
    expect(resubscribed.body.message).toContain('恢复');
    expect(await h.deps.prisma.tipster.findUnique({ where: { phone: e164(from) } })).toMatchObject({ smsOptOut: false });
    const e3 = eventId();
    await post('sms:received', received({ from, text: '还在烧烤。' }), { id: e3 });
    await processed(e3);
    const all = await sentTo(e164(from), 4);
    expect(all[3].body.message).toContain('已补充到爆料');
    // Nothing was sent while opted out.
    expect(all).toHaveLength(4);
  });

  it('HELP is answered; texts over SMS_RATE_LIMIT_PER_HOUR in an hour are stored but not acknowledged', async () => {
    const from = localMobile();
    const help = eventId();
    await post('sms:received', received({ from, text: 'HELP' }), { id: help });
    const [answer] = await sentTo(e164(from));
    expect(answer.body.message).toContain('Reply STOP');
    const ids: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const id = eventId();
      ids.push(id);
      await post('sms:received', received({ from, text: `第${i}条：楼下的车又堵住消防通道了。` }), { id });
    }
    // Each text is its own normalize job and they may finish in any order: wait for all six.
    for (const id of ids.slice(0, 5)) await processed(id);
    const last = await processed(ids[5]);
    expect(last.rateLimited).toBe(true);
    // The hour counts every text from the number, HELP included: texts 5 and 6 are over the limit
    // and get no acknowledgement. HELP's answer + four acknowledgements.
    expect((await processed(ids[4])).rateLimited).toBe(true);
    expect(await h.deps.prisma.message.count({ where: { tipId: last.tipId!, direction: 'OUTBOUND' } })).toBe(4);
    await sentTo(e164(from), 5);
    await waitFor(async () => (await h.deps.prisma.job.count({ where: { kind: 'sms-gateway-send', state: { in: ['QUEUED', 'RUNNING'] } } })) === 0);
    expect(fake.sentTo(e164(from))).toHaveLength(5);
  });
});

describe('outbound through the phone', () => {
  it('a dashboard reply goes out on the channel the tip came in on, with the message id as the gateway id', async () => {
    const from = localMobile();
    const id = eventId();
    await post('sms:received', received({ from, text: '小区健身器材坏了。' }), { id });
    const sub = await processed(id);
    const editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR');
    const res = await fetch(`${h.baseUrl}/api/tips/${sub.tipId}/reply`, {
      method: 'POST',
      headers: { ...editor.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ body: '您好，请问是哪个小区？😊' }),
    });
    expect(res.status).toBe(201);
    const m = (await res.json()) as { message: { id: string; channel: string } };
    expect(m.message.channel).toBe('SMS_GATEWAY');
    const sent = await sentTo(e164(from), 2);
    expect(sent[1].body).toMatchObject({ id: m.message.id, message: '您好，请问是哪个小区？😊', phoneNumbers: [e164(from)] });
    expect(sent[1].query).toBe('?skipPhoneValidation=true');
  });

  it('the phone unreachable: the send retries with backoff, then the message shows FAILED', async () => {
    const from = localMobile();
    const id = eventId();
    fake.state.refuse = 1000;
    try {
      await post('sms:received', received({ from, text: '小区停水两天了。' }), { id });
      const sub = await processed(id);
      const failed = await waitFor(
        () => h.deps.prisma.message.findFirst({ where: { tipId: sub.tipId!, direction: 'OUTBOUND', deliveryState: 'FAILED' } }),
        60_000,
        'the acknowledgement FAILED',
      );
      expect(failed.deliveryError).toMatch(/fetch failed|socket|ECONNRESET/i);
      // The last attempt marks the message FAILED, then the worker records the job DEAD: a moment apart.
      const job = await waitFor(
        () => h.deps.prisma.job.findFirst({ where: { uniqueKey: `sms-gateway-send:${failed.id}`, state: 'DEAD' } }),
        10_000,
        'the send job DEAD',
      );
      expect(job.attempts).toBe(6);
    } finally {
      fake.state.refuse = 0;
    }
    expect(fake.sentTo(e164(from))).toHaveLength(0);
  });

  it('a brief outage: retried, then accepted once', async () => {
    const from = localMobile();
    fake.state.status503 = 2;
    await post('sms:received', received({ from, text: '小区门禁坏了。' }));
    const [ack] = await sentTo(e164(from));
    const row = await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: ack.body.id, externalId: { not: null } } }));
    expect(row).toMatchObject({ deliveryState: 'QUEUED', deliveryError: null });
    // Two attempts answered 503, the third accepted: one SMS.
    expect(fake.posts.filter((p) => p.body.id === ack.body.id).map((p) => p.accepted)).toEqual([false, false, true]);
  });

  it('no double send when the phone accepted but the answer was lost: the retry asks GET /message/{id} first', async () => {
    const from = localMobile();
    fake.state.dropAfterAccept = 1;
    await post('sms:received', received({ from, text: '楼道里堆满了杂物。' }));
    const [ack] = await sentTo(e164(from));
    const row = await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: ack.body.id, externalId: { not: null } } }));
    expect(row.externalId).toBe(ack.body.id);
    const job = await waitFor(() => h.deps.prisma.job.findFirst({ where: { uniqueKey: `sms-gateway-send:${row.id}`, state: 'COMPLETED' } }));
    expect(job.attempts).toBe(2);
    expect(fake.sentTo(e164(from))).toHaveLength(1);
  });
});
