import { createHash } from 'node:crypto';
import { MailParser, type AddressObject, type AttachmentStream, type Headers, type MessageText } from 'mailparser';
import iconv from 'iconv-lite';
import { gb18030Relabeler, mayNeedRewrite, withGb18030Labels, type SplitNode } from './email.charset.js';
import { stripQuoted } from './email.quotes.js';

// Turns raw RFC 822 bytes into what intake needs: who, what, which thread, which files,
// and whether a machine sent it. Never throws on bad mail: whatever can be decoded is kept.

export interface ParsedAttachment {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  /**
   * The bytes in the pieces the parser produced them in (joining them would hold a large file
   * twice); null when the file is larger than the limit (recorded, not stored).
   */
  content: Buffer[] | null;
  inline: boolean;
  contentId: string | null;
  dangerous: boolean;
  kind: 'image' | 'audio' | 'video' | 'file';
}

export interface ParsedEmail {
  messageId: string | null;
  /** In-Reply-To and References ids, nearest first. */
  threadIds: string[];
  subject: string | null;
  from: { address: string | null; name: string | null };
  replyTo: string | null;
  date: Date | null;
  /** Everything the sender's client put in the text, quoted history included. */
  fullText: string;
  /** What the sender wrote this time: quoted history and signature removed. */
  body: string;
  attachments: ParsedAttachment[];
  /** Why this is machine mail (auto-reply, bounce, list) that makes no tip, or null. */
  autoReason: string | null;
  /** Set when the MIME structure could not be parsed and a plain fallback was used. */
  parseError: string | null;
}

export interface ParseOptions {
  maxAttachmentBytes: number;
}

const MAX_TEXT = 200_000;

/** Text safe for PostgreSQL (no NUL) and free of other control characters except tab and newline. */
export function cleanText(s: string | null | undefined, max = MAX_TEXT): string {
  if (!s) return '';

  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .slice(0, max);
}

/** `<id@host>` from a header value, or null. */
export function normalizeMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const v = cleanText(String(value), 2000).trim();
  const m = /<([^<>\s]+)>/.exec(v);
  const id = m ? m[1] : /^[^<>\s]+@[^<>\s]+$/.test(v) ? v : null;
  return id && id.length <= 900 ? `<${id}>` : null;
}

export function messageIdsIn(value: string | string[] | null | undefined): string[] {
  const all = (Array.isArray(value) ? value : [value ?? '']).join(' ');
  return [...all.matchAll(/<[^<>\s]+>/g)].map((m) => normalizeMessageId(m[0])).filter((x): x is string => Boolean(x));
}

// --- attachments -----------------------------------------------------------------------------

const DANGEROUS_EXT = new Set(
  (
    'exe com scr bat cmd vbs vbe js jse mjs wsf wsh wsc ps1 psm1 msi msp mst jar hta html htm xhtml shtml mht mhtml svg svgz ' +
    'docm dotm xlsm xltm xlam xlsb pptm potm ppam ppsm sldm lnk reg dll cpl ocx sys pif scf url inf chm iso img vhd vhdx ' +
    'apk app dmg pkg deb rpm sh bash csh ksh zsh php pl py rb swf xll xbap application gadget msc jnlp appref-ms settingcontent-ms'
  ).split(' '),
);

const DANGEROUS_TYPE =
  /^(?:application\/(?:x-msdownload|x-msdos-program|x-ms-installer|x-msi|x-dosexec|x-executable|x-sh|x-shellscript|x-csh|javascript|x-javascript|ecmascript|hta|x-ms-shortcut|java-archive|x-java-archive|vnd\.microsoft\.portable-executable|vnd\.ms-[a-z]+\.[a-z.]*macroenabled[a-z.0-9]*|vnd\.android\.package-archive|x-apple-diskimage|x-iso9660-image|xhtml\+xml|x-httpd-php|x-python|x-perl)|text\/(?:html|javascript|ecmascript|x-sh|x-python|x-perl|x-php)|image\/svg\+xml)$/i;

