import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import twilio from 'twilio';
import type { Deps } from '../../src/deps.js';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { Worker } from '../../src/queue/worker.js';
import { baseTestEnv } from '../support/harness.js';

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'f1e2d3c4b5a6978877665544332211aa';
export const FROM_NUMBER = '+8618600001111';
export const PUBLIC = baseTestEnv.PUBLIC_BASE_URL;

export const twilioEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM_NUMBER: FROM_NUMBER,
  ...extra,
});

export const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** A Chinese mobile in E.164, different for every call so tests do not share tipsters. */
export const phone = () => `+86186${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

export interface SignedPost {
  /** The URL to sign (what Twilio was configured with); defaults to PUBLIC_BASE_URL + path. */
  signUrl?: string;
  token?: string;
  headers?: Record<string, string>;
  /** Params actually sent, when they should differ from the signed ones (tampering). */
  send?: Record<string, string>;
  noSignature?: boolean;
}

/** Posts a form-encoded webhook signed the way Twilio signs it (the library's own function). */
export async function postSigned(baseUrl: string, path: string, params: Record<string, string>, o: SignedPost = {}) {
  const signature = twilio.getExpectedTwilioSignature(o.token ?? AUTH_TOKEN, o.signUrl ?? `${PUBLIC}${path}`, params);
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(o.noSignature ? {} : { 'x-twilio-signature': signature }), ...o.headers },
    body: new URLSearchParams(o.send ?? params).toString(),
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

export function smsParams(o: { from?: string; body?: string; sid?: string; media?: { url: string; type: string }[] } = {}): Record<string, string> {
  const p: Record<string, string> = {
    ToCountry: 'CN',
    SmsMessageSid: o.sid ?? sid('SM'),
    NumMedia: String(o.media?.length ?? 0),
    SmsSid: '',
    SmsStatus: 'received',
    Body: o.body ?? '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险。',
    To: FROM_NUMBER,
    NumSegments: '1',
    MessageSid: '',
    AccountSid: ACCOUNT_SID,
    From: o.from ?? phone(),
    ApiVersion: '2010-04-01',
  };
  p.MessageSid = p.SmsMessageSid;
  p.SmsSid = p.SmsMessageSid;
  o.media?.forEach((m, i) => {
    p[`MediaUrl${i}`] = m.url;
    p[`MediaContentType${i}`] = m.type;
  });
  return p;
}

export function startWorker(deps: Deps) {
  const worker = new Worker({
    prisma: deps.prisma,
    databaseUrl: deps.databaseUrl,
    deps,
    definitions: allJobs,
    logger: deps.logger,
    pollSeconds: 1,
    backoffBaseSeconds: 0.2,
  });
  return worker;
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A loopback stand-in for api.twilio.com: records what the twilio client sends, answers
 * Messages.json like Twilio, and serves media (MMS images, recordings) behind Basic auth.
 */
export async function startTwilioStub() {
  const requests: Recorded[] = [];
  const media = new Map<string, { type: string; data: Buffer }>();
  const state = {
    failMessages: 0,
    failMedia: new Set<string>(),
    /** Refuse sends the way Twilio refuses a bad number: 400 with a code and a message that quotes the To number. */
    rejectMessages: null as null | { code: number; message: (to: string) => string },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const authOk = req.headers.authorization === `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
      if (!authOk) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
        return;
      }
      if (req.method === 'POST' && /^\/2010-04-01\/Accounts\/AC\w+\/Messages\.json$/.test(req.url!)) {
        if (state.failMessages > 0) {
          state.failMessages--;
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ code: 20500, message: 'Service unavailable', status: 503 }));
          return;
        }
        const form = new URLSearchParams(rec.body);
        if (state.rejectMessages) {
          const { code, message } = state.rejectMessages;
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(
              JSON.stringify({ code, message: message(form.get('To') ?? ''), more_info: `https://www.twilio.com/docs/errors/${code}`, status: 400 }),
            );
          return;
        }
        const messageSid = sid('SM');
        res.writeHead(201, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            sid: messageSid,
            account_sid: ACCOUNT_SID,
            to: form.get('To'),
            from: form.get('From'),
            body: form.get('Body'),
            status: 'queued',
            num_segments: '1',
            direction: 'outbound-api',
            api_version: '2010-04-01',
          }),
        );
        return;
      }
      const m = media.get(req.url!);
      if (req.method === 'GET' && m && state.failMedia.delete(req.url!)) {
        // Twilio sometimes answers 404 for a recording that is still being processed.
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20404, message: 'Not yet', status: 404 }));
        return;
      }
      if (req.method === 'GET' && m) {
        res.writeHead(200, { 'content-type': m.type, 'content-length': m.data.length }).end(m.data);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20404, message: 'Not found', status: 404 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    requests,
    state,
    /** Serves bytes at a path like Twilio's media URLs; returns the full URL. */
    serve(path: string, type: string, data: Buffer) {
      media.set(path, { type, data });
      return `${base}${path}`;
    },
    messageRequests: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json')),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** TwiML <Message> text, unescaped. */
export function twimlMessage(xml: string): string | null {
  const m = xml.match(/<Message>([\s\S]*?)<\/Message>/);
  return m
    ? m[1]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&')
    : null;
}
