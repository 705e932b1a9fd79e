import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps, createTwilioClient, closeDeps } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { startSmtpCapture } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';
import { startTwilioStub, startWorker, twilioEnv } from '../twilio/twilio-support.js';
import { address, keyOf, png, postApi, statusPath, TEXTS, tipForm } from './web-support.js';

// The public API over HTTP: what a tipster's browser, the paper's site or its app sees, and
// what is (or is not) stored. Acknowledgements go to a real SMTP capture and a Twilio stand-in.

const SITE = 'https://www.example-paper.cn';
let h: AppHarness;
let worker: Worker<unknown>;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let stub: Awaited<ReturnType<typeof startTwilioStub>>;

beforeAll(async () => {
  [smtp, stub] = await Promise.all([startSmtpCapture(), startTwilioStub()]);
  h = await createAppHarness({
    env: twilioEnv({
      TWILIO_API_BASE_URL: stub.base,
      TRUST_PROXY: 'true',
      WEB_FORM_ORIGINS: SITE,
      ATTACHMENT_MAX_BYTES: '300000',
      SMTP_URL: smtp.url,
      MAIL_FROM: '晚报社区版 <dtwbsq365@163.com>',
    }),
    overrides: { mailer: nodemailer.createTransport(smtp.url) },
  });
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await Promise.all([smtp?.close(), stub?.close()]);
});

const counts = async () => ({
  submissions: await h.deps.prisma.submission.count({ where: { channel: 'WEB' } }),
  tips: await h.deps.prisma.tip.count({ where: { channel: 'WEB' } }),
  attachments: await h.deps.prisma.attachment.count(),
});

async function processed(reference: string) {
  return waitFor(
    async () => {
      // The submission first, the tip after: the normalize job marks it PROCESSED in the transaction
      // that fills in the tip, and Prisma reads a tip and its relations in separate statements, so a
      // tip read before that commit could come back with its messages but without its tipster.
      const reserved = await h.deps.prisma.tip.findUnique({ where: { reference }, select: { id: true } });
      if (!reserved) return null;
      const sub = await h.deps.prisma.submission.findFirst({ where: { tipId: reserved.id, state: 'PROCESSED' } });
      if (!sub) return null;
      const tip = await h.deps.prisma.tip.findUniqueOrThrow({
        where: { reference },
        include: { messages: { orderBy: { createdAt: 'asc' } }, tipster: true },
      });
      return tip.messages.some((m) => m.direction === 'INBOUND') ? tip : null;
    },
    15_000,
    `tip ${reference} normalized`,
  );
}

