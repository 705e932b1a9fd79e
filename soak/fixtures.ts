import { randomBytes } from 'node:crypto';
import { buildMail, tinyJpeg } from '../test/email/fixtures.js';

export { tinyJpeg };

// What residents of 平城区 send the community page, as SMS text, transcripts and raw email
// bytes in the charsets their phones and mail clients really use. Every item carries a unique
// token so the reconciliation can find it again whatever the pipeline made of it.

/** A small deterministic PRNG (mulberry32): the same --seed gives the same mix of traffic. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
  };
}
export type Rng = ReturnType<typeof rng>;

export const SMS_TEXTS = [
  '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险。',
  '永泰街道御河东路小区楼上漏水，已经三天了，物业不管。',
  '平城区星茂汇附近下水道堵了，污水漫到人行道上。',
  '听说周六社区有义诊，想问问在哪里报名，老人能去吗？',
  '我们楼下的快递柜占了消防通道，反映过几次没人管。',
  '工农路社区的健身器材坏了，孩子差点被夹到手。',
  '绿园社区垃圾桶满了好几天没人清，味道很大。',
  '邻居家狗半夜一直叫，跟他们说了也没用，怎么办？',
];

export const FOLLOWUP_TEXTS = ['补充一下：今天早上又漏了，照片稍后发。', '物业刚来看过，说要等维修基金。', '谢谢，问题还在，希望记者来看看。'];

export const TRANSCRIPTS = [
  'Hello, the stairway light in building three of Dachi community has been broken for a month.',
  'Hi, water is leaking from the flat upstairs into our kitchen, Yongtai street, please help.',
  'I want to ask about the free clinic this Saturday in the community center.',
];

export const EMAIL_TEXTS = {
  utf8: { subject: '反映：小区电梯又坏了', body: '永泰街道某小区2号楼电梯已经停了一周，楼里老人多，上下楼非常困难。' },
  gbk: { subject: '楼道堆满杂物', body: '大齿社区5号楼楼道堆满了纸箱和旧家具，存在消防隐患，希望有关部门处理。' },
  big5: { subject: '社區義診時間', body: '請問大齒社區下週的義診是幾點開始？家裡老人想去量血壓。' },
  attachment: { subject: '漏水照片', body: '附上楼上漏水的照片，天花板已经发霉了。' },
  reply: { body: '补充情况：今天物业说下周来修，但没有给具体时间。' },
};

export const uniqueSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** A mobile number for this run: 186 + 8 digits, unique per call within a run. */
export function phoneFactory(r: Rng) {
  const used = new Set<string>();
  return () => {
    for (;;) {
      const n = `+86186${String(r.int(0, 99_999_999)).padStart(8, '0')}`;
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
  };
}

// --- raw email -----------------------------------------------------------------------------

export interface RawMail {
  from: string;
  fromName?: string;
  to: string;
  subject: string;
  messageId: string | null;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
  text: string;
  charset?: 'utf-8' | 'gbk' | 'big5';
  attachments?: { filename: string; contentType: string; data: Buffer }[];
}

/** RFC 5322 bytes as a Chinese mail client writes them (the email tests' builder: encoded words, base64 bodies). */
export function buildRawMail(m: RawMail): Buffer {
  const charset = m.charset ?? 'utf-8';
  return buildMail({
    from: m.from,
    fromName: m.fromName,
    nameCharset: charset,
    to: m.to,
    subject: m.subject,
    subjectCharset: charset,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    references: m.references,
    headers: m.headers,
    ...(m.attachments?.length
      ? {
          parts: [
            { contentType: 'text/plain', charset, transferEncoding: 'base64' as const, body: m.text },
            ...m.attachments.map((a) => ({
              contentType: a.contentType,
              transferEncoding: 'base64' as const,
              body: a.data,
              filename: a.filename,
              disposition: 'attachment' as const,
            })),
          ],
        }
      : { text: m.text, textCharset: charset }),
  });
}

/**
 * Mail a parser may choke on: a multipart whose boundary never comes, base64 that is not,
 * raw 8-bit bytes in headers with no charset, a NUL, and (sometimes) no Message-ID.
 * The token stays readable as ASCII so the message can be found again.
 */
export function poisonMail(kind: number, o: { from: string; to: string; token: string; messageId: string | null }): Buffer {
  const id = o.messageId ? `Message-ID: ${o.messageId}\r\n` : '';
  switch (kind % 3) {
    case 0:
      return Buffer.concat([
        Buffer.from(
          `From: <${o.from}>\r\nTo: ${o.to}\r\nSubject: broken ${o.token}\r\n${id}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\nContent-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64\r\n\r\n`,
        ),
        Buffer.from('!!!not*base64***\r\n%%%%\r\n'),
        Buffer.from(`--never-closed\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQSkZJRg${o.token}`),
      ]);
    case 1:
      return Buffer.concat([
        Buffer.from(`From: <${o.from}>\r\nTo: ${o.to}\r\nSubject: `),
        Buffer.from([0xc2, 0xa5, 0xb3, 0xf5, 0x00, 0xff, 0xfe]),
        Buffer.from(
          ` ${o.token}\r\n${id}Content-Type: text/plain; charset=x-unknown-charset\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E6=BC=8F=E6=B0=B4 =ZZ =\r\n`,
        ),
        Buffer.from([0x00, 0x01, 0x02, 0xe6, 0xbc]),
        Buffer.from(` ${o.token}\r\n`),
      ]);
    default:
      // Headers only, folded oddly, no body at all.
      return Buffer.from(
        `From: <${o.from}>\r\nTo: ${o.to}\r\n${id}Subject: ${o.token}\r\n\tcontinued\r\n  \r\nContent-Type: text/html; charset="utf-8\r\n`,
      );
  }
}
