import { randomBytes } from 'node:crypto';
import iconv from 'iconv-lite';

// Raw MIME built by hand, byte for byte, the way 163.com, QQ Mail, Foxmail and Outlook write it,
// so the tests exercise real charset labels, encoded words and transfer encodings.

export type Label = string;

export interface MailPart {
  contentType: string;
  /** Charset label written in the header (may lie, as real clients do). */
  charset?: Label;
  /** Encoding actually used for the bytes (defaults to the label). */
  encodeAs?: string;
  transferEncoding?: 'base64' | 'quoted-printable' | '8bit' | '7bit';
  body: string | Buffer;
  filename?: string;
  /** How the filename is written: RFC 2047 encoded word (default) or RFC 2231. */
  filenameStyle?: '2047' | '2231';
  filenameCharset?: Label;
  filenameEncodeAs?: string;
  disposition?: 'attachment' | 'inline';
  contentId?: string;
}

export interface MailSpec {
  from?: string;
  fromName?: string;
  nameCharset?: Label;
  nameEncodeAs?: string;
  to?: string;
  subject?: string | null;
  subjectCharset?: Label;
  subjectEncodeAs?: string;
  subjectEncoding?: 'B' | 'Q';
  /** null leaves the header out. */
  messageId?: string | null;
  inReplyTo?: string;
  references?: string[];
  date?: Date;
  headers?: Record<string, string>;
  /** A single-part body (text/plain unless `parts` or `html` is given). */
  text?: string;
  textCharset?: Label;
  textEncodeAs?: string;
  textTransfer?: MailPart['transferEncoding'];
  html?: string;
  parts?: MailPart[];
  multipartType?: 'mixed' | 'alternative' | 'related' | 'report';
  multipartParams?: string;
}

export const uniqueId = (tag = 'm') => `<${tag}.${Date.now().toString(36)}.${randomBytes(5).toString('hex')}@mail.163.com>`;

function encodeBytes(text: string | Buffer, encodeAs: string): Buffer {
  if (Buffer.isBuffer(text)) return text;
  return /^utf-?8$/i.test(encodeAs) ? Buffer.from(text, 'utf8') : iconv.encode(text, encodeAs);
}

export function encodedWord(text: string, label: Label, encodeAs = label, enc: 'B' | 'Q' = 'B'): string {
  const bytes = encodeBytes(text, encodeAs);
  if (enc === 'B') return `=?${label}?B?${bytes.toString('base64')}?=`;
  const q = [...bytes]
    .map((b) =>
      b >= 0x21 && b <= 0x7e && b !== 0x3d && b !== 0x3f && b !== 0x5f
        ? String.fromCharCode(b)
        : b === 0x20
          ? '_'
          : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
  return `=?${label}?Q?${q}?=`;
}

function wrap76(s: string): string {
  return s.replace(/.{1,76}/g, '$&\r\n');
}

function quotedPrintable(bytes: Buffer): string {
  let line = '';
  const out: string[] = [];
  for (const b of bytes) {
    if (b === 0x0a) {
      out.push(line);
      line = '';
      continue;
    }
    if (b === 0x0d) continue;
    const t = (b >= 0x21 && b <= 0x7e && b !== 0x3d) || b === 0x20 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + t.length > 75) {
      out.push(`${line}=`);
      line = '';
    }
    line += t;
  }
  out.push(line);
  return out.join('\r\n');
}

function partBytes(p: MailPart): Buffer {
  const label = p.charset;
  const bytes = encodeBytes(p.body, p.encodeAs ?? label ?? 'utf-8');
  const te = p.transferEncoding ?? (Buffer.isBuffer(p.body) ? 'base64' : 'base64');
  const head: string[] = [`Content-Type: ${p.contentType}${label ? `; charset=${label}` : ''}${p.filename ? `; name="${fileParam(p)}"` : ''}`];
  head.push(`Content-Transfer-Encoding: ${te}`);
  if (p.filename || p.disposition) {
    const d = p.disposition ?? 'attachment';
    if (p.filename && p.filenameStyle === '2231') {
      const cs = p.filenameCharset ?? 'utf-8';
      const enc = [...encodeBytes(p.filename, p.filenameEncodeAs ?? cs)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      head.push(`Content-Disposition: ${d};\r\n filename*=${cs}''${enc}`);
    } else {
      head.push(`Content-Disposition: ${d}${p.filename ? `; filename="${fileParam(p)}"` : ''}`);
    }
  }
  if (p.contentId) head.push(`Content-ID: <${p.contentId}>`);
  const body =
    te === 'base64'
      ? wrap76(bytes.toString('base64'))
      : te === 'quoted-printable'
        ? `${quotedPrintable(bytes)}\r\n`
        : Buffer.concat([bytes, Buffer.from('\r\n')]);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), typeof body === 'string' ? Buffer.from(body) : body]);
}

