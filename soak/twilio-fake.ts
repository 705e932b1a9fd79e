import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

// A loopback stand-in for api.twilio.com (TWILIO_API_BASE_URL points the service's twilio
// client at it): it accepts Messages.json like Twilio, records every attempt, serves MMS media
// and recordings behind Basic auth, and can be told to fail for a while (503, or dropped
// connections) the way a real outage looks to the client.

export interface SentSms {
  to: string;
  body: string;
  at: number;
}

export type TwilioFailure = 'none' | 'http503' | 'reset';

export async function startTwilioFake(accountSid: string, authToken: string) {
  const sent: SentSms[] = [];
  const counts = { messageAttempts: 0, messageFailures: 0, mediaGets: 0, mediaFailures: 0, unauthorized: 0 };
  const media = new Map<string, { type: string; data: Buffer }>();
  const state = { failing: 'none' as TwilioFailure };
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
      if (isMessages || req.method === 'GET') {
        if (isMessages) counts.messageAttempts++;
        else counts.mediaGets++;
        if (state.failing !== 'none') {
          if (isMessages) counts.messageFailures++;
          else counts.mediaFailures++;
          if (state.failing === 'reset') {
            req.socket.destroy();
            return;
          }
          res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20500, message: 'Service unavailable', status: 503 }));
          return;
        }
      }
      if (isMessages) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const to = form.get('To') ?? '';
        const body = form.get('Body') ?? '';
        sent.push({ to, body, at: Date.now() });
        res.writeHead(201, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            sid: `SM${randomBytes(16).toString('hex')}`,
            account_sid: accountSid,
            to,
            from: form.get('From'),
            body,
            status: 'queued',
            num_segments: '1',
            direction: 'outbound-api',
            api_version: '2010-04-01',
          }),
        );
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
