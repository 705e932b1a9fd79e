import { describe, expect, it } from 'vitest';
import { emailContentHash } from '../../src/channels/email/email.identity.js';

// Finding 14 (issue 15): what makes two stored mails the same message. Pure function.

const mail = (body: string, extraHeaders = '') =>
  Buffer.from(
    `${extraHeaders}From: "社区版报料表单" <noreply@forms.example.cn>\r\nTo: dtwbsq365@163.com\r\nSubject: =?UTF-8?B?5paw55qE5oql5paZ?=\r\n` +
      `Message-ID: <xxxx@xxxx.com>\r\nDate: Mon, 30 Nov 2026 01:15:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
  );

describe('emailContentHash', () => {
  it('differs for different bodies under the same Message-ID', () => {
    expect(emailContentHash(mail('楼道漏水\r\n'))).not.toBe(emailContentHash(mail('路灯不亮\r\n')));
  });

  it('is the same for the same mail with trace headers added in transit, LF line ends or trailing blanks', () => {
    const base = emailContentHash(mail('楼道漏水\r\n'));
    const traced = mail(
      '楼道漏水\r\n',
      'Received: from mx2.forms.example.cn\r\n\tby mx.163.com; Mon, 30 Nov 2026 09:16:02 +0800\r\nDelivered-To: dtwbsq365@163.com\r\nX-Spam-Score: 0.1\r\n',
    );
    expect(emailContentHash(traced)).toBe(base);
    expect(emailContentHash(Buffer.from(mail('楼道漏水\r\n').toString('latin1').replace(/\r\n/g, '\n'), 'latin1'))).toBe(base);
    expect(emailContentHash(mail('楼道漏水  \r\n\r\n'))).toBe(base);
  });

  it('differs when an authored header differs (another date, another subject)', () => {
    const a = mail('同一段文字\r\n');
    const b = Buffer.from(a.toString('latin1').replace('01:15:00', '02:15:00'), 'latin1');
    expect(emailContentHash(a)).not.toBe(emailContentHash(b));
  });
});
