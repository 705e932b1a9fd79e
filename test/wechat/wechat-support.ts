import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

// The WeChat side of the tests, written from WeChat's published protocol and independent of the
// code under test: pushes signed and (in safe mode) encrypted as the WeChat server does, with the
// WXBizMsgCrypt algorithm done here with node:crypto, and a loopback stand-in for api.weixin.qq.com.

export const TOKEN = 'tipdeskWechatToken2026';
export const APP_ID = 'wx5f3c1a2b9d8e7f60';
export const APP_SECRET = '9a8b7c6d5e4f30211a2b3c4d5e6f7081';
/** 43 characters of [A-Za-z0-9], as the console generates. */
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
/** The account's original ID (the ToUserName of every push). */
export const ACCOUNT = 'gh_3f9a2c7d1e05';

export const wechatEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  WECHAT_TOKEN: TOKEN,
  WECHAT_APP_ID: APP_ID,
  WECHAT_APP_SECRET: APP_SECRET,
  WECHAT_ENCODING_AES_KEY: AES_KEY,
  ...extra,
});

/** An OpenID: 28 characters, different per call so tests do not share tipsters. */
export const openId = () => `oTd${randomBytes(19).toString('base64url').slice(0, 25)}`;
let msgSeq = BigInt(24_000_000_000) * BigInt(1_000_000) + BigInt(Math.floor(Math.random() * 1e9));
/** A 64-bit MsgId, larger than a JS number holds exactly. */
export const msgId = () => String((msgSeq += BigInt(7919)));
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export const sha1 = (...parts: string[]) =>
  createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');

// --- WXBizMsgCrypt, from the published technical plan -------------------------------------------
// AESKey = Base64_Decode(EncodingAESKey + "="), IV = its first 16 bytes, AES-256-CBC, PKCS#7 to a
// 32-byte block; plaintext = random(16) | network-order length(4) | msg | AppID.

const aesKeyOf = (encodingAesKey: string) => Buffer.from(`${encodingAesKey}=`, 'base64');