/** Executables, scripts, macro documents and active content (HTML, SVG): kept, never rendered. */
export function isDangerous(filename: string, contentType: string): boolean {
  const ext = /\.([a-z0-9-]+)$/i.exec(filename.trim().replace(/[.\s]+$/, ''))?.[1]?.toLowerCase();
  return Boolean((ext && DANGEROUS_EXT.has(ext)) || DANGEROUS_TYPE.test(contentType.split(';')[0].trim()));
}

function kindOf(contentType: string): ParsedAttachment['kind'] {
  const t = contentType.toLowerCase();
  if (t.startsWith('image/')) return 'image';
  if (t.startsWith('audio/')) return 'audio';
  if (t.startsWith('video/')) return 'video';
  return 'file';
}

const EXT_BY_TYPE: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/heic': '.heic',
  'image/webp': '.webp',
  'audio/amr': '.amr',
  'audio/mpeg': '.mp3',
  'video/mp4': '.mp4',
  'application/pdf': '.pdf',
  'message/rfc822': '.eml',
};

function safeFilename(name: string | undefined, contentType: string, index: number): string {
  const cleaned = (name ?? '')
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[\\/]/g, '_')
    .trim()
    .slice(0, 255);
  return cleaned || `attachment-${index}${EXT_BY_TYPE[contentType.toLowerCase()] ?? ''}`;
}

// --- machine mail ----------------------------------------------------------------------------

function headerText(headers: Headers, key: string): string {
  const v = headers.get(key) as unknown;
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(String).join(', ');
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value ?? '');
  if (typeof v === 'object' && 'text' in (v as object)) return String((v as { text: unknown }).text ?? '');
  return String(v);
}

const AUTO_SUBJECT =
  /^\s*(?:(?:自动回复|自动答复|自动应答|系统退信|退信通知|退信)(?:\s*[:：]|\s*$)|(?:Auto(?:matic)?[ -]?(?:reply|response|antwort)|Out of (?:the )?Office|Undeliver(?:able|ed)|Delivery Status Notification|Mail delivery failed|Returned mail|Failure Notice|Delivery Failure)\b)/i;

/** Why a message is machine mail that must make no tip and get no answer (RFC 3834 and common practice). */
export function machineMailReason(headers: Headers, from: string | null, subject: string | null): string | null {
  const autoSubmitted = headerText(headers, 'auto-submitted').trim().toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return `auto-submitted (Auto-Submitted: ${autoSubmitted.slice(0, 60)})`;
  const precedence = headerText(headers, 'precedence').trim().toLowerCase();
  if (/^(?:bulk|junk|list|auto_reply)/.test(precedence)) return `bulk or list mail (Precedence: ${precedence.slice(0, 30)})`;
  for (const h of [
    'x-autoreply',
    'x-autorespond',
    'x-autoresponder',
    'x-autogenerated',
    'x-auto-reply-from',
    'x-mail-autoreply',
    'x-failed-recipients',
  ]) {
    if (headers.has(h)) return `auto-reply (${h} header)`;
  }
  if (/auto\s*reply/i.test(headerText(headers, 'x-post-messageclass'))) return 'auto-reply (X-POST-MessageClass)';
  // mailparser gathers List-Id, List-Unsubscribe, ... under one "list" key.
  const list = headers.get('list') as Record<string, unknown> | undefined;
  if (list && (list.id || list.unsubscribe)) return 'mailing-list mail (List-Id / List-Unsubscribe)';
  const ct = headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (ct?.value?.toLowerCase() === 'multipart/report') {
    return `delivery or read report (multipart/report; report-type=${(ct.params?.['report-type'] ?? 'unknown').slice(0, 40)})`;
  }
  if (headerText(headers, 'return-path').trim() === '<>') return 'bounce (empty Return-Path)';
  const local = from?.split('@')[0]?.toLowerCase() ?? '';
  if (/^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)$/.test(local)) return `bounce (sender ${local})`;
  if (subject && AUTO_SUBJECT.test(subject)) return `auto-reply (subject "${subject.slice(0, 40)}")`;
  return null;
}

