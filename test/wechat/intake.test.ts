import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { startWorker } from '../twilio/twilio-support.js';
import { png } from '../dashboard/fixtures.js';
import {
  ACCOUNT,
  amr,
  base,
  buildPush,
  msgId,
  nowSeconds,
  openId,
  push,
  referenceIn,
  sha1,
  startWechatApi,
  textPush,
  TOKEN,
  wechatEnv,
  type WechatApi,
} from './wechat-support.js';

// Pushes signed and encrypted as the WeChat server makes them, into the real app and worker,
// with media served by a loopback WeChat API.

let h: AppHarness;
let plain: AppHarness;
let off: AppHarness;
let worker: Worker<unknown>;
let api: WechatApi;

beforeAll(async () => {
  api = await startWechatApi();
  [h, plain, off] = await Promise.all([
    createAppHarness({ env: wechatEnv({ WECHAT_API_BASE_URL: api.base, SMS_RATE_LIMIT_PER_HOUR: '30' }) }),
    createAppHarness({ env: wechatEnv({ WECHAT_API_BASE_URL: api.base, WECHAT_ENCODING_AES_KEY: '' }) }),
    createAppHarness(),
  ]);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await Promise.all([h?.close(), plain?.close(), off?.close()]);
  await api?.close();
});

const processed = (externalId: string) =>
  waitFor(
    () => h.deps.prisma.submission.findFirst({ where: { channel: 'WECHAT', externalId, state: { in: ['PROCESSED', 'SKIPPED'] } } }),
    15_000,
    `WeChat ${externalId} processed`,
  );

const thread = (id: string) =>
  h.deps.prisma.tip.findUniqueOrThrow({
    where: { id },
    include: { messages: { orderBy: { createdAt: 'asc' }, include: { attachments: { include: { blob: true } } } }, tipster: true },
  });

const storedAttachment = (tipId: string) =>
  waitFor(
    () => h.deps.prisma.attachment.findFirst({ where: { tipId, state: { not: 'PENDING' } }, include: { blob: true } }),
    20_000,
    'attachment downloaded',
  );

