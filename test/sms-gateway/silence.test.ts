import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsGatewayAdapter } from '../../src/channels/sms-gateway/index.js';
import { checkSilence, silenceService } from '../../src/channels/sms-gateway/silence.service.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { gatewayEnv, postEvent, startFakeGateway, type FakeGateway } from './gateway-support.js';

// The phone is a single point of failure. Time is moved with the injected clock, never slept.

let h: AppHarness;
let off: AppHarness;
let fake: FakeGateway;
const clock = new ManualClock(new Date());

beforeAll(async () => {
  fake = await startFakeGateway();
  [h, off] = await Promise.all([
    createAppHarness({ env: gatewayEnv(fake.url, { SMS_GATEWAY_SILENCE_MINUTES: '30' }), overrides: { clock } }),
    createAppHarness({ env: { SMS_GATEWAY_URL: 'http://192.168.1.20:8080' } }),
  ]);
});
afterAll(async () => {
  await Promise.all([h?.close(), off?.close()]);
  await fake?.close();
});

const MIN = 60_000;
const ping = () => postEvent(h.baseUrl, 'system:ping', { health: { status: 'pass', checks: {} } }, { clock });
const alarmJobs = () =>
  h.deps.prisma.job.findMany({ where: { kind: 'send-email', uniqueKey: { startsWith: 'sms-gateway-silent:' } }, orderBy: { createdAt: 'asc' } });

async function health(auth: Record<string, string>) {
  const res = await fetch(`${h.baseUrl}/api/intake/health`, { headers: auth });
  const body = (await res.json()) as { channels: { id: string; status: string; lastSuccessAt: string | null; lastError: string | null }[] };
  if (!body.channels) throw new Error(`health ${res.status}: ${JSON.stringify(body)}`);
  return body.channels.find((c) => c.id === 'sms-gateway');
}

/** The ping is counted in memory and written about once a second: wait until the row shows it. */
const spokeAt = (at: Date) =>
  waitFor(() => h.deps.prisma.intakeSource.findFirst({ where: { id: 'sms-gateway', lastSuccessAt: { gte: at } } }), 10_000, 'the ping recorded');

describe('the silent phone alarm', () => {
  it('a ping is "last spoke"; silent past SMS_GATEWAY_SILENCE_MINUTES the health is red and editors are emailed once per silence', async () => {
    const editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR', 'EditorLi');
    const admin = await userWithToken(h.deps, h.baseUrl, 'ADMIN', 'AdminWang');
    await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'ReporterZhao');

    const t0 = clock.now();
    expect((await ping()).status).toBe(200);
    await spokeAt(t0);
    expect(await health(editor.auth)).toMatchObject({ status: 'ok', lastSuccessAt: t0.toISOString() });
    expect(await checkSilence(h.deps)).toBeNull();

    clock.advance(29 * MIN);
    expect(await checkSilence(h.deps)).toBeNull();
    expect((await health(editor.auth))?.status).toBe('ok');

    clock.advance(2 * MIN);
    expect((await health(editor.auth))?.status).toBe('stale');
    const raised = await checkSilence(h.deps);
    expect(raised).toEqual({ lastSpoke: t0, emailed: 2 });
    const jobs = await alarmJobs();
    expect(jobs.map((j) => (j.payload as { to: string }).to).sort()).toEqual([admin.user.email, editor.user.email].sort());
    const mail = jobs[0].payload as { subject: string; text: string };
    expect(mail.subject).toContain('silent');
    expect(mail.text).toContain('30');
    expect((await health(editor.auth))?.lastError).toMatch(/^phone silent/);

    // Still silent an hour later: no second email.
    clock.advance(60 * MIN);
    expect(await checkSilence(h.deps)).toBeNull();
    expect(await alarmJobs()).toHaveLength(2);

    // The phone speaks again: green; a new silence is a new alarm.
    const t1 = clock.now();
    expect((await ping()).status).toBe(200);
    await spokeAt(t1);
    expect((await health(editor.auth))?.status).toBe('ok');
    clock.advance(31 * MIN);
    expect((await checkSilence(h.deps))?.lastSpoke).toEqual(t1);
    expect(await alarmJobs()).toHaveLength(4);
    expect(h.logs.text).toContain('SMS gateway phone is silent');
  });

  it('runs as a worker service on its own', async () => {
    const t2 = clock.now();
    await ping();
    await spokeAt(t2);
    clock.advance(45 * MIN);
    const before = (await alarmJobs()).length;
    const service = silenceService(h.deps, { intervalMs: 20 });
    await service.start();
    try {
      await waitFor(async () => (await alarmJobs()).length > before, 10_000, 'the service raised the alarm');
    } finally {
      await service.stop();
    }
  });
});

describe('settings', () => {
  it('without its settings the endpoint answers 503 and start-up says what to set', async () => {
    const res = await postEvent(off.baseUrl, 'system:ping', {});
    expect(res.status).toBe(503);
    expect(res.body?.error?.message).toBe(
      'SMS gateway intake is off: set SMS_GATEWAY_USERNAME, SMS_GATEWAY_PASSWORD, SMS_GATEWAY_SIGNING_KEY to turn it on',
    );
    expect(smsGatewayAdapter.describe(loadConfig({}))).toBe(
      'SMS gateway: off (set SMS_GATEWAY_URL, SMS_GATEWAY_USERNAME, SMS_GATEWAY_PASSWORD, SMS_GATEWAY_SIGNING_KEY; /webhooks/sms-gateway answers 503 until then)',
    );
    const on = smsGatewayAdapter.describe(
      loadConfig({ ...gatewayEnv('http://192.168.1.20:8080'), PUBLIC_BASE_URL: 'https://tips.example-paper.cn' }),
    );
    expect(on).toBe(
      'SMS gateway: on (phone API http://192.168.1.20:8080; webhooks at https://tips.example-paper.cn/webhooks/sms-gateway; silent alarm after 30 min)',
    );
    expect(on).not.toContain('gw-pass');
    expect(() => loadConfig({ SMS_GATEWAY_URL: 'not a url' })).toThrow(/SMS_GATEWAY_URL must be a URL/);
  });
});
