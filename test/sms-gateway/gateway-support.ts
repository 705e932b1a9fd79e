import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { signGatewayBody } from '../../src/channels/sms-gateway/gateway-signature.js';
import type { Clock } from '../../src/clock.js';

export const USERNAME = 'sms';
export const PASSWORD = 'gw-pass-5f3a9c';
export const SIGNING_KEY = 'gw-signing-key-0f8e7d6c5b4a';
export const DEVICE_ID = 'ffffffffceb0b1db0000018e937c815b';

export const gatewayEnv = (url: string, extra: Record<string, string> = {}): Record<string, string> => ({
  SMS_GATEWAY_URL: url,
  SMS_GATEWAY_USERNAME: USERNAME,
  SMS_GATEWAY_PASSWORD: PASSWORD,
  SMS_GATEWAY_SIGNING_KEY: SIGNING_KEY,
  ...extra,
});

/** A mainland mobile as the phone reports it (no +86), different for every call. */
export const localMobile = () => `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
/** The app's event ids: 21 URL-safe characters (nanoid). */
export const eventId = () => randomBytes(16).toString('base64url').slice(0, 21);

export interface SentMessage {
  id: string;
  message: string;
  phoneNumbers: string[];
  withDeliveryReport?: boolean;
}

/**
 * A loopback stand-in for the phone's REST API (local server mode) as the app documents it:
 * POST /message with Basic auth and {id?, message, phoneNumbers, …} answers 202 with the
 * message state {id, state: Pending, recipients}; GET /message/{id} answers its state or 404.
 * It can refuse connections (the phone unreachable) or accept a message and then drop the
 * connection before answering (the crash window).
 */
export async function startFakeGateway() {
  const posts: { auth: string | undefined; query: string; body: SentMessage; accepted: boolean }[] = [];
  const messages = new Map<string, { body: SentMessage; state: string }>();
  const state = { refuse: 0, dropAfterAccept: 0, status503: 0 };
  const server: Server = createServer((req, res) => {
    if (state.refuse > 0) {
      state.refuse--;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://fake');
      const json = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.headers.authorization !== `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`) {
        json(401, { message: 'Unauthorized' });
        return;
      }
      if (req.method === 'POST' && url.pathname === '/message') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SentMessage;
        const rec = { auth: req.headers.authorization, query: url.search, body, accepted: false };
        posts.push(rec);
        if (state.status503 > 0) {
          state.status503--;
          json(503, { message: 'Service Unavailable' });
          return;
        }
        if (typeof body.message !== 'string' || !Array.isArray(body.phoneNumbers) || body.phoneNumbers.length === 0) {
          json(400, { message: 'message and phoneNumbers are required' });
          return;
        }
        const id = body.id ?? randomBytes(10).toString('base64url');
        messages.set(id, { body: { ...body, id }, state: 'Pending' });
        rec.accepted = true;
        if (state.dropAfterAccept > 0) {
          state.dropAfterAccept--;
          req.socket.destroy();
          return;
        }
        json(202, { id, state: 'Pending', recipients: body.phoneNumbers.map((p) => ({ phoneNumber: p, state: 'Pending' })) });
        return;
      }
      const m = /^\/message\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && m) {
        const found = messages.get(decodeURIComponent(m[1]));
        if (!found) {
          json(404, { message: 'message not found' });
          return;
        }
        json(200, {
          id: found.body.id,
          state: found.state,
          recipients: found.body.phoneNumbers.map((p) => ({ phoneNumber: p, state: found.state })),
        });
        return;
      }
      json(404, { message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    posts,
    messages,
    state,
    /** The SMS the phone accepted for this number (refused attempts are in `posts` only). */
    sentTo: (phone: string) => posts.filter((p) => p.accepted && p.body.phoneNumbers.includes(phone)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
export type FakeGateway = Awaited<ReturnType<typeof startFakeGateway>>;

export interface WebhookOpts {
  key?: string;
  /** Unix seconds put in X-Timestamp (and signed). */
  timestamp?: number;
  noSignature?: boolean;
  /** Bytes actually sent when they should differ from the signed ones (tampering). */
  send?: string;
  clock?: Clock;
}

/** Posts an event exactly as the app does: JSON body, X-Timestamp, X-Signature = hex HMAC-SHA256(key, body + timestamp). */
export async function postEvent(baseUrl: string, event: string, payload: Record<string, unknown>, o: WebhookOpts & { id?: string } = {}) {
  const body = JSON.stringify({ deviceId: DEVICE_ID, event, id: o.id ?? eventId(), payload, webhookId: 'wh-tipdesk' });
  const ts = String(o.timestamp ?? Math.floor((o.clock?.now() ?? new Date()).getTime() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'SMSGateway/1.0' };
  if (!o.noSignature) {
    headers['x-signature'] = signGatewayBody(o.key ?? SIGNING_KEY, body, ts);
    headers['x-timestamp'] = ts;
  }
  const res = await fetch(`${baseUrl}/webhooks/sms-gateway`, { method: 'POST', headers, body: o.send ?? body });
  return { status: res.status, body: (await res.json().catch(() => null)) as { ok?: boolean; error?: { message?: string } } | null };
}

/** The phone's local wall time without a zone, as some app versions send receivedAt. */
export const wallTime = (d: Date, timeZone = 'Asia/Shanghai') =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
    .format(d)
    .replace(' ', 'T') + '.000';

export const received = (o: { from?: string; text?: string; messageId?: string; at?: Date } = {}) => ({
  messageId: o.messageId ?? randomBytes(4).toString('hex'),
  message: o.text ?? '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险。',
  phoneNumber: o.from ?? localMobile(),
  simNumber: 1,
  receivedAt: wallTime(o.at ?? new Date()),
});