describe('POST /api/public/tips', () => {
  it('answers 201 with the reference and a private status link, the tip and both photos stored before the answer', async () => {
    const photos = [
      { name: '楼梯结冰.png', data: png(40, 30, { rgb: [30, 90, 200] }) },
      { name: 'pipe.png', data: png(20, 20) },
    ];
    const res = await postApi(h.baseUrl, tipForm({ body: TEXTS.leak, location: TEXTS.location }, photos), { address: address() });
    expect(res.status).toBe(201);
    expect(res.json.reference).toMatch(/^T-\d{6}-\d{4}$/);
    expect(res.json.statusUrl).toMatch(/^https:\/\/tips\.example-paper\.cn\/tip\/status\/[A-Za-z0-9_-]{43}$/);
    // Already there when the answer came: the tip row and the photos' bytes.
    const tip = await h.deps.prisma.tip.findUniqueOrThrow({ where: { reference: res.json.reference } });
    expect(tip).toMatchObject({ channel: 'WEB', body: TEXTS.leak, location: TEXTS.location });
    const atts = await h.deps.prisma.attachment.findMany({ where: { tipId: tip.id }, include: { blob: true }, orderBy: { sourceKey: 'asc' } });
    expect(atts.map((a) => [a.filename, a.contentType, a.state])).toEqual([
      ['楼梯结冰.png', 'image/png', 'STORED'],
      ['pipe.png', 'image/png', 'STORED'],
    ]);
    expect(Buffer.from(atts[0].blob!.data).equals(photos[0].data)).toBe(true);
    // The key is stored only as a hash, and is not the reference in disguise.
    const links = await h.deps.prisma.webStatusLink.findMany({ where: { tipId: tip.id } });
    expect(links).toHaveLength(1);
    expect(links[0].keyHash).not.toContain(keyOf(res.json.statusUrl!));
    // The normalize job makes the message and hangs the photos on it.
    const done = await processed(res.json.reference!);
    expect(done.messages[0]).toMatchObject({ direction: 'INBOUND', channel: 'WEB', body: TEXTS.leak });
    expect(await h.deps.prisma.attachment.count({ where: { messageId: done.messages[0].id } })).toBe(2);
    expect(done.tipster).toBeNull();
  });

  it('takes JSON without photos, and acknowledges by email on the address left', async () => {
    const res = await postApi(h.baseUrl, { body: TEXTS.leak, name: '王阿姨', email: 'wang.ayi@example.cn', consent: true }, { address: address() });
    expect(res.status).toBe(201);
    const tip = await processed(res.json.reference!);
    expect(tip.tipster).toMatchObject({ email: 'wang.ayi@example.cn', displayName: '王阿姨' });
    const mail = await waitFor(async () => smtp.received.find((m) => m.envelopeTo.includes('wang.ayi@example.cn')), 15_000, 'acknowledgement mail');
    expect(mail.parsed.subject).toContain(res.json.reference);
    expect(mail.parsed.text).toContain(`编号 ${res.json.reference}`);
    // The private link is never mailed: it is not stored anywhere it could be read back.
    expect(mail.parsed.text).not.toContain(keyOf(res.json.statusUrl!));
  });

  it('acknowledges by text through the enabled SMS adapter when a phone is left', async () => {
    const before = stub.messageRequests().length;
    const res = await postApi(h.baseUrl, { body: TEXTS.leak, phone: '138 0013 8000', consent: 'on' }, { address: address() });
    expect(res.status).toBe(201);
    const tip = await processed(res.json.reference!);
    expect(tip.tipster?.phone).toBe('+8613800138000');
    const sent = await waitFor(async () =>
      stub
        .messageRequests()
        .slice(before)
        .find((r) => new URLSearchParams(r.body).get('To') === '+8613800138000'),
    );
    expect(new URLSearchParams(sent.body).get('Body')).toContain(res.json.reference);
    // Logs carry ids, never the contact or the text.
    expect(h.logs.text).not.toContain('13800138000');
    expect(h.logs.text).not.toContain('wang.ayi');
    expect(h.logs.text).not.toContain('暖气管');
  });

  it('answers a retried post (same Idempotency-Key) exactly as the first, storing nothing new', async () => {
    const key = 'retry-0123456789abcdef';
    const ip = address();
    const first = await postApi(h.baseUrl, tipForm({ body: TEXTS.leak }, [{ name: 'a.png', data: png(8, 8) }]), {
      address: ip,
      headers: { 'idempotency-key': key },
    });
    const before = await counts();
    const again = await postApi(h.baseUrl, tipForm({ body: TEXTS.leak }, [{ name: 'a.png', data: png(8, 8) }]), {
      address: ip,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(await counts()).toEqual(before);
  });

  it('makes one tip of a post sent twice at once (same Idempotency-Key), its photos stored once', async () => {
    const key = 'double-0123456789abcdef';
    const before = await counts();
    const form = () => tipForm({ body: TEXTS.leak }, [{ name: 'a.png', data: png(16, 16, { noise: true }) }]);
    const [a, b] = await Promise.all([
      postApi(h.baseUrl, form(), { address: address(), headers: { 'idempotency-key': key } }),
      postApi(h.baseUrl, form(), { address: address(), headers: { 'idempotency-key': key } }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.json).toEqual(a.json);
    expect(await counts()).toEqual({ submissions: before.submissions + 1, tips: before.tips + 1, attachments: before.attachments + 1 });
  });

  it('stores nine photos (the most a post takes) byte for byte, in upload order', async () => {
    const photos = Array.from({ length: 9 }, (_, i) => ({ name: `p${i + 1}.png`, data: png(10 + i, 12, { noise: true }) }));
    const res = await postApi(h.baseUrl, tipForm({ body: TEXTS.leak }, photos), { address: address() });
    expect(res.status).toBe(201);
    const tip = await h.deps.prisma.tip.findUniqueOrThrow({ where: { reference: res.json.reference } });
    const atts = await h.deps.prisma.attachment.findMany({ where: { tipId: tip.id }, include: { blob: true }, orderBy: { createdAt: 'asc' } });
    expect(atts.map((a) => a.filename)).toEqual(photos.map((p) => p.name));
    for (const [i, a] of atts.entries()) {
      expect(Buffer.from(a.blob!.data).equals(photos[i].data)).toBe(true);
      expect(a.size).toBe(photos[i].data.length);
      expect(a.sha256).toBe(createHash('sha256').update(photos[i].data).digest('hex'));
    }
  });
});

describe('bad input: a clear 4xx in Chinese and English naming the field, nothing stored', () => {
  const cases: [string, () => FormData | Record<string, unknown>, number, string][] = [
    ['an empty body', () => tipForm({ body: '' }), 400, 'body'],
    ['a whitespace-only body', () => ({ body: ' \n\t　 ' }), 400, 'body'],
    [
      'a photo over ATTACHMENT_MAX_BYTES',
      () => tipForm({ body: TEXTS.leak }, [{ name: 'big.png', data: png(330, 330, { noise: true }) }]),
      413,
      'photos',
    ],
    [
      'a file that is not an image, whatever its name says',
      () => tipForm({ body: TEXTS.leak }, [{ name: 'photo.jpg', type: 'image/jpeg', data: Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\n') }]),
      415,
      'photos',
    ],
    ['a contact without consent', () => tipForm({ body: TEXTS.leak, phone: '13800138000' }), 400, 'consent'],
    [
      'ten photos',
      () =>
        tipForm(
          { body: TEXTS.leak },
          Array.from({ length: 10 }, (_, i) => ({ name: `p${i}.png`, data: png(4, 4) })),
        ),
      400,
      'photos',
    ],
    ['a wrong email', () => ({ body: TEXTS.leak, email: 'not-an-address', consent: true }), 400, 'email'],
  ];
  it.each(cases)('%s', async (_what, body, status, field) => {
    const before = await counts();
    const res = await postApi(h.baseUrl, body(), { address: address() });
    expect(res.status).toBe(status);
    expect(res.json.error?.details?.field).toBe(field);
    expect(res.json.error?.details?.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(res.json.error?.details?.en).toContain(field);
    expect(res.json.error?.message).toContain(' / ');
    expect(await counts()).toEqual(before);
  });
});

describe('abuse controls', () => {
  it('answers 429 past WEB_FORM_RATE_LIMIT_PER_HOUR posts from one address, counted in the database for every API process', async () => {
    // A second API process (its own Deps and pool) on the same database shares the count.
    const other = createDeps(h.deps.config, h.db.url, { logger: h.deps.logger, mailer: null, twilio: null });
    const server = createApp(other).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const otherUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const ip = address();
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push((await postApi(i % 2 ? otherUrl : h.baseUrl, { body: `${TEXTS.leak} ${i}` }, { address: ip })).status);
      expect(statuses).toEqual([...Array(10).fill(201), 429]);
      const refused = await postApi(h.baseUrl, { body: TEXTS.leak }, { address: ip });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('3600');
      expect(refused.json.error?.message).toMatch(/太频繁.*Too many/);
      // Another address is not affected.
      expect((await postApi(h.baseUrl, { body: TEXTS.leak }, { address: address() })).status).toBe(201);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await closeDeps(other);
    }
  });

  it('answers a filled honeypot like a success, records it as skipped and makes no tip', async () => {
    const before = await counts();
    const res = await postApi(h.baseUrl, tipForm({ body: 'cheap watches', website: 'http://spam.example' }, [{ name: 'x.png', data: png(4, 4) }]), {
      address: address(),
    });
    expect(res.status).toBe(201);
    expect(res.json.reference).toMatch(/^T-\d{6}-9\d{4}$/);
    const after = await counts();
    expect(after).toEqual({ ...before, submissions: before.submissions + 1 });
    const sub = await h.deps.prisma.submission.findFirstOrThrow({ where: { channel: 'WEB', lastError: 'honeypot' } });
    expect(sub).toMatchObject({ state: 'SKIPPED', tipId: null });
    expect(await h.deps.prisma.tip.findUnique({ where: { reference: res.json.reference } })).toBeNull();
    expect((await fetch(`${h.baseUrl}${statusPath(res.json.statusUrl!)}`)).status).toBe(404);
  });

  it('asks for no proof of work while WEB_FORM_CHALLENGE is off', async () => {
    expect(await (await fetch(`${h.baseUrl}/api/public/challenge`)).json()).toEqual({ required: false });
  });

  it('lets only WEB_FORM_ORIGINS post from a browser (CORS), and stores nothing from another site', async () => {
    const pre = await fetch(`${h.baseUrl}/api/public/tips`, {
      method: 'OPTIONS',
      headers: { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'idempotency-key' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(SITE);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Idempotency-Key/i);
    const ok = await postApi(h.baseUrl, { body: TEXTS.leak }, { address: address(), headers: { origin: SITE } });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);

    const before = await counts();
    const evilPre = await fetch(`${h.baseUrl}/api/public/tips`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(evilPre.headers.get('access-control-allow-origin')).toBeNull();
    const evil = await postApi(h.baseUrl, tipForm({ body: TEXTS.leak }), { address: address(), headers: { origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(await counts()).toEqual(before);
  });
});

describe('the status link', () => {
  it('shows reference, arrival and the public status (a merged tip shows its survivor’s), never notes or the tipster', async () => {
    const res = await postApi(h.baseUrl, { body: TEXTS.leak, name: '李师傅', phone: '13912345678', consent: true }, { address: address() });
    const tip = await processed(res.json.reference!);
    await h.deps.prisma.note.create({ data: { tipId: tip.id, body: '内部备注：物业经理电话 0352-1234567' } });
    const key = keyOf(res.json.statusUrl!);
    const api = async () => (await fetch(`${h.baseUrl}/api/public/tips/status/${key}`)).json() as Promise<Record<string, unknown>>;
    expect(await api()).toMatchObject({ reference: res.json.reference, status: 'received', label: { zh: '收到', en: 'Received' } });

    const html = await (await fetch(`${h.baseUrl}/tip/status/${key}`)).text();
    expect(html).toContain(res.json.reference);
    expect(html).toContain('收到');
    for (const secret of ['李师傅', '13912345678', '内部备注', TEXTS.leak]) expect(html).not.toContain(secret);

    for (const [status, label] of [
      ['IN_PROGRESS', '跟进中'],
      ['PUBLISHED', '已见报'],
      ['DISMISSED', '未采用'],
    ] as const) {
      await h.deps.prisma.tip.update({ where: { id: tip.id }, data: { status } });
      expect(await (await fetch(`${h.baseUrl}/tip/status/${key}`)).text()).toContain(label);
    }
    const survivor = await postApi(h.baseUrl, { body: `${TEXTS.leak}（另一位居民）` }, { address: address() });
    const s = await processed(survivor.json.reference!);
    await h.deps.prisma.tip.update({ where: { id: s.id }, data: { status: 'PUBLISHED' } });
    await h.deps.prisma.tip.update({ where: { id: tip.id }, data: { status: 'MERGED', mergedIntoId: s.id } });
    expect(await api()).toMatchObject({ reference: res.json.reference, status: 'published' });
  });

  it('answers a wrong or missing key, or a reference, with the same bare 404', async () => {
    const res = await postApi(h.baseUrl, { body: TEXTS.leak }, { address: address() });
    const key = keyOf(res.json.statusUrl!);
    const wrong = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const path of [
      `/tip/status/${wrong}`,
      '/tip/status/',
      '/tip/status',
      `/tip/status/${res.json.reference}`,
      `/api/public/tips/status/${wrong}`,
      `/api/public/tips/status/${res.json.reference}`,
    ]) {
      const r = await fetch(`${h.baseUrl}${path}`);
      const text = await r.text();
      expect(r.status, path).toBe(404);
      expect(text).not.toContain(res.json.reference);
      expect(text).not.toMatch(/收到|跟进中/);
    }
    const post = await postApi(h.baseUrl, { body: TEXTS.followUp }, { path: `/api/public/tips/status/${wrong}/followups`, address: address() });
    expect(post.status).toBe(404);
  });

  it('takes a follow-up (text and photos) onto the same tip', async () => {
    const res = await postApi(h.baseUrl, { body: TEXTS.leak }, { address: address() });
    const tip = await processed(res.json.reference!);
    const key = keyOf(res.json.statusUrl!);
    const follow = await postApi(h.baseUrl, tipForm({ body: TEXTS.followUp }, [{ name: '滑倒.png', data: png(16, 16) }]), {
      path: `/api/public/tips/status/${key}/followups`,
      address: address(),
    });
    expect(follow.status).toBe(201);
    expect(follow.json).toEqual({ reference: res.json.reference, statusUrl: res.json.statusUrl });
    const thread = await waitFor(async () => {
      const ms = await h.deps.prisma.message.findMany({
        where: { tipId: tip.id, direction: 'INBOUND' },
        include: { attachments: true },
        orderBy: { createdAt: 'asc' },
      });
      return ms.length === 2 ? ms : null;
    });
    expect(thread[1]).toMatchObject({ body: TEXTS.followUp, kind: 'followup', channel: 'WEB' });
    expect(thread[1].attachments.map((a) => a.filename)).toEqual(['滑倒.png']);
    expect(await h.deps.prisma.tip.count({ where: { body: TEXTS.followUp } })).toBe(0);
  });
});

describe('without JavaScript', () => {
  it('a plain form post answers with a result page carrying the reference and the status link', async () => {
    const res = await fetch(`${h.baseUrl}/tip?lang=zh`, {
      method: 'POST',
      headers: { 'x-forwarded-for': address() },
      body: tipForm({ body: TEXTS.leak, lang: 'zh' }, [{ name: 'a.png', data: png(10, 10) }]),
    });
    const html = await res.text();
    expect(res.status).toBe(201);
    const reference = html.match(/T-\d{6}-\d{4}/)![0];
    expect(await h.deps.prisma.tip.findUnique({ where: { reference } })).not.toBeNull();
    const link = html.match(/href="(\/tip\/status\/[A-Za-z0-9_-]+)\?lang=zh"/)![1];
    const status = await fetch(`${h.baseUrl}${link}`);
    expect(status.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('a refused plain post shows the form again with the reason and what was typed', async () => {
    const res = await fetch(`${h.baseUrl}/tip?lang=en`, {
      method: 'POST',
      headers: { 'x-forwarded-for': address() },
      body: tipForm({ body: TEXTS.leak, email: 'a@example.cn', lang: 'en' }),
    });
    const html = await res.text();
    expect(res.status).toBe(400);
    expect(html).toContain('consent is required');
    expect(html).toContain(TEXTS.leak);
  });
});
