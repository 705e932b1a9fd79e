import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { ACCOUNT_SID, PUBLIC, phone, postSigned, sid, smsParams, startTwilioStub, startWorker, twilioEnv } from '../twilio/twilio-support.js';
import type { Worker } from '../../src/queue/worker.js';
import type { Deps } from '../../src/deps.js';

// Security review findings 6, 7 and 9 (issue 15) on the Twilio webhooks, from outside.

let stub: Awaited<ReturnType<typeof startTwilioStub>>;
let h: AppHarness;
let worker: Worker<Deps>;
let elsewhere: Server;
let elsewhereBase: string;
const elsewhereHits: string[] = [];

beforeAll(async () => {
  stub = await startTwilioStub();
  h = await createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base }) });
  worker = startWorker(h.deps);
  await worker.start();
  // A host that is not Twilio's, on the same loopback interface as the stub.
  elsewhere = createServer((req, res) => {
    elsewhereHits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  });
  await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', () => r()));
  elsewhereBase = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await stub?.close();
  elsewhere?.closeAllConnections();
  await new Promise<void>((r) => (elsewhere ? elsewhere.close(() => r()) : r()));
});

const ROUTES = new Set(['/sms', '/voice', '/voice/after-record', '/call-status', '/recording', '/transcription', 'unmatched']);

async function webhookRouteLabels(): Promise<string[]> {
  const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
  return [...text.matchAll(/^tipdesk_webhooks_total\{([^}]*)\}/gm)].map((m) => /route="([^"]*)"/.exec(m[1])![1]);
}

describe('finding 6: webhook metrics', () => {
  it('are labelled by route pattern, never by the raw path', async () => {
    const paths = ['/SMS', '/Sms/', '/sMs', '/sms/', '/Voice/After-Record', '/RECORDING', '/no-such-hook', '/sms/extra/segments', '/x%20y'];
    for (const p of paths) {
      const res = await postSigned(h.baseUrl, `/webhooks/twilio${p}`, smsParams(), { noSignature: true });
      expect([403, 404], p).toContain(res.status);
    }
    const labels = await webhookRouteLabels();
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.filter((l) => !ROUTES.has(l))).toEqual([]);
    expect(labels).toContain('/sms');
    expect(labels).toContain('unmatched');
  });
});

describe('finding 7: a refused webhook', () => {
  it('does not echo the URLs it checked; the log (warn) and the intake health keep them out of the answer', async () => {
    const p = smsParams({ from: phone() });
    const res = await postSigned(h.baseUrl, '/webhooks/twilio/sms', p, { signUrl: 'https://attacker.example/webhooks/twilio/sms' });
    expect(res.status).toBe(403);
    expect(res.text).not.toContain(PUBLIC);
    expect(res.text).not.toContain('example-paper');
    expect(res.text).not.toContain('checked');
    const line = h.logs.lines.filter((l) => l.includes('Twilio signature')).at(-1)!;
    expect(JSON.parse(line)).toMatchObject({ level: 40, checkedUrls: [`${PUBLIC}/webhooks/twilio/sms`] });
    expect(line).not.toContain(p.From);

    const editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR');
    // Counters are written in the background: wait for the row, then read it as an editor would.
    await waitFor(
      () => h.deps.prisma.intakeSource.findFirst({ where: { id: 'twilio:sms', lastError: { contains: 'signature' } } }),
      10_000,
      'the health row',
    );
    const text = await (await fetch(`${h.baseUrl}/api/intake/health`, { headers: editor.auth })).text();
    expect(text).toContain('signature');
    expect(text).not.toContain(PUBLIC);
  });
});

describe('finding 9: fetch-media', () => {
  it("downloads only from Twilio's hosts; any other MediaUrl is refused and recorded as a failed attachment", async () => {
    const good = stub.serve(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM9/Media/ME9`, 'image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const p = smsParams({
      from: phone(),
      body: '平城区新建南路小区门口的井盖丢了，附照片',
      sid: sid('MM'),
      media: [
        { url: good, type: 'image/jpeg' },
        { url: `${elsewhereBase}/internal/admin.jpg`, type: 'image/jpeg' },
        { url: 'http://169.254.169.254:1/latest/meta-data/iam.jpg', type: 'image/jpeg' },
        { url: 'https://api.twilio.com.evil.example/media.jpg', type: 'image/jpeg' },
      ],
    });
    expect((await postSigned(h.baseUrl, '/webhooks/twilio/sms', p)).status).toBe(200);
    const all = () => h.deps.prisma.attachment.findMany({ where: { submission: { externalId: p.MessageSid } } });
    // The bytes from elsewhere were never asked for.
    await waitFor(async () => (await all()).some((a) => a.state === 'STORED'), 20_000, 'the Twilio-hosted picture');
    await waitFor(async () => (await all()).filter((a) => a.state !== 'PENDING').length >= 2, 20_000, 'the loopback one');
    expect(elsewhereHits).toEqual([]);
    const atts = await waitFor(
      async () => {
        const rows = await all();
        return rows.length === 4 && rows.every((a) => a.state !== 'PENDING') ? rows : null;
      },
      20_000,
      'all four',
    );
    expect(atts.map((a) => a.state).sort()).toEqual(['FAILED', 'FAILED', 'FAILED', 'STORED']);
    for (const a of atts.filter((x) => x.state === 'FAILED')) expect(a.error).toMatch(/not a Twilio host/);
  });
});
