import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, tipBuilder, userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { postSigned, smsParams, twilioEnv } from '../twilio/twilio-support.js';

// Body limits (413), login throttling (429) and the standard security headers, seen from outside.

let h: AppHarness;
let editor: Awaited<ReturnType<typeof userWithToken>>;

beforeAll(async () => {
  h = await createAppHarness({ env: twilioEnv({ LOGIN_MAX_ATTEMPTS: '5', LOGIN_WINDOW_SECONDS: '600' }) });
  editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR');
});
afterAll(async () => h?.close());

const OVER = 1024 * 1024 + 4096; // REQUEST_BODY_LIMIT is 1mb by default

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

describe('request bodies over the limit', () => {
  it('get 413 on the JSON API, before and after login', async () => {
    const big = JSON.stringify({ email: 'a@b.cn', password: 'x'.repeat(OVER) });
    const login = await fetch(`${h.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(login.status).toBe(413);
    expect((await errorOf(login)).code).toBe('PAYLOAD_TOO_LARGE');

    const tip = await tipBuilder(h.deps);
    const note = await fetch(`${h.baseUrl}/api/tips/${tip.id}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...editor.auth },
      body: JSON.stringify({ body: '楼'.repeat(OVER / 3 + 10) }),
    });
    expect(note.status).toBe(413);
    expect(await h.deps.prisma.note.count({ where: { tipId: tip.id } })).toBe(0);
  });

  it('get 413 without a Content-Length too (chunked upload)', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 40; i++) c.enqueue(new TextEncoder().encode(`"${'x'.repeat(32 * 1024)}",`));
        c.close();
      },
    });
    const res = await fetch(`${h.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });

  it('get 413 on the Twilio webhooks, and nothing is stored', async () => {
    const p = smsParams({ body: '漏水'.repeat(OVER / 4) });
    const res = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p);
    expect(res.status).toBe(413);
    expect(await h.deps.prisma.submission.count({ where: { externalId: p.MessageSid } })).toBe(0);
    const voice = await postSigned(h.baseUrl, '/webhooks/twilio/transcription', {
      CallSid: `CA${'1'.repeat(32)}`,
      TranscriptionSid: `TR${'2'.repeat(32)}`,
      TranscriptionText: 'x'.repeat(OVER),
    });
    expect(voice.status).toBe(413);
  });
});

describe('a flood of logins', () => {
  it('is throttled per account with 429, and the right password does not get through meanwhile', async () => {
    const target = await userWithToken(h.deps, h.baseUrl, 'REPORTER');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${h.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: target.user.email, password: `guess-${i}-wrong` }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 4).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
    const right = await fetch(`${h.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: target.user.email, password: PASSWORD }),
    });
    expect(right.status).toBe(429);
    expect((await errorOf(right)).code).toBe('RATE_LIMITED');
  });

  it('is throttled per client address when it sprays many accounts at once', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${h.baseUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `nobody${i}@paper.example`, password: 'not-the-password' }),
        }).then((r) => r.status),
      ),
    );
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });
});

describe('security headers', () => {
  const expectHelmet = (res: Response, where: string) => {
    const hd = res.headers;
    expect(hd.get('content-security-policy'), where).toContain("default-src 'self'");
    expect(hd.get('content-security-policy'), where).toContain("frame-ancestors 'self'");
    expect(hd.get('content-security-policy'), where).toContain("object-src 'none'");
    expect(hd.get('x-content-type-options'), where).toBe('nosniff');
    expect(hd.get('x-frame-options'), where).toBe('SAMEORIGIN');
    expect(hd.get('strict-transport-security'), where).toMatch(/max-age=\d+/);
    expect(hd.get('referrer-policy'), where).toBe('no-referrer');
    expect(hd.get('cross-origin-opener-policy'), where).toBe('same-origin');
    expect(hd.get('cross-origin-resource-policy'), where).toBe('same-origin');
    expect(hd.get('x-dns-prefetch-control'), where).toBe('off');
    expect(hd.get('x-powered-by'), where).toBeNull();
  };

  it('are on the dashboard and the API (success and errors)', async () => {
    const checks: [string, Promise<Response>][] = [
      ['GET /', fetch(`${h.baseUrl}/`)],
      ['GET /api/auth/me (200)', fetch(`${h.baseUrl}/api/auth/me`, { headers: editor.auth })],
      ['GET /api/tips (401)', fetch(`${h.baseUrl}/api/tips`)],
      ['GET /api/nothing-here (404)', fetch(`${h.baseUrl}/api/nothing-here`, { headers: editor.auth })],
      [
        'POST /api/auth/login (400)',
        fetch(`${h.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }),
      ],
    ];
    for (const [where, p] of checks) expectHelmet(await p, where);
  });

  // Providers' servers read webhook answers; a browser that opens one may load, frame or sniff nothing.
  const expectMachineAnswer = (res: Response, where: string) => {
    const hd = res.headers;
    expect(hd.get('content-security-policy'), where).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(hd.get('x-content-type-options'), where).toBe('nosniff');
    expect(hd.get('referrer-policy'), where).toBe('no-referrer');
    expect(hd.get('cross-origin-resource-policy'), where).toBe('same-origin');
    expect(hd.get('strict-transport-security'), where).toMatch(/max-age=\d+/);
    expect(hd.get('x-powered-by'), where).toBeNull();
  };

  it('are on the webhooks, refused or answered', async () => {
    const unsigned = await fetch(`${h.baseUrl}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Body=hi',
    });
    expect(unsigned.status).toBe(403);
    expectMachineAnswer(unsigned, 'POST /webhooks/twilio/sms (403 unsigned)');
    expectMachineAnswer(await fetch(`${h.baseUrl}/webhooks/twilio/sms`, { method: 'POST' }), 'POST /webhooks/twilio/sms (no body)');
    expectMachineAnswer(await fetch(`${h.baseUrl}/webhooks/wechat`), 'GET /webhooks/wechat (unsigned check)');

    const { default: twilio } = await import('twilio');
    const params = smsParams({});
    const sig = twilio.getExpectedTwilioSignature(twilioEnv().TWILIO_AUTH_TOKEN, `${h.deps.config.PUBLIC_BASE_URL}/webhooks/twilio/sms`, params);
    const res = await fetch(`${h.baseUrl}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('xml');
    expectMachineAnswer(res, 'signed SMS webhook');
  });
});
