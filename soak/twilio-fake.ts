import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

// A loopback stand-in for api.twilio.com (TWILIO_API_BASE_URL points the service's twilio
// client at it): it accepts Messages.json like Twilio, records every attempt, serves MMS media
// and recordings behind Basic auth, and can be told to fail for a while (503, or dropped
// connections) the way a real outage looks to the client.

export interface SentSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  at: number;
}

export type TwilioFailure = 'none' | 'http503' | 'reset';

export async function startTwilioFake(accountSid: string, authToken: string) {
  const sent: SentSms[] = [];
  const counts = { messageAttempts: 0, messageFailures: 0, listRequests: 0, mediaGets: 0, mediaFailures: 0, unauthorized: 0 };
  const media = new Map<string, { type: string; data: Buffer }>();
  const state = { failing: 'none' as TwilioFailure };
  const messageJson = (m: SentSms) => ({
    sid: m.sid,
    account_sid: accountSid,
    to: m.to,
    from: m.from,
    body: m.body,
    status: 'queued',
    num_segments: '1',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    date_created: new Date(m.at).toUTCString().replace('GMT', '+0000'),
  });
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.headers.authorization !== expectedAuth) {
        counts.unauthorized++;
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
        return;
      }
      const isMessages = req.method === 'POST' && /^\/2010-04-01\/Accounts\/AC\w+\/Messages\.json$/.test(url);
      const isList = req.method === 'GET' && /^\/2010-04-01\/Accounts\/AC\w+\/Messages\.json(\?|$)/.test(url);
      if (isMessages || req.method === 'GET') {
        if (isMessages) counts.messageAttempts++;
        else if (isList) counts.listRequests++;
        else counts.mediaGets++;
        if (state.failing !== 'none') {
          if (isMessages) counts.messageFailures++;
          else counts.mediaFailures++;
          if (state.failing === 'reset') {
            req.socket.destroy();
            return;
          }
          res
            .writeHead(503, { 'content-type': 'application/json' })
            .end(JSON.stringify({ code: 20500, message: 'Service unavailable', status: 503 }));
          return;
        }
      }
      if (isList) {
        // Newest first, filtered like Twilio's Message list resource (To, From).
        const q = new URL(url, 'http://x').searchParams;
        const rows = sent.filter((m) => (!q.get('To') || m.to === q.get('To')) && (!q.get('From') || m.from === q.get('From'))).reverse();
        const size = Number(q.get('PageSize') ?? 50);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            messages: rows.slice(0, size).map(messageJson),
            page: 0,
            page_size: size,
            start: 0,
            end: Math.min(size, rows.length) - 1,
            uri: url,
            first_page_uri: url,
            next_page_uri: null,
            previous_page_uri: null,
          }),
        );
        return;
      }
      if (isMessages) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const m: SentSms = {
          sid: `SM${randomBytes(16).toString('hex')}`,
          to: form.get('To') ?? '',
          from: form.get('From') ?? '',
          body: form.get('Body') ?? '',
          at: Date.now(),
        };
        sent.push(m);
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(messageJson(m)));
        return;
      }
      const m = media.get(url.split('?')[0]);
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
    sent,
    counts,
    state,
    /** Serves bytes at a path like Twilio's media URLs; returns the full URL. */
    serve(urlPath: string, type: string, data: Buffer) {
      media.set(urlPath, { type, data });
      return `${base}${urlPath}`;
    },
    /** A message Twilio already holds (as if an earlier, cut-off attempt had sent it). */
    accepted(to: string, from: string, body: string): SentSms {
      const m: SentSms = { sid: `SM${randomBytes(16).toString('hex')}`, to, from, body, at: Date.now() };
      sent.push(m);
      return m;
    },
    setFailing(mode: TwilioFailure) {
      state.failing = mode;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type TwilioFake = Awaited<ReturnType<typeof startTwilioFake>>;
