import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tipBuilder } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { deskHarness, triagedTip, type Desk } from './helpers.js';

const PHONE = '+8618635299317';
const EMAIL = 'wang.ayi@163.com';

let d: Desk;
let h: Desk['h'];
let smtp: Desk['smtp'];
let s: Desk['s'];
let api: Desk['api'];

beforeAll(async () => {
  d = await deskHarness({ mail: true });
  ({ h, smtp, s, api } = d);
});
afterAll(async () => d?.close());

describe('contact masking', () => {
  it('shows contacts to editors, to a reporter only while they hold the claim, masked everywhere else', async () => {
    const t = await triagedTip(h, s.editor.auth, { channel: 'SMS', phone: PHONE, body: '大齿社区楼道漏水' });
    await h.deps.prisma.tipster.updateMany({ where: { phone: PHONE }, data: { email: EMAIL, displayName: '王阿姨' } });

    const byEditor = await api.get(`/api/tips/${t.id}`, s.editor.auth);
    expect(byEditor.body.tip.tipster).toEqual({ displayName: '王阿姨', phone: PHONE, email: EMAIL, masked: false });
    const inList = (await api.get('/api/tips?status=TRIAGED', s.admin.auth)).body.tips.find((x: { id: string }) => x.id === t.id);
    expect(inList.tipster.phone).toBe(PHONE);

    // In the pool: masked.
    const pool = (await api.get('/api/leads', s.reporter.auth)).body.pool.find((x: { id: string }) => x.id === t.id);
    expect(pool.tipster).toEqual({ displayName: '王阿姨', phone: '186****9317', email: 'w***@163.com', masked: true });
    expect((await api.get(`/api/tips/${t.id}`, s.reporter.auth)).body.tip.tipster.phone).toBe('186****9317');

    // Assigned but not claimed: still masked.
    await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: s.reporter.user.id });
    expect((await api.get(`/api/tips/${t.id}`, s.reporter.auth)).body.tip.tipster.phone).toBe('186****9317');

    // Claimed: visible to the claimer, in the detail and in their leads; never to another reporter.
    await api.post(`/api/tips/${t.id}/claim`, s.reporter.auth);
    expect((await api.get(`/api/tips/${t.id}`, s.reporter.auth)).body.tip.tipster).toMatchObject({ phone: PHONE, email: EMAIL, masked: false });
    const mine = (await api.get('/api/leads', s.reporter.auth)).body.mine.find((x: { id: string }) => x.id === t.id);
    expect(mine.tipster.phone).toBe(PHONE);
    expect((await api.get(`/api/tips/${t.id}`, s.reporter2.auth)).status).toBe(403);

    // Released: masked again.
    await api.post(`/api/tips/${t.id}/release`, s.reporter.auth);
    expect((await api.get(`/api/tips/${t.id}`, s.reporter.auth)).body.tip.tipster.phone).toBe('186****9317');

    expect(h.logs.text).not.toContain('18635299317');
    expect(h.logs.text).not.toContain(EMAIL);
  });

  it('masks a display name that is itself an address', async () => {
    const t = await triagedTip(h, s.editor.auth, { channel: 'EMAIL', email: 'li.si@qq.com' });
    await h.deps.prisma.tipster.updateMany({ where: { email: 'li.si@qq.com' }, data: { displayName: 'li.si@qq.com' } });
    const tip = (await api.get(`/api/tips/${t.id}`, s.reporter.auth)).body.tip;
    expect(tip.tipster).toEqual({ displayName: 'l***@qq.com', phone: null, email: 'l***@qq.com', masked: true });
  });
});

