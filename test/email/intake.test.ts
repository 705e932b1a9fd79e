import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { buildMail, RARE_CHAR, TEXT, tinyJpeg, uniqueId } from './fixtures.js';
import { messageFor, startRig, submissionFor, type EmailRig } from './support.js';

// Mail as residents send it (163.com, QQ Mail, Outlook, phones), delivered into a real Dovecot
// and picked up by the real worker; assertions on rows and on the bytes the SMTP server got.

let rig: EmailRig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => rig?.close());

const ackJobsTo = (to: string) => rig.deps.prisma.job.count({ where: { kind: 'send-email', payload: { path: ['to'], equals: to } } });

const ackFor = (messageId: string) =>
  rig.smtp
    .waitFor(1)
    .then(() => waitFor(async () => rig.smtp.received.find((m) => m.parsed.inReplyTo === messageId), 15_000, `ack for ${messageId}`));

describe('Chinese mail', () => {
  it('decodes a GBK body with a GB2312 encoded-word subject and acknowledges it once, in Chinese and English', async () => {
    const id = uniqueId('gbk');
    await rig.dovecot.append(
      buildMail({
        messageId: id,
        from: 'wang.ayi@163.com',
        fromName: '王阿姨',
        nameCharset: 'gb2312',
        subject: '大齿社区楼道漏水',
        subjectCharset: 'gb2312',
        text: TEXT.leak,
        textCharset: 'GBK',
        textTransfer: 'base64',
      }),
    );
    const msg = await messageFor(rig.deps, id);
    expect(msg.tip.subject).toBe('大齿社区楼道漏水');
    expect(msg.body).toBe(TEXT.leak);
    expect(msg.tip.channel).toBe('EMAIL');
    expect(msg.tip.tipster).toMatchObject({ email: 'wang.ayi@163.com', displayName: '王阿姨' });
    expect(msg.tip.language).toBe('zh');

    const ack = await ackFor(id);
    expect(ack.envelopeTo).toEqual(['wang.ayi@163.com']);
    expect(ack.parsed.subject).toBe(`Re: 大齿社区楼道漏水 [${msg.tip.reference}]`);
    expect(ack.parsed.references).toBe(id);
    const text = ack.parsed.text ?? '';
    expect(text).toContain(msg.tip.reference);
    expect(text).toContain('18635299317');
    expect(text.indexOf('我们已收到您的爆料')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('我们已收到您的爆料')).toBeLessThan(text.indexOf('We have received your tip'));
    expect(ack.raw.toString('latin1')).toMatch(/^Auto-Submitted: auto-replied\r?$/im);
    // The outbound message is on the tip with the Message-ID the tipster's client will reply to.
    const out = await waitFor(() => rig.deps.prisma.message.findFirst({ where: { tipId: msg.tipId, direction: 'OUTBOUND', deliveryState: 'SENT' } }));
    expect(out.kind).toBe('acknowledgement');
    expect(ack.parsed.messageId).toBe(out.emailMessageId);
  });

  it('decodes a Big5 message (Traditional Chinese, quoted-printable)', async () => {
    const id = uniqueId('big5');
    const body = '台灣來的讀者：永泰街道義診很好，謝謝報社報導。';
    await rig.dovecot.append(
      buildMail({
        messageId: id,
        subject: '義診感謝',
        subjectCharset: 'big5',
        subjectEncoding: 'Q',
        text: body,
        textCharset: 'big5',
        textTransfer: 'quoted-printable',
      }),
    );
    const msg = await messageFor(rig.deps, id);
    expect(msg.tip.subject).toBe('義診感謝');
    expect(msg.body).toBe(body);
  });

  it('keeps characters only GB18030 has in mail labelled GB2312 (body, subject, sender name and file name)', async () => {
    const id = uniqueId('gb18030');
    const raw = buildMail({
      messageId: id,
      fromName: `王${RARE_CHAR}`,
      nameCharset: 'gb2312',
      nameEncodeAs: 'gb18030',
      subject: `王${RARE_CHAR}家厨房被淹–求助`,
      subjectCharset: 'gb2312',
      subjectEncodeAs: 'gb18030',
      parts: [
        { contentType: 'text/plain', charset: 'gb2312', encodeAs: 'gb18030', transferEncoding: '8bit', body: `${TEXT.rareName}堃喆` },
        { contentType: 'image/jpeg', body: tinyJpeg('k'), filename: `${RARE_CHAR}的厨房.jpg`, filenameCharset: 'gbk', filenameEncodeAs: 'gb18030' },
      ],
    });
    // The bytes really are outside GB2312/GBK: a GBK decoder garbles them.
    expect(iconv.decode(iconv.encode(RARE_CHAR, 'gb18030'), 'gbk')).not.toBe(RARE_CHAR);
    await rig.dovecot.append(raw);
    const msg = await messageFor(rig.deps, id);
    expect(msg.body).toBe(`${TEXT.rareName}堃喆`);
    expect(msg.body).not.toContain('\ufffd');
    expect(msg.tip.subject).toBe(`王${RARE_CHAR}家厨房被淹–求助`);
    expect(msg.tip.tipster?.displayName).toBe(`王${RARE_CHAR}`);
    expect(msg.attachments.map((a) => a.filename)).toEqual([`${RARE_CHAR}的厨房.jpg`]);
  });

  it('decodes ISO-2022-JP', async () => {
    const id = uniqueId('jp');
    const raw = Buffer.from(
      `From: <tanaka@example.jp>\r\nTo: dtwbsq365@163.com\r\nSubject: =?ISO-2022-JP?B?GyRCJEskWyRzJDQbKEI=?=\r\nMessage-ID: ${id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n`,
      'latin1',
    );
    await rig.dovecot.append(raw);
    const msg = await messageFor(rig.deps, id);
    expect(msg.tip.subject).toBe('にほんご');
    expect(msg.body).toBe('こんにちは');
  });
});

