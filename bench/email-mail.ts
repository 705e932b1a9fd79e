import { buildMail, TEXT, tinyJpeg, uniqueId, type MailSpec } from '../test/email/fixtures.js';

// The mail the email benchmarks use (bench/email.bench.ts, bench/email-profile.ts).

/** A mailbox's worth of resident mail, in the proportions the desk sees. */
export function variedMail(i: number, earlier: string[]): Buffer {
  const id = uniqueId(`b${i}`);
  earlier.push(id);
  const kind = i % 20;
  const base: MailSpec = {
    messageId: id,
    from: `resident${i % 400}@${i % 3 ? '163.com' : 'qq.com'}`,
    fromName: `居民${i % 400}`,
    nameCharset: 'gb2312',
  };
  if (kind < 8) return buildMail({ ...base, subject: `楼道漏水 ${i}`, subjectCharset: 'gb2312', text: `${TEXT.leak}（${i}）`, textCharset: 'GBK' });
  if (kind < 11)
    return buildMail({
      ...base,
      subject: `社區義診 ${i}`,
      subjectCharset: 'big5',
      text: '永泰街道義診很好，謝謝報社報導。',
      textCharset: 'big5',
      textTransfer: 'quoted-printable',
    });
  if (kind < 14) return buildMail({ ...base, subject: `共享单车 ${i}`, html: `<html><body><p>${TEXT.parking}</p><p>编号 ${i}</p></body></html>` });
  if (kind < 17) {
    return buildMail({
      ...base,
      subject: `现场照片 ${i}`,
      parts: [
        { contentType: 'text/plain', charset: 'utf-8', body: '照片见附件。\n\n发自我的iPhone' },
        {
          contentType: 'image/jpeg',
          body: Buffer.concat([tinyJpeg(String(i)), Buffer.alloc(20_000 + (i % 5) * 10_000, i % 251)]),
          filename: `IMG_${i}.jpg`,
        },
      ],
    });
  }
  if (kind === 17 && earlier.length > 20) {
    const to = earlier[earlier.length - 20];
    return buildMail({
      ...base,
      subject: `Re: 补充 ${i}`,
      inReplyTo: to,
      references: [to],
      text: `补充情况 ${i}\n\n在 2026年3月21日 15:05，居民 写道：\n> 原文`,
    });
  }
  if (kind === 18)
    return buildMail({ ...base, subject: `自动回复: 楼道漏水 ${i}`, headers: { 'Auto-Submitted': 'auto-replied' }, text: '我现在不在办公室。' });
  return buildMail({ ...base, messageId: null, subject: `没有编号 ${i}`, text: `${TEXT.clinic} ${i}` });
}
