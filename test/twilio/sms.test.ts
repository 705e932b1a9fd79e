import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/queue/worker.js';
import { queueSmsReply } from '../../src/channels/twilio/sms-outbound.service.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { phone, postSigned, sid, smsParams, startTwilioStub, startWorker, twilioEnv, twimlMessage } from './twilio-support.js';

let h: AppHarness;
let worker: Worker<unknown>;
let stub: Awaited<ReturnType<typeof startTwilioStub>>;

beforeAll(async () => {
  stub = await startTwilioStub();
  h = await createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base, SMS_RATE_LIMIT_PER_HOUR: '5', SMS_FOLLOWUP_DAYS: '7' }) });
  // The harness leaves the REST client out by default; this one talks to the loopback stub.
  const { createTwilioClient } = await import('../../src/deps.js');
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await stub?.close();
});

const sms = (p: Record<string, string>, headers?: Record<string, string>) => postSigned(h.baseUrl, '/webhooks/twilio/sms', p, { headers });

async function processed(messageSid: string) {
  return waitFor(
    () => h.deps.prisma.submission.findFirst({ where: { channel: 'SMS', externalId: messageSid, state: { in: ['PROCESSED', 'SKIPPED'] } } }),
    15_000,
    `SMS ${messageSid} processed`,
  );
}

const tipWithThread = (id: string) =>
  h.deps.prisma.tip.findUniqueOrThrow({
    where: { id },
    include: { messages: { orderBy: { createdAt: 'asc' }, include: { attachments: true } }, tipster: true },
  });

