import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../src/deps.js';
import { queueSmsReply } from '../../src/channels/twilio/sms-outbound.service.js';
import type { Worker } from '../../src/queue/worker.js';
import { tipBuilder, userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';
import { ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, phone, startTwilioStub, startWorker, twilioEnv } from './twilio-support.js';

// Outbound SMS goes through the real twilio REST client, pointed at loopback servers.

let h: AppHarness;
let down: AppHarness;
let worker: Worker<unknown>;
let downWorker: Worker<unknown>;
let stub: Awaited<ReturnType<typeof startTwilioStub>>;

beforeAll(async () => {
  stub = await startTwilioStub();
  const closedPort = await freePort();
  [h, down] = await Promise.all([
    createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base }) }),
    createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: `http://127.0.0.1:${closedPort}` }) }),
  ]);
  for (const x of [h, down]) x.deps.twilio = createTwilioClient(x.deps.config);
  worker = startWorker(h.deps) as Worker<unknown>;
  downWorker = startWorker(down.deps) as Worker<unknown>;
  await Promise.all([worker.start(), downWorker.start()]);
});
afterAll(async () => {
  await Promise.all([worker?.stop(), downWorker?.stop()]);
  await Promise.all([h?.close(), down?.close()]);
  await stub?.close();
});

describe('outbound SMS', () => {
  it('sends a reply through the Twilio REST API and records the SID on the message', async () => {
    const to = phone();
    const tip = await tipBuilder(h.deps, { phone: to, body: '社区义诊是什么时候？' });
    const body = `您好，关于 ${tip.reference}：义诊在本周六上午 9 点，大齿社区服务站。😊`;
    const msg = await h.deps.prisma.$transaction((tx) => queueSmsReply(tx, { tipId: tip.id, to, body }));
    const sent = await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: msg.id, deliveryState: 'SENT' } }));
    const req = stub.messageRequests().find((r) => new URLSearchParams(r.body).get('To') === to)!;
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(req.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    const form = new URLSearchParams(req.body);
    expect(form.get('From')).toBe(FROM_NUMBER);
    expect(form.get('Body')).toBe(body);
    expect(sent.externalId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sent.sentAt).not.toBeNull();
    expect(h.logs.text).not.toContain(to);
  });

  it('retries when Twilio answers 503, then sends once', async () => {
    const to = phone();
    const tip = await tipBuilder(h.deps, { phone: to });
    stub.state.failMessages = 2;
    const msg = await h.deps.prisma.$transaction((tx) => queueSmsReply(tx, { tipId: tip.id, to, body: '收到，记者明天联系您。' }));
    await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: msg.id, deliveryState: 'SENT' } }), 30_000);
    expect(stub.messageRequests().filter((r) => new URLSearchParams(r.body).get('To') === to)).toHaveLength(3);
  });

  it('when Twilio is unreachable the job retries, then is dead and visible to admins; the message says FAILED', async () => {
    const to = phone();
    const tip = await tipBuilder(down.deps, { phone: to });
    const msg = await down.deps.prisma.$transaction((tx) => queueSmsReply(tx, { tipId: tip.id, to, body: '您好，请问具体是几号楼？' }));
    const failed = await waitFor(() => down.deps.prisma.message.findFirst({ where: { id: msg.id, deliveryState: 'FAILED' } }), 45_000);
    expect(failed.deliveryError).toMatch(/ECONNREFUSED|connect/i);
    const admin = await userWithToken(down.deps, down.baseUrl, 'ADMIN');
    const dead = await waitFor(async () => {
      const res = await fetch(`${down.baseUrl}/api/jobs?state=DEAD`, { headers: admin.auth });
      const body = (await res.json()) as { jobs: { kind: string; attempts: number; lastError: string }[] };
      return body.jobs.find((j) => j.kind === 'send-sms');
    });
    expect(dead.attempts).toBe(6);
    expect(dead.lastError).toMatch(/ECONNREFUSED|connect/i);

    // The desk sends it again from the thread: the dead job is queued again and the message says QUEUED.
    const editor = await userWithToken(down.deps, down.baseUrl, 'EDITOR');
    const reporter = await userWithToken(down.deps, down.baseUrl, 'REPORTER');
    const retry = (auth: Record<string, string>) => fetch(`${down.baseUrl}/api/messages/${msg.id}/retry`, { method: 'POST', headers: auth });
    expect((await retry(reporter.auth)).status).toBe(403);
    expect((await retry(editor.auth)).status).toBe(200);
    const again = await down.deps.prisma.message.findUniqueOrThrow({ where: { id: msg.id } });
    expect(again.deliveryState === 'QUEUED' || again.deliveryState === 'FAILED').toBe(true);
    const job = await down.deps.prisma.job.findFirstOrThrow({ where: { kind: 'send-sms', payload: { path: ['messageId'], equals: msg.id } } });
    expect(job.state).not.toBe('DEAD');
    const detail = await fetch(`${down.baseUrl}/api/tips/${tip.id}/events`, { headers: editor.auth });
    expect(JSON.stringify(await detail.json())).toContain('reply.retried');
  });
});