function fileParam(p: MailPart): string {
  if (!p.filename) return '';
  if (/^[\x20-\x7e]*$/.test(p.filename)) return p.filename;
  return encodedWord(p.filename, p.filenameCharset ?? 'utf-8', p.filenameEncodeAs);
}

/** Raw RFC 822 bytes for a spec. */
export function buildMail(spec: MailSpec): Buffer {
  const h: string[] = [];
  const fromAddr = spec.from ?? 'resident@163.com';
  const name = spec.fromName
    ? /^[\x20-\x7e]*$/.test(spec.fromName)
      ? `"${spec.fromName}"`
      : encodedWord(spec.fromName, spec.nameCharset ?? 'utf-8', spec.nameEncodeAs)
    : '';
  h.push(`From: ${name ? `${name} ` : ''}<${fromAddr}>`);
  h.push(`To: ${spec.to ?? 'dtwbsq365@163.com'}`);
  if (spec.subject !== null && spec.subject !== undefined) {
    const s = spec.subject;
    h.push(
      `Subject: ${/^[\x20-\x7e]*$/.test(s) ? s : encodedWord(s, spec.subjectCharset ?? 'utf-8', spec.subjectEncodeAs, spec.subjectEncoding ?? 'B')}`,
    );
  }
  if (spec.messageId !== null) h.push(`Message-ID: ${spec.messageId ?? uniqueId()}`);
  if (spec.inReplyTo) h.push(`In-Reply-To: ${spec.inReplyTo}`);
  if (spec.references?.length) h.push(`References: ${spec.references.join('\r\n ')}`);
  h.push(`Date: ${(spec.date ?? new Date()).toUTCString().replace('GMT', '+0000')}`);
  h.push('MIME-Version: 1.0');
  for (const [k, v] of Object.entries(spec.headers ?? {})) h.push(`${k}: ${v}`);

  const parts: MailPart[] = spec.parts ? [...spec.parts] : [];
  if (!spec.parts) {
    if (spec.text !== undefined) {
      parts.push({
        contentType: 'text/plain',
        charset: spec.textCharset ?? 'utf-8',
        encodeAs: spec.textEncodeAs,
        transferEncoding: spec.textTransfer ?? 'base64',
        body: spec.text,
      });
    }
    if (spec.html !== undefined)
      parts.push({
        contentType: 'text/html',
        charset: spec.textCharset ?? 'utf-8',
        encodeAs: spec.textEncodeAs,
        transferEncoding: spec.textTransfer ?? 'base64',
        body: spec.html,
      });
  }
  if (parts.length === 1 && !spec.multipartType) {
    return Buffer.concat([Buffer.from(`${h.join('\r\n')}\r\n`), partBytes(parts[0])]);
  }
  const boundary = `----=_NextPart_${randomBytes(6).toString('hex')}`;
  const type = spec.multipartType ?? (spec.html !== undefined && spec.text !== undefined && !spec.parts ? 'alternative' : 'mixed');
  h.push(`Content-Type: multipart/${type}; boundary="${boundary}"${spec.multipartParams ? `; ${spec.multipartParams}` : ''}`);
  const chunks: Buffer[] = [Buffer.from(`${h.join('\r\n')}\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n`)];
  for (const p of parts) chunks.push(Buffer.from(`--${boundary}\r\n`), partBytes(p), Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** A few bytes that every image viewer recognises as JPEG (SOI + APP0 JFIF + EOI). */
export function tinyJpeg(seed = 'x'): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
    Buffer.from(seed),
    Buffer.from([0xff, 0xd9]),
  ]);
}

// Text from the paper's world (晚报社区版: 居家事、邻里事、社区事).
export const TEXT = {
  leak: '编辑同志：平城区永泰街道大齿社区3号楼楼道漏水已经三天了，墙皮脱落，物业一直不管。请记者来看看。',
  clinic: '大齿社区周六上午在活动室举办义诊，量血压、测血糖，欢迎居民参加。',
  parking: '小区门口的共享单车乱停乱放，老人出门很不方便。',
  // 𠮷 (U+20BB7) is a four-byte GB18030 sequence: no GB2312 or GBK decoder can read it.
  rareName: '我是住在永泰街道的王𠮷，楼上漏水–已经淹到我家厨房了。',
};

export const RARE_CHAR = '𠮷';