describe('attachments', () => {
  async function withAttachment(o: { filename: string; contentType: string; dangerous?: boolean; state?: 'STORED' | 'PENDING' }) {
    const t = await triagedTip(h, s.editor.auth);
    const msg = await h.deps.prisma.message.findFirstOrThrow({ where: { tipId: t.id } });
    const bytes = new Uint8Array(Buffer.from(`bytes of ${o.filename}`));
    const a = await h.deps.prisma.attachment.create({
      data: {
        tipId: t.id,
        messageId: msg.id,
        filename: o.filename,
        contentType: o.contentType,
        size: bytes.length,
        dangerous: o.dangerous ?? false,
        state: o.state ?? 'STORED',
        ...(o.state === 'PENDING' ? {} : { blob: { create: { data: bytes } } }),
      },
    });
    return { tip: t, id: a.id, bytes };
  }

  it('serves bytes to editors and to the reporter holding the lead, with safe headers', async () => {
    const a = await withAttachment({ filename: '楼道照片.jpg', contentType: 'image/jpeg' });
    const res = await fetch(`${h.baseUrl}/api/attachments/${a.id}`, { headers: s.editor.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="____.jpg"; filename*=UTF-8''${encodeURIComponent('楼道照片.jpg')}`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from(a.bytes));

    expect((await fetch(`${h.baseUrl}/api/attachments/${a.id}`, { headers: s.reporter.auth })).status).toBe(403);
    await api.post(`/api/tips/${a.tip.id}/claim`, s.reporter.auth);
    expect((await fetch(`${h.baseUrl}/api/attachments/${a.id}`, { headers: s.reporter.auth })).status).toBe(200);
    expect((await fetch(`${h.baseUrl}/api/attachments/${a.id}`, { headers: s.reporter2.auth })).status).toBe(403);

    // The thread lists it as metadata, no bytes.
    const detail = (await api.get(`/api/tips/${a.tip.id}`, s.editor.auth)).body.tip;
    expect(detail.messages[0].attachments).toEqual([
      {
        id: a.id,
        messageId: detail.messages[0].id,
        filename: '楼道照片.jpg',
        contentType: 'image/jpeg',
        size: a.bytes.length,
        kind: 'file',
        dangerous: false,
        state: 'STORED',
        url: `/api/attachments/${a.id}`,
      },
    ]);
  });

  it('sends dangerous or active content as a download, and 404s bytes that are not stored', async () => {
    for (const o of [
      { filename: 'invoice.exe', contentType: 'application/x-msdownload', dangerous: true },
      { filename: 'page.html', contentType: 'text/html' },
      { filename: 'x.svg', contentType: 'image/svg+xml' },
    ]) {
      const a = await withAttachment(o);
      const res = await fetch(`${h.baseUrl}/api/attachments/${a.id}`, { headers: s.editor.auth });
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    }
    const pending = await withAttachment({ filename: 'voice.mp3', contentType: 'audio/mpeg', state: 'PENDING' });
    expect((await fetch(`${h.baseUrl}/api/attachments/${pending.id}`, { headers: s.editor.auth })).status).toBe(404);
  });
});

describe('replies to the tipster', () => {
  it('emails an EMAIL tipster in the same thread and shows the delivery state', async () => {
    const tip = await tipBuilder(h.deps, {
      channel: 'EMAIL',
      email: 'liu.resident@163.com',
      subject: '楼道漏水没人管',
      body: '柳航里3号楼楼道漏水一周了。',
    });
    await h.deps.prisma.message.updateMany({ where: { tipId: tip.id }, data: { emailMessageId: '<CAB1234@mail.163.com>' } });
    const before = smtp.received.length;
    const r = await api.post(`/api/tips/${tip.id}/reply`, s.editor.auth, { body: '您好，我们已收到，记者明天上午联系您。' });
    expect(r.status).toBe(201);
    expect(r.body.message).toMatchObject({ direction: 'OUTBOUND', channel: 'EMAIL', deliveryState: 'QUEUED', author: { id: s.editor.user.id } });

    const mail = await waitFor(
      async () => smtp.received.slice(before).find((m) => m.envelopeTo.includes('liu.resident@163.com')),
      30_000,
      'the reply email',
    );
    expect(mail.envelopeTo).toEqual(['liu.resident@163.com']);
    expect(mail.parsed.subject).toBe(`Re: 楼道漏水没人管 [${tip.reference}]`);
    expect(mail.parsed.inReplyTo).toBe('<CAB1234@mail.163.com>');
    expect(mail.parsed.references).toContain('<CAB1234@mail.163.com>');
    expect(mail.parsed.text).toContain('记者明天上午联系您');
    const stored = await h.deps.prisma.message.findUniqueOrThrow({ where: { id: r.body.message.id } });
    expect(mail.parsed.messageId).toBe(stored.emailMessageId);
    expect(stored.emailMessageId).toMatch(/^<tipdesk\.reply\.[0-9a-f-]+@163\.com>$/);

    await waitFor(async () => (await api.get(`/api/tips/${tip.id}`, s.editor.auth)).body.tip.messages.at(-1).deliveryState === 'SENT');
    const events = (await api.get(`/api/tips/${tip.id}/events`, s.editor.auth)).body.events;
    expect(events.at(-1)).toMatchObject({ action: 'reply.queued', after: { channel: 'EMAIL', messageId: stored.id } });
  });

  it('queues an SMS reply for SMS and voice tips, refuses opted-out numbers', async () => {
    const t = await triagedTip(h, s.editor.auth, { channel: 'VOICE', phone: '+8613700001111' });
    await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: s.reporter2.user.id });
    expect((await api.post(`/api/tips/${t.id}/reply`, s.reporter.auth, { body: '您好' })).status).toBe(403);
    const r = await api.post(`/api/tips/${t.id}/reply`, s.reporter2.auth, { body: '您好，我是晚报记者郑林，想约时间采访。' });
    expect(r.status).toBe(201);
    expect(r.body.message).toMatchObject({ direction: 'OUTBOUND', channel: 'SMS', deliveryState: 'QUEUED', kind: 'reply' });
    const job = await h.deps.prisma.job.findFirstOrThrow({ where: { kind: 'send-sms' }, orderBy: { createdAt: 'desc' } });
    expect(job.payload).toMatchObject({ messageId: r.body.message.id });

    await h.deps.prisma.tipster.updateMany({ where: { phone: '+8613700001111' }, data: { smsOptOut: true } });
    const refused = await api.post(`/api/tips/${t.id}/reply`, s.editor.auth, { body: '您好' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.reason).toBe('sms_opt_out');
    expect(h.logs.text).not.toContain('13700001111');
  });
});