describe('URL verification (GET)', () => {
  const verify = (app: AppHarness, token: string, timestamp = String(nowSeconds())) => {
    const q = new URLSearchParams({ signature: sha1(token, timestamp, '1928374'), timestamp, nonce: '1928374', echostr: '7125619282917263547' });
    return fetch(`${app.baseUrl}/webhooks/wechat?${q}`);
  };

  it('echoes echostr as plain text when the signature holds', async () => {
    const res = await verify(h, TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toBe('7125619282917263547');
  });

  it('answers 403 to a wrong signature or a stale timestamp', async () => {
    expect((await verify(h, 'not-our-token')).status).toBe(403);
    expect((await verify(h, TOKEN, String(nowSeconds() - 3600))).status).toBe(403);
  });

  it('answers 503 with a clear message while WeChat is not configured', async () => {
    const res = await verify(off, TOKEN);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('WECHAT_TOKEN');
  });
});

describe('messages', () => {
  it('takes a text in safe mode: one tip, an encrypted passive reply with the reference, the OpenID kept out of logs', async () => {
    const from = openId();
    const content = '平城区永泰街道大齿社区5号楼楼上漏水三天了，物业一直不管，家里墙皮都泡了';
    const p = textPush({ from, content });
    const res = await push(h.baseUrl, p, { mode: 'safe' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<Encrypt>');
    expect(res.reply).toMatchObject({ encrypted: 'yes', ToUserName: from, FromUserName: ACCOUNT, MsgType: 'text' });
    expect(res.reply!.Content).toMatch(/^已收到您的报料，编号 T-\d{6}-\d{4}/);
    const sub = await processed(String(p.MsgId));
    const tip = await thread(sub.tipId!);
    expect(tip.reference).toBe(referenceIn(res.reply!.Content));
    expect(tip).toMatchObject({ channel: 'WECHAT', body: content, language: 'zh' });
    expect(tip.tipster?.wechatOpenId).toBe(from);
    expect(tip.messages).toMatchObject([{ direction: 'INBOUND', channel: 'WECHAT', body: content, externalId: String(p.MsgId) }]);
    expect(sub.meta).toMatchObject({ mode: 'safe' });
    await waitFor(async () => (await h.deps.prisma.intakeSource.findUnique({ where: { id: 'wechat' } }))?.stored, 5_000, 'intake counters');
    expect(h.logs.text).not.toContain(from);
    expect(h.logs.text).not.toContain('墙皮');
  });

  it('takes compatible mode (plaintext and Encrypt together) and plaintext mode', async () => {
    const a = await push(h.baseUrl, textPush({ from: openId(), content: '古城墙下的公共厕所坏了好几天' }), { mode: 'compatible' });
    expect(a.reply).toMatchObject({ encrypted: 'yes' });
    expect(referenceIn(a.reply!.Content)).not.toBeNull();
    const b = await push(plain.baseUrl, textPush({ from: openId(), content: '小区门口的路灯不亮' }));
    expect(b.text).not.toContain('<Encrypt>');
    expect(referenceIn(b.reply!.Content)).not.toBeNull();
    // Compatible mode without our key: the plaintext copy is used, under the URL signature.
    const c = await push(plain.baseUrl, textPush({ from: openId(), content: '菜市场门口积水' }), { mode: 'compatible' });
    expect(referenceIn(c.reply!.Content)).not.toBeNull();
    // Safe mode without our key cannot be read.
    expect((await push(plain.baseUrl, textPush({ from: openId(), content: '无法解密' }), { mode: 'safe' })).status).toBe(503);
  });

  it('answers a retried MsgId delivered three times at once with one submission, one tip and the same reply', async () => {
    const from = openId();
    const p = textPush({ from, content: '大齿社区门口的井盖松动了，电动车压过去响得厉害。' });
    const answers = await Promise.all([1, 2, 3].map(() => push(h.baseUrl, p, { mode: 'safe' })));
    for (const a of answers) expect(a.status).toBe(200);
    expect(new Set(answers.map((a) => a.reply!.Content)).size).toBe(1);
    await processed(String(p.MsgId));
    expect(await h.deps.prisma.submission.count({ where: { channel: 'WECHAT', externalId: String(p.MsgId) } })).toBe(1);
    expect(await h.deps.prisma.tip.count({ where: { tipster: { wechatOpenId: from } } })).toBe(1);
  });

  it('refuses forged, tampered, replayed and misaddressed pushes with 403 and stores nothing', async () => {
    const cases = [
      { opts: { mode: 'safe' as const, token: 'forged-token' } },
      { opts: { mode: 'plain' as const, token: 'forged-token' } },
      { opts: { mode: 'safe' as const, timestamp: nowSeconds() - 600 } },
      { opts: { mode: 'safe' as const, encryptAppId: 'wx0000000000000000' } },
    ];
    for (const c of cases) {
      const p = textPush({ from: openId(), content: '伪造的报料' });
      const res = await push(h.baseUrl, p, c.opts);
      expect(res.status).toBe(403);
      expect(await h.deps.prisma.submission.count({ where: { externalId: String(p.MsgId) } })).toBe(0);
    }
    // A plaintext body swapped after signing: the URL signature cannot see it, so safe mode it is.
    const p = textPush({ from: openId(), content: '原文' });
    const signed = buildPush(p, { mode: 'safe' });
    const other = buildPush(textPush({ from: openId(), content: '篡改' }), { mode: 'safe' });
    const res = await fetch(`${h.baseUrl}/webhooks/wechat?${signed.query}`, { method: 'POST', body: other.body });
    expect(res.status).toBe(403);
  });

  it('downloads a photo through the media API, and falls back to PicUrl when the media is gone', async () => {
    const from = openId();
    const image = png(120, 80, [200, 30, 30]);
    const mediaId = `MEDIA_${msgId()}`;
    api.addMedia(mediaId, 'image/jpeg', image);
    const p = { ...base(from, 'image'), PicUrl: 'http://mmbiz.qpic.cn/never-used', MediaId: mediaId, MsgId: msgId() };
    const res = await push(h.baseUrl, p, { mode: 'safe' });
    expect(referenceIn(res.reply!.Content)).not.toBeNull();
    const sub = await processed(String(p.MsgId));
    const att = await storedAttachment(sub.tipId!);
    expect(att).toMatchObject({ state: 'STORED', kind: 'image', contentType: 'image/jpeg', size: image.length });
    expect(Buffer.from(att.blob!.data).equals(image)).toBe(true);
    const get = api.requests.find((r) => r.path === '/cgi-bin/media/get' && r.query.get('media_id') === mediaId)!;
    expect(get.query.get('access_token')).toMatch(/^ACCESS_/);

    const pic = png(40, 30, [0, 0, 200]);
    const picUrl = api.serve(`/mmbiz/${msgId()}.jpg`, 'image/jpeg', pic);
    const q = { ...base(openId(), 'image'), PicUrl: picUrl, MediaId: 'EXPIRED_MEDIA', MsgId: msgId() };
    await push(h.baseUrl, q);
    const sub2 = await processed(String(q.MsgId));
    const att2 = await storedAttachment(sub2.tipId!);
    expect(Buffer.from(att2.blob!.data).equals(pic)).toBe(true);
  });

  it('takes a voice message: the recognition is the tip text and transcript, the AMR audio becomes MP3', async () => {
    const from = openId();
    const mediaId = `VOICE_${msgId()}`;
    api.addMedia(mediaId, 'audio/amr', amr(1));
    const recognition = '我们小区的电梯又坏了，老人上不了楼。';
    const p = { ...base(from, 'voice'), MediaId: mediaId, Format: 'amr', Recognition: recognition, MsgId: msgId() };
    const res = await push(h.baseUrl, p, { mode: 'safe' });
    expect(referenceIn(res.reply!.Content)).not.toBeNull();
    const sub = await processed(String(p.MsgId));
    const tip = await thread(sub.tipId!);
    expect(tip.body).toBe(recognition);
    expect(tip.messages[0]).toMatchObject({ kind: 'transcript', body: recognition });
    const att = await storedAttachment(tip.id);
    expect(att).toMatchObject({ state: 'STORED', kind: 'audio', contentType: 'audio/mpeg', filename: 'wechat-voice.mp3' });
    // An MPEG audio frame (or an ID3 tag) starts the file.
    const head = Buffer.from(att.blob!.data).subarray(0, 3);
    expect(head.toString('latin1') === 'ID3' || (head[0] === 0xff && (head[1] & 0xe0) === 0xe0)).toBe(true);
  });

  it('keeps a video (media API answers with video_url) and a short video as attachments', async () => {
    const from = openId();
    const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(200, 1)]);
    const mediaId = `VIDEO_${msgId()}`;
    api.addVideo(mediaId, bytes);
    const p = { ...base(from, 'shortvideo'), MediaId: mediaId, ThumbMediaId: 'THUMB', MsgId: msgId() };
    await push(h.baseUrl, p);
    const sub = await processed(String(p.MsgId));
    const att = await storedAttachment(sub.tipId!);
    expect(att).toMatchObject({ kind: 'video', contentType: 'video/mp4', size: bytes.length });
  });

  it('sets the tip’s place from a location message and keeps the coordinates; a link joins as text', async () => {
    const from = openId();
    const first = textPush({ from, content: '东门外的人行道塌了一个坑' });
    await push(h.baseUrl, first);
    const sub1 = await processed(String(first.MsgId));
    const loc = {
      ...base(from, 'location'),
      Location_X: '40.0768',
      Location_Y: '113.3001',
      Scale: '16',
      Label: '山西省大同市平城区永泰街道',
      MsgId: msgId(),
    };
    const res = await push(h.baseUrl, loc, { mode: 'safe' });
    expect(res.reply!.Content).toContain('已收到您的补充');
    const sub2 = await processed(String(loc.MsgId));
    expect(sub2.tipId).toBe(sub1.tipId);
    const tip = await thread(sub1.tipId!);
    expect(tip.location).toBe('山西省大同市平城区永泰街道');
    expect(sub2.params).toMatchObject({ Location_X: '40.0768', Location_Y: '113.3001' });
    const link = { ...base(from, 'link'), Title: '社区通知', Description: '停水公告', Url: 'https://example.cn/a', MsgId: msgId() };
    await push(h.baseUrl, link);
    const sub3 = await processed(String(link.MsgId));
    expect(sub3.tipId).toBe(sub1.tipId);
    expect((await thread(sub1.tipId!)).messages.at(-1)!.body).toBe('社区通知\n停水公告\nhttps://example.cn/a');
  });

  it('routes follow-ups to the open tip, a leading reference to its tip, and 新 to a new tip', async () => {
    const from = openId();
    const a = await push(h.baseUrl, textPush({ from, content: '小区供暖不热，家里只有十五度' }));
    const refA = referenceIn(a.reply!.Content)!;
    const b = await push(h.baseUrl, textPush({ from, content: '今天还是不热' }));
    expect(b.reply!.Content).toContain(refA);
    expect(b.reply!.Content).toContain('补充');
    const c = await push(h.baseUrl, textPush({ from, content: '新 楼下垃圾站三天没人清理' }));
    const refC = referenceIn(c.reply!.Content)!;
    expect(refC).not.toBe(refA);
    expect(c.reply!.Content).toContain('已收到您的报料');
    const d = textPush({ from, content: `${refA} 物业说明天来修` });
    const dr = await push(h.baseUrl, d);
    expect(dr.reply!.Content).toContain(refA);
    const sub = await processed(String(d.MsgId));
    expect((await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: sub.tipId! } })).reference).toBe(refA);
    const tipC = await h.deps.prisma.tip.findUniqueOrThrow({ where: { reference: refC } });
    await waitFor(async () => (await h.deps.prisma.tip.findUnique({ where: { id: tipC.id } }))?.body === '楼下垃圾站三天没人清理');
  });
});