describe('inbound SMS', () => {
  it('stores a Chinese SMS with emoji, answers with the reference in Chinese then English, and makes the tip', async () => {
    const body = '永泰街道大齿社区5号楼楼上漏水三天了😭，物业一直不管，家里墙皮都泡了🙏';
    const p = smsParams({ body });
    const res = await sms(p);
    expect(res.status).toBe(200);
    const text = twimlMessage(res.text)!;
    const ref = text.match(/T-\d{6}-\d{4}/)![0];
    expect(text.indexOf('已收到')).toBeLessThan(text.indexOf('Tip received'));
    const sub = await processed(p.MessageSid);
    // The tip exists at once; its reading (the suggestion among it) follows from the tip.read job.
    const tip = await waitFor(async () => {
      const t = await tipWithThread(sub.tipId!);
      return t.readAt && t;
    });
    expect(tip.reference).toBe(ref);
    expect(tip.body).toBe(body);
    expect(tip.channel).toBe('SMS');
    expect(tip.language).toBe('zh');
    expect(tip.suggestedCategory).toBe('HOUSEHOLD');
    expect(tip.tipster?.phone).toBe(p.From);
    expect(tip.messages).toHaveLength(1);
    expect(tip.messages[0]).toMatchObject({ direction: 'INBOUND', channel: 'SMS', body, externalId: p.MessageSid });
    expect(sub.params).toMatchObject({ Body: body, From: p.From, NumSegments: '1' });
    expect(h.logs.text).not.toContain(p.From);
    expect(h.logs.text).not.toContain('漏水三天');
  });

  it('recognises a retry (same MessageSid) delivered three times at once: one submission, one tip, same answer', async () => {
    const p = smsParams({ body: '大齿社区门口的井盖松动了，电动车压过去响得厉害。' });
    const token = `${p.MessageSid}-idem`;
    const answers = await Promise.all([1, 2, 3].map(() => sms(p, { 'i-twilio-idempotency-token': token })));
    for (const a of answers) expect(a.status).toBe(200);
    const refs = answers.map((a) => twimlMessage(a.text)!.match(/T-\d{6}-\d{4}/)![0]);
    expect(new Set(refs).size).toBe(1);
    const sub = await processed(p.MessageSid);
    expect(await h.deps.prisma.submission.count({ where: { externalId: p.MessageSid } })).toBe(1);
    const tips = await h.deps.prisma.tip.findMany({ where: { tipster: { phone: p.From } } });
    expect(tips).toHaveLength(1);
    expect(tips[0].id).toBe(sub.tipId);
    expect(await h.deps.prisma.message.count({ where: { tipId: sub.tipId! } })).toBe(1);
    // A later redelivery answers the same way too.
    expect(twimlMessage((await sms(p)).text)).toContain(refs[0]);
  });

  it('threads follow-ups from the same number, honours a leading reference code and NEW/新', async () => {
    const from = phone();
    const first = smsParams({ from, body: '平城区永泰街道的义诊活动是哪天？' });
    const ref1 = twimlMessage((await sms(first)).text)!.match(/T-\d{6}-\d{4}/)![0];
    const followUp = smsParams({ from, body: '补充：听说是周六上午在社区服务站。' });
    const r2 = twimlMessage((await sms(followUp)).text)!;
    expect(r2).toContain(`已补充到爆料 ${ref1}`);
    const fresh = smsParams({ from, body: '新 楼道里堆满了杂物，消防通道被堵。' });
    const ref3 = twimlMessage((await sms(fresh)).text)!.match(/T-\d{6}-\d{4}/)![0];
    expect(ref3).not.toBe(ref1);
    // Now the newest open tip is ref3; a text starting with ref1 still goes to ref1.
    const byRef = smsParams({ from, body: `${ref1} 时间改到周日了` });
    expect(twimlMessage((await sms(byRef)).text)).toContain(ref1);
    const plain = smsParams({ from, body: '杂物今天还没清走' });
    expect(twimlMessage((await sms(plain)).text)).toContain(ref3);
    for (const p of [first, followUp, fresh, byRef, plain]) await processed(p.MessageSid);

    const t1 = await tipWithThread((await h.deps.prisma.tip.findUniqueOrThrow({ where: { reference: ref1 } })).id);
    expect(t1.messages.map((m) => m.body)).toEqual([first.Body, followUp.Body, byRef.Body]);
    const t3 = await tipWithThread((await h.deps.prisma.tip.findUniqueOrThrow({ where: { reference: ref3 } })).id);
    expect(t3.body).toBe('楼道里堆满了杂物，消防通道被堵。');
    expect(t3.messages.map((m) => m.body)).toEqual(['楼道里堆满了杂物，消防通道被堵。', plain.Body]);
  });

  it('opens a new tip when the open one is older than SMS_FOLLOWUP_DAYS or closed', async () => {
    const from = phone();
    const a = smsParams({ from, body: '小区垃圾站夏天味道很大。' });
    const refA = twimlMessage((await sms(a)).text)!.match(/T-\d{6}-\d{4}/)![0];
    await processed(a.MessageSid);
    await h.deps.prisma.tip.update({ where: { reference: refA }, data: { lastActivityAt: new Date(Date.now() - 8 * 86_400_000) } });
    const b = smsParams({ from, body: '垃圾站的事还没解决。' });
    const refB = twimlMessage((await sms(b)).text)!.match(/T-\d{6}-\d{4}/)![0];
    expect(refB).not.toBe(refA);
    await processed(b.MessageSid);
    await h.deps.prisma.tip.update({ where: { reference: refB }, data: { status: 'PUBLISHED' } });
    const c = smsParams({ from, body: '谢谢报道！' });
    const refC = twimlMessage((await sms(c)).text)!.match(/T-\d{6}-\d{4}/)![0];
    expect([refA, refB]).not.toContain(refC);
  });

  it('rate-limits a flood: excess texts are stored, marked and threaded, with no auto-reply', async () => {
    const from = phone();
    const texts = Array.from({ length: 7 }, (_, i) => smsParams({ from, body: `第${i + 1}条：楼下广场舞音响太吵` }));
    const answers = [];
    for (const p of texts) answers.push(await sms(p));
    expect(answers.slice(0, 5).every((a) => twimlMessage(a.text))).toBe(true);
    for (const a of answers.slice(5)) {
      expect(a.status).toBe(200);
      expect(twimlMessage(a.text)).toBeNull();
    }
    for (const p of texts) await processed(p.MessageSid);
    const subs = await h.deps.prisma.submission.findMany({ where: { sender: from }, orderBy: { receivedAt: 'asc' } });
    expect(subs.map((s) => s.rateLimited)).toEqual([false, false, false, false, false, true, true]);
    expect(new Set(subs.map((s) => s.tipId)).size).toBe(1);
    expect(await h.deps.prisma.message.count({ where: { tipId: subs[0].tipId! } })).toBe(7);
  });

  it('MMS with two images: attachments are fetched by a job with the account credentials', async () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('楼道裂缝照片一'.repeat(200))]);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('crack photo two'.repeat(300))]);
    const acct = `/2010-04-01/Accounts/${h.deps.config.TWILIO_ACCOUNT_SID}/Messages/${sid('MM')}/Media`;
    const media = [
      { url: stub.serve(`${acct}/${sid('ME')}`, 'image/jpeg', jpeg), type: 'image/jpeg' },
      { url: stub.serve(`${acct}/${sid('ME')}`, 'image/png', png), type: 'image/png' },
    ];
    const p = smsParams({ body: '3号楼外墙裂了，见图', media });
    const res = await sms(p);
    expect(twimlMessage(res.text)).toMatch(/T-\d{6}-\d{4}/);
    const sub = await processed(p.MessageSid);
    const stored = await waitFor(async () => {
      const atts = await h.deps.prisma.attachment.findMany({ where: { tipId: sub.tipId! }, include: { blob: true }, orderBy: { sourceKey: 'asc' } });
      return atts.length === 2 && atts.every((a) => a.state === 'STORED') ? atts : null;
    });
    expect(stored.map((a) => a.sourceKey)).toEqual(['media:0', 'media:1']);
    expect(stored.map((a) => a.contentType)).toEqual(['image/jpeg', 'image/png']);
    expect(stored.map((a) => a.kind)).toEqual(['image', 'image']);
    expect(Buffer.from(stored[0].blob!.data).equals(jpeg)).toBe(true);
    expect(Buffer.from(stored[1].blob!.data).equals(png)).toBe(true);
    expect(stored[0].sha256).toBe(createHash('sha256').update(jpeg).digest('hex'));
    expect(stored[1].size).toBe(png.length);
    const fetches = stub.requests.filter((r) => r.method === 'GET' && r.path.startsWith(acct));
    expect(fetches.length).toBeGreaterThanOrEqual(2);
  });

  it('retries a media download that fails at first', async () => {
    const path = `/2010-04-01/Accounts/x/Media/${sid('ME')}`;
    const gif = Buffer.from('GIF89a-楼道照片');
    const url = stub.serve(path, 'image/gif', gif);
    stub.state.failMedia.add(path);
    const p = smsParams({ body: '照片补发', media: [{ url, type: 'image/gif' }] });
    await sms(p);
    const sub = await processed(p.MessageSid);
    const att = await waitFor(() => h.deps.prisma.attachment.findFirst({ where: { tipId: sub.tipId!, state: 'STORED' }, include: { blob: true } }));
    expect(Buffer.from(att.blob!.data).equals(gif)).toBe(true);
    expect(stub.requests.filter((r) => r.path === path)).toHaveLength(2);
  });

  it('marks media over ATTACHMENT_MAX_BYTES as TOO_LARGE', async () => {
    const big = Buffer.alloc(h.deps.config.ATTACHMENT_MAX_BYTES + 1, 7);
    const url = stub.serve(`/2010-04-01/Accounts/x/Media/${sid('ME')}`, 'video/mp4', big);
    const p = smsParams({ body: '', media: [{ url, type: 'video/mp4' }] });
    await sms(p);
    const sub = await processed(p.MessageSid);
    const att = await waitFor(() => h.deps.prisma.attachment.findFirst({ where: { tipId: sub.tipId!, state: 'TOO_LARGE' } }));
    expect(att.error).toContain('ATTACHMENT_MAX_BYTES');
    expect(await h.deps.prisma.attachmentBlob.count({ where: { attachmentId: att.id } })).toBe(0);
    const tip = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: sub.tipId! } });
    expect(tip.body).toContain('彩信');
  });

  it('STOP/退订 records the opt-out; a later reply is not sent and says why; START opts back in', async () => {
    const from = phone();
    const tipText = smsParams({ from, body: '社区服务站什么时候开门？' });
    const ref = twimlMessage((await sms(tipText)).text)!.match(/T-\d{6}-\d{4}/)![0];
    const tipSub = await processed(tipText.MessageSid);
    const stop = smsParams({ from, body: '退订' });
    const stopRes = await sms(stop);
    expect(twimlMessage(stopRes.text)).toContain('您已退订');
    const stopSub = await processed(stop.MessageSid);
    expect(stopSub.state).toBe('SKIPPED');
    expect((await h.deps.prisma.tipster.findUniqueOrThrow({ where: { phone: from } })).smsOptOut).toBe(true);
    // The English keyword is Twilio's to answer: recorded, no TwiML reply from us.
    const stop2 = smsParams({ from, body: 'STOP' });
    expect(twimlMessage((await sms(stop2)).text)).toBeNull();
    // An editor's reply is queued but never sent.
    const sentBefore = stub.messageRequests().length;
    const msg = await h.deps.prisma.$transaction((tx) =>
      queueSmsReply(tx, { tipId: tipSub.tipId!, to: from, body: `关于 ${ref}：周一到周五 8:30 开门。` }),
    );
    const suppressed = await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: msg.id, deliveryState: 'SUPPRESSED' } }));
    expect(suppressed.deliveryError).toContain('opted out');
    expect(stub.messageRequests().length).toBe(sentBefore);
    // Texts from an opted-out number still reach the thread but get no auto-reply.
    const more = smsParams({ from, body: '还有一个问题' });
    expect(twimlMessage((await sms(more)).text)).toBeNull();
    expect((await processed(more.MessageSid)).tipId).toBe(tipSub.tipId);

    const start = smsParams({ from, body: 'START' });
    await sms(start);
    await processed(start.MessageSid);
    expect((await h.deps.prisma.tipster.findUniqueOrThrow({ where: { phone: from } })).smsOptOut).toBe(false);
    const msg2 = await h.deps.prisma.$transaction((tx) => queueSmsReply(tx, { tipId: tipSub.tipId!, to: from, body: '欢迎回来' }));
    await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: msg2.id, deliveryState: 'SENT' } }));
  });

  it('HELP / 帮助 answers with the hotline description and makes no tip', async () => {
    const p = smsParams({ body: '帮助' });
    const text = twimlMessage((await sms(p)).text)!;
    expect(text).toContain(h.deps.config.HOTLINE_PHONE);
    expect(text).toContain('晚报社区版爆料热线');
    const sub = await processed(p.MessageSid);
    expect(sub.state).toBe('SKIPPED');
    expect(sub.tipId).toBeNull();
  });

  it('keeps intake counters for twilio:sms', async () => {
    const row = await waitFor(async () => {
      const r = await h.deps.prisma.intakeSource.findUnique({ where: { id: 'twilio:sms' } });
      return r && r.stored > 5 && r.duplicates >= 2 && r.skipped >= 2 ? r : null;
    });
    expect(row.channel).toBe('SMS');
    expect(row.seen).toBeGreaterThanOrEqual(row.stored + row.duplicates + row.skipped);
    expect(row.lastSuccessAt).not.toBeNull();
  });
});