// --- parsing ---------------------------------------------------------------------------------

function firstAddress(a: AddressObject | AddressObject[] | undefined): { address: string | null; name: string | null } {
  const list = (Array.isArray(a) ? a : a ? [a] : []).flatMap((x) => x.value).flatMap((v) => (v.group ? v.group : [v]));
  const v = list.find((x) => x.address) ?? list[0];
  const address = v?.address ? cleanText(v.address, 320).trim().toLowerCase() : null;
  return { address: address && /^[^@\s]+@[^@\s]+$/.test(address) ? address : null, name: cleanText(v?.name, 200).trim() || null };
}

interface RawParse {
  headers: Headers;
  text: MessageText;
  attachments: ParsedAttachment[];
}

type ChunkReader = { processChunk?: (data: { type: string }, done: (err?: Error) => void) => void };

/**
 * Has MailParser relabel each MIME node (email.charset.ts) as its own splitter hands it over:
 * the labels are fixed in the one parse instead of a split-and-join pass over the whole message
 * before it. processChunk is where MailParser (3.x) takes each node from mailsplit; false when
 * that hook is gone (another MailParser), and the caller relabels the bytes beforehand instead.
 */
function relabelInParser(parser: MailParser): boolean {
  const p = parser as unknown as ChunkReader;
  const read = p.processChunk?.bind(parser);
  if (!read) return false;
  const relabel = gb18030Relabeler({ inPlace: true });
  p.processChunk = (data, done) => {
    if (data.type === 'node') {
      try {
        relabel(data as SplitNode);
      } catch {
        // A header the rewrite cannot read is left as it came.
      }
    }
    read(data, done);
  };
  return true;
}

/** MailParser with attachments streamed: bytes over the limit are hashed and counted, not kept. */
function runMailParser(raw: Buffer, maxAttachmentBytes: number, relabel = false): Promise<RawParse> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipTextToHtml: true, skipImageLinks: true, checksumAlgo: false, maxHtmlLengthToParse: 5_000_000 });
    if (relabel && !relabelInParser(parser)) {
      withGb18030Labels(raw).then(
        (source) => runMailParser(source, maxAttachmentBytes).then(resolve, reject),
        () => runMailParser(raw, maxAttachmentBytes).then(resolve, reject),
      );
      return;
    }
    let headers: Headers = new Map();
    let text: MessageText = { type: 'text' };
    const attachments: ParsedAttachment[] = [];
    let settled = false;
    const fail = (e: Error) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    };
    parser.on('error', fail);
    parser.on('headers', (h: Headers) => (headers = h));
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        text = data;
        return;
      }
      const att = data;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let size = 0;
      att.content.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
        if (size <= maxAttachmentBytes) chunks.push(c);
        else chunks.length = 0;
      });
      att.content.on('end', () => {
        const contentType = (att.contentType || 'application/octet-stream').toLowerCase();
        const filename = safeFilename(att.filename, contentType, attachments.length + 1);
        attachments.push({
          filename,
          contentType,
          size,
          sha256: hash.digest('hex'),
          content: size <= maxAttachmentBytes ? chunks : null,
          inline: att.contentDisposition === 'inline' || Boolean(att.related),
          contentId: att.contentId ? cleanText(att.contentId, 300) : null,
          dangerous: isDangerous(filename, contentType),
          kind: kindOf(contentType),
        });
        att.release?.();
      });
    });
    parser.on('end', () => {
      if (!settled) {
        settled = true;
        resolve({ headers, text, attachments });
      }
    });
    parser.end(raw);
  });
}