describe('bodies and attachments', () => {
  it('turns HTML-only mail into readable text', async () => {
    const id = uniqueId('html');
    await rig.dovecot.append(
      buildMail({
        messageId: id,
        subject: '共享单车乱停',
        html: `<html><head><style>p{color:red}</style><script>alert(1)</script></head><body><p>${TEXT.parking}</p><p>地点：<b>永泰街道</b>大齿社区北门</p></body></html>`,
      }),
    );
    const msg = await messageFor(rig.deps, id);
    expect(msg.body).toContain(TEXT.parking);
    expect(msg.body).toContain('地点：永泰街道大齿社区北门');
    expect(msg.body).not.toMatch(/<p>|<b>|color:red|alert/);
  });

  it('stores a phone photo with an encoded file name, inline images too, and flags dangerous files', async () => {
    const id = uniqueId('photo');
    const photo = tinyJpeg('photo');
    const inline = tinyJpeg('inline');
    const script = Buffer.from('WScript.Echo("hi")');
    await rig.dovecot.append(
      buildMail({
        messageId: id,
        subject: '楼道照片',
        multipartType: 'mixed',
        parts: [
          { contentType: 'text/plain', charset: 'utf-8', body: '照片见附件。\n\n发自我的iPhone' },
          { contentType: 'image/jpeg', body: photo, filename: '楼道漏水照片.jpg', filenameCharset: 'gb2312' },
          { contentType: 'image/png', body: inline, filename: 'image001.png', disposition: 'inline', contentId: 'image001@01DA' },
          { contentType: 'application/octet-stream', body: script, filename: '说明.vbs', filenameStyle: '2231', filenameCharset: 'utf-8' },
        ],
      }),
    );
    const msg = await messageFor(rig.deps, id);
    expect(msg.body).toBe('照片见附件。');
    const [a, b, c] = msg.attachments;
    expect(a).toMatchObject({
      filename: '楼道漏水照片.jpg',
      contentType: 'image/jpeg',
      size: photo.length,
      kind: 'image',
      dangerous: false,
      state: 'STORED',
      inline: false,
      tipId: msg.tipId,
    });
    expect(a.sha256).toBe(createHash('sha256').update(photo).digest('hex'));
    expect(Buffer.from(a.blob!.data).equals(photo)).toBe(true);
    expect(b).toMatchObject({ filename: 'image001.png', inline: true, contentId: '<image001@01DA>', dangerous: false });
    expect(c).toMatchObject({ filename: '说明.vbs', dangerous: true, state: 'STORED' });
  });

  it('records an attachment over ATTACHMENT_MAX_BYTES without its bytes', async () => {
    const id = uniqueId('bigatt');
    const big = Buffer.alloc(rig.deps.config.ATTACHMENT_MAX_BYTES + 10, 7);
    // Not appended through IMAP (that would need 20 MB); normalization reads it straight from a submission.
    const { storeSubmission } = await import('../../src/channels/submissions.js');
    await storeSubmission(rig.deps.prisma, {
      channel: 'EMAIL',
      externalId: id,
      raw: buildMail({
        messageId: id,
        subject: '视频',
        parts: [
          { contentType: 'text/plain', charset: 'utf-8', body: '录像太大' },
          { contentType: 'video/mp4', body: big, filename: 'video.mp4' },
        ],
      }),
      meta: { source: 'test' },
    });
    const msg = await messageFor(rig.deps, id, 60_000);
    expect(msg.attachments[0]).toMatchObject({ filename: 'video.mp4', state: 'TOO_LARGE', size: big.length, kind: 'video' });
    expect(msg.attachments[0].blob).toBeNull();
  });

  it('stores a multi-megabyte attachment byte for byte', async () => {
    const id = uniqueId('video');
    const video = Buffer.from(Array.from({ length: 5 * 1024 * 1024 + 123 }, (_, i) => (i * 7919) % 256));
    const { storeSubmission } = await import('../../src/channels/submissions.js');
    await storeSubmission(rig.deps.prisma, {
      channel: 'EMAIL',
      externalId: id,
      raw: buildMail({
        messageId: id,
        subject: '楼道录像',
        parts: [
          { contentType: 'text/plain', charset: 'utf-8', body: '录像见附件' },
          { contentType: 'video/mp4', body: video, filename: '楼道.mp4' },
        ],
      }),
      meta: { source: 'test' },
    });
    const msg = await messageFor(rig.deps, id, 60_000);
    expect(msg.attachments[0]).toMatchObject({ filename: '楼道.mp4', state: 'STORED', size: video.length });
    expect(Buffer.from(msg.attachments[0].blob!.data).equals(video)).toBe(true);
    expect(msg.attachments[0].sha256).toBe(createHash('sha256').update(video).digest('hex'));
  });

  it('strips quoted history and signatures for display and keeps the full text', async () => {
    const id = uniqueId('quote');
    const text = [
      '补充一下：漏水点在三楼东户门口。',
      '',
      '-- ',
      '王阿姨',
      '',
      '------------------ 原始邮件 ------------------',
      '发件人: "晚报社区版" <dtwbsq365@163.com>;',
      '发送时间: 2026年3月21日(星期六) 下午3:05',
      '主题: Re: 楼道漏水',
      '',
      '> 我们已收到您的爆料',
    ].join('\n');
    await rig.dovecot.append(buildMail({ messageId: id, subject: '补充', text }));
    const msg = await messageFor(rig.deps, id);
    expect(msg.body).toBe('补充一下：漏水点在三楼东户门口。');
    expect(msg.fullBody).toContain('原始邮件');
    expect(msg.fullBody).toContain('王阿姨');
  });

  it('makes a tip of malformed MIME from what can be decoded and keeps the raw bytes', async () => {
    const id = uniqueId('broken');
    const raw = Buffer.from(
      `From: resident@qq.com\r\nSubject: =?utf-8?B?5qW86YGT?= broken\r\nMessage-ID: ${id}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('楼道灯坏了一个月').toString('base64')}!!!\r\n--never-closed\r\nContent-Type: image/jpeg; name=x.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4A%%%truncated`,
    );
    await rig.dovecot.append(raw);
    const msg = await messageFor(rig.deps, id);
    expect(msg.tip.subject).toBe('楼道 broken');
    expect(msg.body).toContain('楼道灯坏了一个月');
    const sub = await submissionFor(rig.deps, id);
    expect(Buffer.from(sub.raw!).equals(raw)).toBe(true);
  });
});

