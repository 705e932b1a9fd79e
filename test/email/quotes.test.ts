import { describe, expect, it } from 'vitest';
import { stripQuoted } from '../../src/channels/email/email.quotes.js';
import { isDangerous } from '../../src/channels/email/email.parse.js';

// What editors see of a reply, for the quoting styles of the clients residents use.

describe('stripQuoted', () => {
  const mine = '漏水点在三楼东户门口，今天又漏了。';
  it.each([
    [
      '163 / Foxmail',
      `${mine}\n\n-----原始邮件-----\n发件人："晚报社区版" <dtwbsq365@163.com>\n发送时间：2026年3月21日 15:05\n收件人：wang@163.com\n主题：Re: 楼道漏水\n\n我们已收到您的爆料`,
    ],
    [
      'QQ Mail',
      `${mine}\n\n\n------------------ 原始邮件 ------------------\n发件人: "晚报社区版"<dtwbsq365@163.com>;\n发送时间: 2026年3月21日(星期六) 下午3:05\n收件人: "王"<wang@qq.com>;\n主题: Re: 楼道漏水\n\n我们已收到您的爆料`,
    ],
    ['NetEase Mail Master', `${mine}\n\n在 2026年3月21日 15:05，晚报社区版 <dtwbsq365@163.com> 写道：\n> 我们已收到您的爆料`],
    ['a folded 写道 line', `${mine}\n\n在 2026-03-21 15:05:11，"晚报社区版"\n<dtwbsq365@163.com> 写道：\n>我们已收到`],
    ['Gmail', `${mine}\n\nOn Sat, Mar 21, 2026 at 3:05 PM 晚报社区版 <dtwbsq365@163.com> wrote:\n> We have received your tip`],
    [
      'Outlook',
      `${mine}\n\n________________________________\nFrom: 晚报社区版 <dtwbsq365@163.com>\nSent: Saturday, March 21, 2026 3:05 PM\nTo: wang@outlook.com\nSubject: Re: 楼道漏水\n\nWe have received`,
    ],
    ['an iPhone footer', `${mine}\n\n发自我的iPhone`],
    ['a signature', `${mine}\n-- \n王阿姨\n大齿社区3号楼`],
    ['interleaved quotes', `> 请问具体位置？\n${mine}`],
  ])('keeps only what the sender wrote (%s)', (_client, text) => {
    expect(stripQuoted(text)).toBe(mine);
  });

  it('keeps everything when the whole mail is quoted (a forward with nothing added)', () => {
    const text = '> 转给你们看看\n> 楼道漏水';
    expect(stripQuoted(text)).toBe(text);
  });

  it('leaves ordinary text with colons and dashes alone', () => {
    const text = '时间：周六上午\n地点：大齿社区活动室\n-----\n联系人：李先生';
    expect(stripQuoted(text)).toBe(text);
  });
});

describe('isDangerous', () => {
  it.each([
    ['说明.exe', 'application/octet-stream', true],
    ['photo.jpg.exe', 'image/jpeg', true],
    ['page.html', 'text/html', true],
    ['logo.svg', 'image/svg+xml', true],
    ['报告.docm', 'application/vnd.ms-word.document.macroEnabled.12', true],
    ['run.js', 'application/javascript', true],
    ['IMG_0001.JPG', 'image/jpeg', false],
    ['录音.amr', 'audio/amr', false],
    ['通知.pdf', 'application/pdf', false],
    ['noext', 'application/x-msdownload', true],
  ])('%s (%s) -> %s', (name, type, expected) => {
    expect(isDangerous(name, type)).toBe(expected);
  });
});