/** Last resort for mail MailParser gives up on: headers split off by hand, the rest is the body. */
function plainFallback(raw: Buffer): { subject: string | null; from: string | null; text: string } {
  const utf8 = raw.toString('utf8');
  const text = utf8.includes('\ufffd') ? iconv.decode(raw, 'gb18030') : utf8;
  const split = text.search(/\r?\n\r?\n/);
  const head = split >= 0 ? text.slice(0, split) : '';
  const body = split >= 0 ? text.slice(split).trim() : text;
  const header = (name: string) => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? null;
  return { subject: header('Subject'), from: header('From'), text: body };
}

export async function parseEmail(raw: Buffer, opts: ParseOptions): Promise<ParsedEmail> {
  let parsed: RawParse;
  let parseError: string | null = null;
  try {
    // GB-family labels become GB18030 inside the one parse (email.charset.ts says why).
    parsed = await runMailParser(raw, opts.maxAttachmentBytes, mayNeedRewrite(raw));
  } catch (e) {
    parseError = `MIME parse failed: ${(e as Error).message}`.slice(0, 500);
    const fb = plainFallback(raw);
    const headers: Headers = new Map();
    if (fb.subject) headers.set('subject', fb.subject);
    parsed = { headers, text: { type: 'text', text: fb.text }, attachments: [] };
    if (fb.from) {
      const m = /<?([^<>\s]+@[^<>\s]+)>?/.exec(fb.from);
      if (m) headers.set('from', { value: [{ address: m[1], name: '' }], html: '', text: m[1] } satisfies AddressObject);
    }
  }
  const h = parsed.headers;
  const subject = cleanText(headerText(h, 'subject'), 1000).replace(/\s+/g, ' ').trim() || null;
  const from = firstAddress(h.get('from') as AddressObject | undefined);
  const replyTo = firstAddress(h.get('reply-to') as AddressObject | undefined).address;
  const dateValue = h.get('date');
  const date = dateValue instanceof Date && !Number.isNaN(dateValue.getTime()) ? dateValue : null;
  const inReplyTo = messageIdsIn(headerText(h, 'in-reply-to'));
  const references = messageIdsIn(h.get('references') as string | string[] | undefined).reverse();
  const threadIds = [...new Set([...inReplyTo, ...references])];
  const fullText = cleanText(parsed.text.text ?? '').trim();
  return {
    messageId: normalizeMessageId(headerText(h, 'message-id')),
    threadIds,
    subject,
    from,
    replyTo,
    date,
    fullText,
    body: stripQuoted(fullText),
    attachments: parsed.attachments,
    autoReason: machineMailReason(h, from.address, subject),
    parseError,
  };
}

/**
 * Message-ID and sender address straight from the raw header block, without a MIME parser:
 * both are ASCII, and the worker needs them for every message before it stores it.
 */
export function quickHeaders(header: Buffer): { messageId: string | null; from: string | null } {
  const text = header.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string) => new RegExp(`^${name}[ \t]*:[ \t]*(.*)$`, 'im').exec(text)?.[1] ?? null;
  const from = field('From');
  const addr = from ? (/<\s*([^<>\s@]+@[^<>\s]+?)\s*>/.exec(from)?.[1] ?? /([^\s<>"(),;:]+@[^\s<>"(),;:]+)/.exec(from)?.[1] ?? null) : null;
  return { messageId: normalizeMessageId(field('Message-ID')), from: addr && /^[\x21-\x7e]+$/.test(addr) ? addr.toLowerCase() : null };
}

/** Message-ID, sender and subject from the header block alone (the worker's view of an oversized message). */
export async function parseHeaderBlock(header: Buffer): Promise<{ messageId: string | null; from: string | null; subject: string | null }> {
  try {
    const block = await withGb18030Labels(Buffer.concat([header, Buffer.from('\r\n\r\n')])).catch(() => header);
    const { headers } = await runMailParser(block, 0);
    return {
      messageId: normalizeMessageId(headerText(headers, 'message-id')),
      from: firstAddress(headers.get('from') as AddressObject | undefined).address,
      subject: cleanText(headerText(headers, 'subject'), 300).trim() || null,
    };
  } catch {
    return { messageId: null, from: null, subject: null };
  }
}
