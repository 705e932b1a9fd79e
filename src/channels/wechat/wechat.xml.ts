import { XMLParser } from 'fast-xml-parser';

// WeChat pushes and passive replies are flat XML documents: <xml><Name>value</Name>…</xml>, strings
// in CDATA. Values are kept as strings (a MsgId is a 64-bit integer that a JS number would round).

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  // Nested or repeated elements (e.g. a card event's lists) are not message fields.
  isArray: () => false,
  processEntities: true,
});

export class XmlError extends Error {}

/** The <xml> element's children as strings; nested elements are dropped. */
export function parseWechatXml(text: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch (err) {
    throw new XmlError(`the body is not well-formed XML: ${(err as Error).message.split('\n')[0]}`);
  }
  const root = (doc as { xml?: unknown }).xml;
  if (!root || typeof root !== 'object') throw new XmlError('the body has no <xml> root element');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  return out;
}

/** CDATA cannot contain "]]>": split it across two sections. */
const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/** A passive text reply addressed back to the sender (To and From swapped). */
export function textReplyXml(o: { to: string; from: string; createTime: number; content: string }): string {
  return (
    `<xml><ToUserName>${cdata(o.to)}</ToUserName><FromUserName>${cdata(o.from)}</FromUserName>` +
    `<CreateTime>${o.createTime}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(o.content)}</Content></xml>`
  );
}

/** The safe-mode envelope around an encrypted reply. */
export function encryptedReplyXml(o: { ciphertext: string; signature: string; timestamp: string; nonce: string }): string {
  return (
    `<xml><Encrypt>${cdata(o.ciphertext)}</Encrypt><MsgSignature>${cdata(o.signature)}</MsgSignature>` +
    `<TimeStamp>${o.timestamp}</TimeStamp><Nonce>${cdata(o.nonce)}</Nonce></xml>`
  );
}
