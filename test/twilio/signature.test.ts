import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { AUTH_TOKEN, PUBLIC, phone, postSigned, sid, smsParams, twilioEnv } from './twilio-support.js';

// Signature checks on every Twilio webhook: a request is accepted only when it is signed
// (by the twilio library's own function) for a public URL we are configured with.

const MESSAGING_SERVICE_BASE = 'https://hooks.example-paper.cn/tipdesk';

let h: AppHarness;
let proxied: AppHarness;
let off: AppHarness;
beforeAll(async () => {
  [h, proxied, off] = await Promise.all([
    createAppHarness({ env: twilioEnv({ TWILIO_WEBHOOK_BASE_URLS: MESSAGING_SERVICE_BASE }) }),
    createAppHarness({ env: twilioEnv({ TRUST_PROXY: 'true', PUBLIC_BASE_URL: 'https://old-name.example-paper.cn' }) }),
    createAppHarness({ env: {} }),
  ]);
});
afterAll(async () => Promise.all([h?.close(), proxied?.close(), off?.close()]));

const submissionCount = (x: AppHarness) => x.deps.prisma.submission.count();

describe('Twilio webhook signatures', () => {
  it('accepts a request signed for PUBLIC_BASE_URL + path and stores it', async () => {
    const p = smsParams();
    const res = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p);
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/xml');
    expect(await h.deps.prisma.submission.count({ where: { externalId: p.MessageSid } })).toBe(1);
  });

  it('signs the query string too', async () => {
    const p = smsParams();
    const path = '/webhooks/twilio/sms?source=hotline&lang=zh';
    expect((await postSigned(h.baseUrl, path, p)).status).toBe(200);
    // Signed without the query string: the URL Twilio used is not the one signed.
    const q = smsParams();
    expect((await postSigned(h.baseUrl, path, q, { signUrl: `${PUBLIC}/webhooks/twilio/sms` })).status).toBe(403);
    expect(await h.deps.prisma.submission.count({ where: { externalId: q.MessageSid } })).toBe(0);
  });

  it('refuses a missing signature, a tampered body and a wrong token with 403, storing nothing', async () => {
    const before = await submissionCount(h);
    const p = smsParams();
    const missing = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p, { noSignature: true });
    const tampered = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p, { send: { ...p, Body: '改过的内容' } });
    const wrongToken = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p, { token: AUTH_TOKEN.replace('f', 'e') });
    const voice = await postSigned(
      h.baseUrl,
      '/webhooks/twilio/recording',
      { CallSid: sid('CA'), RecordingSid: sid('RE'), RecordingUrl: 'https://api.twilio.com/x' },
      { token: 'nope' },
    );
    for (const r of [missing, tampered, wrongToken, voice]) expect(r.status).toBe(403);
    expect(await submissionCount(h)).toBe(before);
    // The log says which URL the signature was checked against, and holds no tipster data.
    const line = h.logs.lines.find((l) => l.includes('Twilio signature mismatch'))!;
    expect(line).toContain(`${PUBLIC}/webhooks/twilio/sms`);
    expect(h.logs.text).not.toContain(p.From);
    expect(h.logs.text).not.toContain('改过的内容');
  });

  it('accepts a Messaging Service webhook signed for a configured alternative base URL', async () => {
    const p = smsParams();
    const ok = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p, { signUrl: `${MESSAGING_SERVICE_BASE}/webhooks/twilio/sms` });
    expect(ok.status).toBe(200);
    expect(await h.deps.prisma.submission.count({ where: { externalId: p.MessageSid } })).toBe(1);
  });

  it('refuses a Messaging Service webhook URL we were not told about, and logs the URLs it tried', async () => {
    const p = smsParams();
    const res = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p, { signUrl: 'https://tipdesk-pool.example.net/webhooks/twilio/sms' });
    expect(res.status).toBe(403);
    // The answer names no URL (issue 15, finding 7); the log does.
    expect(res.text).not.toContain(`${PUBLIC}/webhooks/twilio/sms`);
    expect(await h.deps.prisma.submission.count({ where: { externalId: p.MessageSid } })).toBe(0);
    const line = h.logs.lines.filter((l) => l.includes('Twilio signature')).at(-1)!;
    expect(JSON.parse(line).checkedUrls).toEqual([`${PUBLIC}/webhooks/twilio/sms`, `${MESSAGING_SERVICE_BASE}/webhooks/twilio/sms`]);
    // The intake health row tells editors who never read logs that signatures fail, and where to look.
    const source = await waitFor(() => h.deps.prisma.intakeSource.findFirst({ where: { id: 'twilio:sms', lastError: { contains: 'signature' } } }));
    expect(source.lastError).toContain('in the log');
    expect(source.lastError).not.toContain(MESSAGING_SERVICE_BASE);
  });

  it('behind a trusted proxy, checks the forwarded scheme and host', async () => {
    const p = smsParams();
    const signUrl = 'https://tips.example-paper.cn/webhooks/twilio/sms?x=1';
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'tips.example-paper.cn' };
    expect((await postSigned(proxied.baseUrl, '/webhooks/twilio/sms?x=1', p, { signUrl, headers })).status).toBe(200);
    // The proxy forwarding plain http (a misconfigured proxy) fails, and the log names the URL tried.
    const q = smsParams();
    const bad = await postSigned(proxied.baseUrl, '/webhooks/twilio/sms?x=1', q, { signUrl, headers: { ...headers, 'x-forwarded-proto': 'http' } });
    expect(bad.status).toBe(403);
    expect(proxied.logs.text).toContain('http://tips.example-paper.cn/webhooks/twilio/sms?x=1');
    expect(await proxied.deps.prisma.submission.count({ where: { externalId: q.MessageSid } })).toBe(0);
  });

  it('ignores forwarded headers when the proxy is not trusted', async () => {
    const p = smsParams();
    const res = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p, {
      signUrl: 'https://evil.example.com/webhooks/twilio/sms',
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example.com' },
    });
    expect(res.status).toBe(403);
  });

  it('answers 400 naming the field for malformed parameters, storing nothing', async () => {
    const before = await submissionCount(h);
    const noSid = smsParams();
    delete noSid.MessageSid;
    const r1 = await postSigned(h.baseUrl, '/webhooks/twilio/sms', noSid);
    expect(r1.status).toBe(400);
    expect(r1.text).toContain('MessageSid');
    const noFrom = smsParams();
    delete noFrom.From;
    const r2 = await postSigned(h.baseUrl, '/webhooks/twilio/sms', noFrom);
    expect(r2.status).toBe(400);
    expect(r2.text).toContain('From');
    const badMedia = smsParams({ media: [{ url: 'not a url', type: 'image/jpeg' }] });
    const r3 = await postSigned(h.baseUrl, '/webhooks/twilio/sms', badMedia);
    expect(r3.status).toBe(400);
    expect(r3.text).toContain('MediaUrl0');
    const r4 = await postSigned(h.baseUrl, '/webhooks/twilio/recording', { CallSid: sid('CA'), RecordingUrl: 'https://api.twilio.com/r' });
    expect(r4.status).toBe(400);
    expect(r4.text).toContain('RecordingSid');
    expect(await submissionCount(h)).toBe(before);
  });

  it('answers 503 with a clear message when Twilio is not configured', async () => {
    const res = await postSigned(off.baseUrl, '/webhooks/twilio/sms', smsParams({ from: phone() }));
    expect(res.status).toBe(503);
    expect(res.text).toContain('TWILIO_ACCOUNT_SID');
    expect(await submissionCount(off)).toBe(0);
  });
});