export function wxEncrypt(xml: string, o: { key?: string; appId?: string; random?: Buffer } = {}): string {
  const key = aesKeyOf(o.key ?? AES_KEY);
  const msg = Buffer.from(xml, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const plain = Buffer.concat([o.random ?? randomBytes(16), len, msg, Buffer.from(o.appId ?? APP_ID)]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

export function wxDecrypt(ciphertext: string, key = AES_KEY): { xml: string; appId: string } {
  const k = aesKeyOf(key);
  const d = createDecipheriv('aes-256-cbc', k, k.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([d.update(Buffer.from(ciphertext, 'base64')), d.final()]);
  const pad = plain[plain.length - 1];
  const body = plain.subarray(16, plain.length - pad);
  const n = body.readUInt32BE(0);
  return { xml: body.subarray(4, 4 + n).toString('utf8'), appId: body.subarray(4 + n).toString('utf8') };
}

// --- Pushes ------------------------------------------------------------------------------------

export type Fields = Record<string, string | number>;
const cdata = (v: string) => `<![CDATA[${v}]]>`;
/** WeChat's XML: numbers bare, strings in CDATA. */
export const xmlOf = (f: Fields) =>
  `<xml>${Object.entries(f)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? v : cdata(v)}</${k}>`)
    .join('')}</xml>`;

export function textPush(o: { from: string; content: string; id?: string; at?: number }): Fields {
  return { ToUserName: ACCOUNT, FromUserName: o.from, CreateTime: o.at ?? nowSeconds(), MsgType: 'text', Content: o.content, MsgId: o.id ?? msgId() };
}

export const base = (from: string, type: string, at = nowSeconds()): Fields => ({
  ToUserName: ACCOUNT,
  FromUserName: from,
  CreateTime: at,
  MsgType: type,
});

export type Mode = 'plain' | 'compatible' | 'safe';

export interface PushOptions {
  mode?: Mode;
  timestamp?: number;
  /** Sign with another token (a forger's). */
  token?: string;
  /** Replace the body after signing (tampering). */
  body?: string;
  encryptAppId?: string;
}

/** Builds the request WeChat makes: query string and body per mode. */
export function buildPush(fields: Fields, o: PushOptions = {}) {
  const mode = o.mode ?? 'plain';
  const timestamp = String(o.timestamp ?? nowSeconds());
  const nonce = String(randomBytes(4).readUInt32BE(0));
  const token = o.token ?? TOKEN;
  const q = new URLSearchParams({ signature: sha1(token, timestamp, nonce), timestamp, nonce, openid: String(fields.FromUserName) });
  let body = xmlOf(fields);
  if (mode !== 'plain') {
    const encrypted = wxEncrypt(body, { appId: o.encryptAppId });
    q.set('encrypt_type', 'aes');
    q.set('msg_signature', sha1(token, timestamp, nonce, encrypted));
    body = mode === 'safe' ? xmlOf({ ToUserName: String(fields.ToUserName), Encrypt: encrypted }) : xmlOf({ ...fields, Encrypt: encrypted });
  }
  return { query: q.toString(), body: o.body ?? body };
}

export interface PushAnswer {
  status: number;
  text: string;
  type: string;
  /** The passive reply's fields (decrypted and signature-checked in safe mode); null for `success`. */
  reply: Record<string, string> | null;
}

export async function push(baseUrl: string, fields: Fields, o: PushOptions = {}): Promise<PushAnswer> {
  const { query, body } = buildPush(fields, o);
  const res = await fetch(`${baseUrl}/webhooks/wechat?${query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get('content-type') ?? '', reply: res.status === 200 ? readReply(text) : null };
}

/** Reads a passive reply as the WeChat server would: checks MsgSignature, decrypts, checks the AppID. */
export function readReply(text: string): Record<string, string> | null {
  if (text === 'success' || text === '') return null;
  const f = flatXml(text);
  if (!f.Encrypt) return f;
  if (sha1(TOKEN, f.TimeStamp, f.Nonce, f.Encrypt) !== f.MsgSignature) throw new Error('reply MsgSignature does not verify');
  const { xml, appId } = wxDecrypt(f.Encrypt);
  if (appId !== APP_ID) throw new Error(`reply encrypted for ${appId}`);
  return { ...flatXml(xml), encrypted: 'yes' };
}

/** A flat <xml> document's fields (CDATA or bare), by regular expression: not the parser under test. */
export function flatXml(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<(\w+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) out[m[1]] = m[2] ?? m[3];
  return out;
}

export const referenceIn = (s: string | undefined) => s?.match(/T-\d{6}-\d{4}/)?.[0] ?? null;

// --- A loopback api.weixin.qq.com ----------------------------------------------------------------

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

/**
 * Serves /cgi-bin/token, /cgi-bin/stable_token, /cgi-bin/media/get and /cgi-bin/message/custom/send
 * the way WeChat documents them: errcode/errmsg JSON on errors, 40001 for an unknown token, 42001 for
 * an expired one, 45015 for a user outside the 48-hour window, media bytes with their type.
 */
export async function startWechatApi() {
  const requests: ApiRequest[] = [];
  const tokens = new Map<string, number>(); // token → expiry (ms)
  let current: string | null = null;
  const media = new Map<string, { type: string; data: Buffer } | { videoUrl: string }>();
  const files = new Map<string, { type: string; data: Buffer }>();
  const state = { outsideWindow: new Set<string>(), failSends: 0, sendDelayMs: 0, expiresIn: 7200 };
  const sent: { touser: string; content: string }[] = [];

  const issue = () => {
    current = `ACCESS_${randomBytes(12).toString('hex')}`;
    tokens.set(current, Date.now() + state.expiresIn * 1000);
    return { access_token: current, expires_in: state.expiresIn };
  };
  const tokenError = (t: string | null) => {
    const exp = t ? tokens.get(t) : undefined;
    if (exp === undefined) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    if (exp < Date.now()) return { errcode: 42001, errmsg: 'access_token expired' };
    return null;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method!, path: url.pathname, query: url.searchParams, body });
      const json = (o: unknown) => res.writeHead(200, { 'content-type': 'application/json; encoding=utf-8' }).end(JSON.stringify(o));
      const credentialsOk = (appid: unknown, secret: unknown) => appid === APP_ID && secret === APP_SECRET;
      if (req.method === 'GET' && url.pathname === '/cgi-bin/token') {
        const q = url.searchParams;
        if (q.get('grant_type') !== 'client_credential') return json({ errcode: 40002, errmsg: 'invalid grant_type' });
        if (!credentialsOk(q.get('appid'), q.get('secret'))) return json({ errcode: 40125, errmsg: 'invalid appsecret' });
        return json(issue());
      }
      if (req.method === 'POST' && url.pathname === '/cgi-bin/stable_token') {
        const b = JSON.parse(body || '{}') as { grant_type?: string; appid?: string; secret?: string; force_refresh?: boolean };
        if (b.grant_type !== 'client_credential') return json({ errcode: 40002, errmsg: 'invalid grant_type' });
        if (!credentialsOk(b.appid, b.secret)) return json({ errcode: 40125, errmsg: 'invalid appsecret' });
        // Normal mode hands out the current token while it is valid; force_refresh replaces it.
        if (!b.force_refresh && current && !tokenError(current))
          return json({ access_token: current, expires_in: Math.floor((tokens.get(current)! - Date.now()) / 1000) });
        if (current && b.force_refresh) tokens.delete(current);
        return json(issue());
      }
      const token = url.searchParams.get('access_token');
      if (url.pathname === '/cgi-bin/media/get' && req.method === 'GET') {
        const err = tokenError(token);
        if (err) return json(err);
        const m = media.get(url.searchParams.get('media_id') ?? '');
        if (!m) return json({ errcode: 40007, errmsg: 'invalid media_id' });
        if ('videoUrl' in m) return json({ video_url: m.videoUrl });
        res
          .writeHead(200, {
            'content-type': m.type,
            'content-disposition': `attachment; filename="${url.searchParams.get('media_id')}"`,
            'content-length': m.data.length,
          })
          .end(m.data);
        return;
      }
      if (url.pathname === '/cgi-bin/message/custom/send' && req.method === 'POST') {
        const err = tokenError(token);
        if (err) return json(err);
        const b = JSON.parse(body) as { touser: string; msgtype: string; text?: { content: string } };
        const answer = () => {
          if (state.failSends > 0) {
            state.failSends--;
            return json({ errcode: -1, errmsg: 'system error' });
          }
          if (state.outsideWindow.has(b.touser)) return json({ errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' });
          if (b.msgtype !== 'text' || !b.text?.content) return json({ errcode: 44002, errmsg: 'empty post data' });
          sent.push({ touser: b.touser, content: b.text.content });
          return json({ errcode: 0, errmsg: 'ok' });
        };
        if (state.sendDelayMs) setTimeout(answer, state.sendDelayMs);
        else answer();
        return;
      }
      const f = files.get(url.pathname);
      if (f && req.method === 'GET') return void res.writeHead(200, { 'content-type': f.type, 'content-length': f.data.length }).end(f.data);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base: baseUrl,
    requests,
    state,
    sent,
    /** Media the media API serves for a MediaId. */
    addMedia: (mediaId: string, type: string, data: Buffer) => void media.set(mediaId, { type, data }),
    /** A video: media/get answers {video_url}, the bytes are at that URL. */
    addVideo(mediaId: string, data: Buffer) {
      files.set(`/video/${mediaId}.mp4`, { type: 'video/mp4', data });
      media.set(mediaId, { videoUrl: `${baseUrl}/video/${mediaId}.mp4` });
    },
    /** Bytes at a plain URL (a PicUrl). */
    serve(path: string, type: string, data: Buffer) {
      files.set(path, { type, data });
      return `${baseUrl}${path}`;
    },
    /** Every token issued so far stops working (expired). */
    expireTokens() {
      for (const k of tokens.keys()) tokens.set(k, Date.now() - 1000);
    },
    tokenRequests: () => requests.filter((r) => r.path === '/cgi-bin/stable_token' || r.path === '/cgi-bin/token'),
    sendRequests: () => requests.filter((r) => r.path === '/cgi-bin/message/custom/send'),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type WechatApi = Awaited<ReturnType<typeof startWechatApi>>;

/** An AMR-NB file (RFC 4867): "#!AMR\n" and 50 frames of mode 7 (12.2 kbit/s, 20 ms each) per second. */
export function amr(seconds = 1): Buffer {
  const frames: Buffer[] = [Buffer.from('#!AMR\n', 'latin1')];
  for (let i = 0; i < Math.round(seconds * 50); i++) frames.push(Buffer.from([0x3c]), randomBytes(31));
  return Buffer.concat(frames);
}