describe('events', () => {
  it('welcomes a new follower (no tip) and records an unfollow as skipped', async () => {
    const from = openId();
    const at = nowSeconds();
    const sub = { ...base(from, 'event', at), Event: 'subscribe', EventKey: '' };
    const res = await push(h.baseUrl, sub, { mode: 'safe' });
    expect(res.reply!.Content).toContain('感谢关注');
    expect(res.reply!.Content).toContain('新');
    const again = await push(h.baseUrl, sub, { mode: 'safe' });
    expect(again.reply!.Content).toBe(res.reply!.Content);
    const unsub = { ...base(from, 'event', at + 5), Event: 'unsubscribe', EventKey: '' };
    const u = await push(h.baseUrl, unsub, { mode: 'safe' });
    expect(u.text).toBe('success');
    const rows = await h.deps.prisma.submission.findMany({ where: { channel: 'WECHAT', sender: from }, orderBy: { externalId: 'asc' } });
    expect(rows.map((r) => [r.externalId, r.state, r.tipId])).toEqual([
      [`event:${from}:${at}`, 'SKIPPED', null],
      [`event:${from}:${at + 5}`, 'SKIPPED', null],
    ]);
    expect(await h.deps.prisma.tip.count({ where: { tipster: { wechatOpenId: from } } })).toBe(0);
  });

  it('refuses a push with fields missing (400, names them)', async () => {
    const res = await push(h.baseUrl, { ToUserName: ACCOUNT, MsgType: 'text', Content: 'x' }, { mode: 'safe' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('FromUserName');
  });
});