describe('threads, machines and identities', () => {
  it('threads a reply to our acknowledgement into the tip, without a second acknowledgement', async () => {
    const first = uniqueId('first');
    await rig.dovecot.append(buildMail({ messageId: first, from: 'li@qq.com', subject: '义诊时间', text: TEXT.clinic }));
    const msg = await messageFor(rig.deps, first);
    const ack = await ackFor(first);

    // The tipster's client answers our acknowledgement: In-Reply-To = our Message-ID.
    const reply = uniqueId('reply');
    await rig.dovecot.append(
      buildMail({
        messageId: reply,
        from: 'li@qq.com',
        subject: `回复：${ack.parsed.subject}`,
        inReplyTo: ack.parsed.messageId,
        references: [first, ack.parsed.messageId!],
        text: `是周六上午九点。\n\n在 2026年3月21日 15:05，晚报社区版 <dtwbsq365@163.com> 写道：\n> 我们已收到您的爆料`,
      }),
    );
    const r = await messageFor(rig.deps, reply);
    expect(r.tipId).toBe(msg.tipId);
    expect(r.body).toBe('是周六上午九点。');
    // A reply that quotes only the reference code (new thread from another client) also finds the tip.
    const byCode = uniqueId('bycode');
    await rig.dovecot.append(
      buildMail({ messageId: byCode, from: 'zhao@163.com', subject: `关于 ${msg.tip.reference} 的补充`, text: '我也看到了。' }),
    );
    const c = await messageFor(rig.deps, byCode);
    expect(c.tipId).toBe(msg.tipId);
    expect(await rig.deps.prisma.tip.count({ where: { id: msg.tipId } })).toBe(1);
    const tipsters = await rig.deps.prisma.tipTipster.count({ where: { tipId: msg.tipId } });
    expect(tipsters).toBe(2);
    // Only the first mail was acknowledged: one outbound message, one send job for each sender at most.
    expect(await rig.deps.prisma.message.count({ where: { tipId: msg.tipId, direction: 'OUTBOUND' } })).toBe(1);
    expect(await ackJobsTo('li@qq.com')).toBe(1);
    expect(await ackJobsTo('zhao@163.com')).toBe(0);
    expect(rig.smtp.received.filter((m) => m.envelopeTo.includes('li@qq.com'))).toHaveLength(1);
  });

  it.each([
    ['Auto-Submitted', { headers: { 'Auto-Submitted': 'auto-replied' } }],
    ['a QQ auto-reply subject', { subject: '自动回复: 楼道漏水' }],
    ['Precedence: bulk', { headers: { Precedence: 'bulk' } }],
    ['a mailing list', { headers: { 'List-Id': '<news.example.com>', 'List-Unsubscribe': '<mailto:u@example.com>' } }],
    ['X-Autoreply', { headers: { 'X-Autoreply': 'yes' } }],
    ['a bounce from MAILER-DAEMON', { from: 'MAILER-DAEMON@163.com', subject: '系统退信' }],
  ])('records machine mail (%s) without a tip or an acknowledgement', async (_name, extra) => {
    const id = uniqueId('auto');
    await rig.dovecot.append(buildMail({ messageId: id, from: 'auto@163.com', subject: '楼道漏水', text: '我现在不在办公室。', ...extra }));
    const sub = await submissionFor(rig.deps, id);
    expect(sub.state).toBe('SKIPPED');
    expect(sub.lastError).toMatch(/^not a tip: /);
    expect(sub.tipId).toBeNull();
    expect(await rig.deps.prisma.message.count({ where: { emailMessageId: id } })).toBe(0);
    // The acknowledgement would have been enqueued in the transaction that just committed.
    expect(await ackJobsTo('auto@163.com')).toBe(0);
    expect(await ackJobsTo('mailer-daemon@163.com')).toBe(0);
  });

  it('records a delivery-status report as a bounce', async () => {
    const id = uniqueId('dsn');
    await rig.dovecot.append(
      buildMail({
        messageId: id,
        from: 'notify@163.com',
        subject: 'Returned',
        multipartType: 'report',
        multipartParams: 'report-type=delivery-status',
        parts: [
          { contentType: 'text/plain', charset: 'utf-8', body: 'Delivery failed' },
          {
            contentType: 'message/delivery-status',
            body: 'Reporting-MTA: dns; mx.163.com\r\n\r\nFinal-Recipient: rfc822; x@y.cn\r\nAction: failed\r\nStatus: 5.1.1\r\n',
            transferEncoding: '7bit',
          },
        ],
      }),
    );
    const sub = await submissionFor(rig.deps, id);
    expect(sub.state).toBe('SKIPPED');
    expect(sub.lastError).toContain('multipart/report');
  });

  it('identifies a message without a Message-ID by the hash of its bytes', async () => {
    const raw = buildMail({ messageId: null, from: 'noid@163.com', subject: '没有编号的邮件', text: '小区垃圾站臭味很大。' });
    await rig.dovecot.append(raw);
    // Dovecot stores exactly what was appended, so the hash is of these bytes.
    const sub = await submissionFor(rig.deps, `sha256:${createHash('sha256').update(raw).digest('hex')}`);
    expect(sub.state).toBe('PROCESSED');
    const tip = await rig.deps.prisma.tip.findUniqueOrThrow({ where: { id: sub.tipId! } });
    expect(tip.body).toBe('小区垃圾站臭味很大。');
  });

  it('shows per-channel counts and backlog on GET /api/intake/health (editors and admins only)', async () => {
    const { userWithToken } = await import('../support/builders.js');
    const editor = await userWithToken(rig.deps, rig.h.baseUrl, 'EDITOR');
    const reporter = await userWithToken(rig.deps, rig.h.baseUrl, 'REPORTER');
    expect((await fetch(`${rig.h.baseUrl}/api/intake/health`, { headers: reporter.auth })).status).toBe(403);
    const res = await fetch(`${rig.h.baseUrl}/api/intake/health`, { headers: editor.auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { channels: Array<Record<string, unknown>>; quarantined: number; backlog: Record<string, number> };
    const mailbox = body.channels.find((c) => c.id === rig.imap!.sourceId)!;
    expect(mailbox).toMatchObject({ channel: 'EMAIL', status: 'ok' });
    expect(mailbox.seen).toBeGreaterThanOrEqual(15);
    expect((mailbox.stored as number) + (mailbox.duplicates as number) + (mailbox.quarantined as number)).toBe(mailbox.seen);
    expect(mailbox.skipped).toBeGreaterThanOrEqual(7);
    expect(mailbox.lastSuccessAt).toEqual(expect.any(String));
    expect(mailbox.backlog).toMatchObject({ atSource: 0 });
    expect(body.backlog).toEqual(expect.objectContaining({ normalizeJobs: expect.any(Number), stalledSubmissions: 0 }));
  });
});
