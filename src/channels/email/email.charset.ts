import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Joiner, Splitter } from '@zone-eu/mailsplit';
import iconv from 'iconv-lite';

// Mail labelled GB2312 or GBK very often carries characters outside those sets: Outlook,
// Foxmail and webmail write GB18030 (rare name characters such as 𠮷, CJK extension B, some
// symbols) and still say "gb2312". libmime decodes those labels as GBK and turns every such
// character into garbage. GB18030 is a strict superset of both, so every Chinese GB label is
// rewritten to GB18030 in the MIME headers (Content-Type charset, RFC 2047 encoded words,
// RFC 2231 parameters) before mailparser sees the message. Bodies are never touched.

const GB_LABEL =
  /^(?:gb2312|gb_2312(?:-80)?|gbk|x-gbk|cp936|ms936|windows-936|chinese|csgb2312|csiso58gb231280|iso-ir-58|euc-cn|x-euc-cn|hz-gb-2312-8bit)$/i;

export const isGbLabel = (charset: string | null | undefined) => Boolean(charset && GB_LABEL.test(charset.trim()));

const HIGH_BYTE = /[\x80-\xff]/;

/** Rewrites the charset labels in one header line (a binary string: one char per byte). */
export function rewriteHeaderLine(line: string, fallbackCharset: string): string {
  let out = line
    // =?gb2312?B?...?= and =?gbk*zh-cn?Q?...?=
    .replace(/=\?([^?*\s]+)(\*[^?]*)?\?([bBqQ])\?/g, (m, cs: string, lang: string | undefined, enc: string) =>
      isGbLabel(cs) ? `=?GB18030${lang ?? ''}?${enc}?` : m,
    )
    // charset=gb2312 / charset="GBK"
    .replace(/(charset\s*=\s*"?)([^";\s]+)/gi, (m, pre: string, cs: string) => (isGbLabel(cs) ? `${pre}GB18030` : m))
    // RFC 2231: filename*=gb2312''%D5%D5 and filename*0*=gbk''...
    .replace(/(\*=\s*"?)([^'"\s;]+)(')/g, (m, pre: string, cs: string, q: string) => (isGbLabel(cs) ? `${pre}GB18030${q}` : m));
  // Some clients put raw 8-bit text in headers. Valid UTF-8 is left alone (mailparser reads
  // it); anything else is decoded in the message's charset (GB18030 for the GB family).
  if (HIGH_BYTE.test(out)) {
    const bytes = Buffer.from(out, 'binary');
    if (!isValidUtf8(bytes)) {
      const cs = !/^utf-?8$/i.test(fallbackCharset) && iconv.encodingExists(fallbackCharset) ? fallbackCharset : 'gb18030';
      out = Buffer.from(iconv.decode(bytes, cs), 'utf8').toString('binary');
    }
  }
  return out;
}

function isValidUtf8(buf: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return true;
  } catch {
    return false;
  }
}

const NEEDS_LOOK = /gb2312|gbk|cp936|ms936|windows-936|chinese|euc-cn|iso-ir-58|[\x80-\xff]/i;

/** Whether a GB label or an 8-bit byte appears anywhere, read in 1 MB slices (a 25 MB mail is never one string). */
export function mayNeedRewrite(raw: Buffer): boolean {
  const SLICE = 1024 * 1024;
  for (let at = 0; at < raw.length; at += SLICE) {
    // A little overlap, so that a label cut by a slice boundary is still seen.
    if (NEEDS_LOOK.test(raw.toString('latin1', Math.max(0, at - 16), at + SLICE))) return true;
  }
  return false;
}

/** A MIME node as mailsplit's Splitter emits it (mailparser reads the same objects). */
export interface SplitNode {
  type: 'node';
  root: boolean;
  charset: string | false;
  headers: false | { getList(): { key: string; line: string }[]; changed: boolean; build(): Buffer };
  /** mailsplit's MimeNode: reads charset, file name, type… from its header block (private fields, mailsplit 5). */
  parseHeaders?(): void;
  _headersLines?: Buffer[];
  _headerlen?: number;
}

/**
 * The node's fields read from its headers (charset, file name…) read again from the rewritten
 * lines, as a second splitter over the rewritten message would; for a parser that takes the node
 * as it is (MailParser reads `filename` and `charset` from it, decoded before we saw it).
 */
function reparse(node: SplitNode): void {
  if (!node.headers || !node.parseHeaders || !Array.isArray(node._headersLines)) throw new Error('not a mailsplit 5 node');
  const block = node.headers.build();
  node.headers = false;
  node._headersLines = [block];
  node._headerlen = block.length;
  node.parseHeaders();
}

/**
 * Rewrites the labels of each node of one message as the splitter hands it on, header lines in
 * place; `node.charset` (read from Content-Type before we saw it) follows its rewritten label, so
 * a parser reading the node decodes its body as GB18030 too. One per message (it remembers the
 * root's charset for raw 8-bit header text of the parts). With `inPlace`, the node's fields are
 * read again from the rewritten headers (see reparse); without, a Joiner writes the lines out.
 */
export function gb18030Relabeler(opts: { inPlace: boolean }): (node: SplitNode) => void {
  let rootCharset = 'gb18030';
  return (node) => {
    if (node.root && node.charset) rootCharset = isGbLabel(node.charset) ? 'gb18030' : node.charset;
    if (node.headers) {
      const fallback = node.charset ? (isGbLabel(node.charset) ? 'gb18030' : node.charset) : rootCharset;
      let changed = false;
      for (const l of node.headers.getList()) {
        const next = rewriteHeaderLine(l.line, fallback);
        if (next !== l.line) {
          l.line = next;
          changed = true;
        }
      }
      if (changed) node.headers.changed = true;
      if (changed && opts.inPlace) reparse(node);
    }
  };
}

/** The message with GB-family charset labels rewritten to GB18030; the bytes of every body stay as they were. */
export async function withGb18030Labels(raw: Buffer): Promise<Buffer> {
  if (!mayNeedRewrite(raw)) return raw;

  const relabel = gb18030Relabeler({ inPlace: false });
  const rewrite = new Transform({
    objectMode: true,
    transform(obj: SplitNode | { type: string }, _enc, cb) {
      if (obj.type === 'node') relabel(obj as SplitNode);
      cb(null, obj);
    },
  });
  const out: Buffer[] = [];
  const joiner = new Joiner();
  joiner.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from([raw]), new Splitter(), rewrite, joiner);
  return Buffer.concat(out);
}
