import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import type { Worker } from '../../src/queue/worker.js';
import type { Deps } from '../../src/deps.js';
import { tipBuilder } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { client, staff, triagedTip } from '../triage/helpers.js';
import { startTwilioStub, startWorker, twilioEnv } from '../twilio/twilio-support.js';

// Security review findings 1, 2 and 10 (issue 15), seen from outside:
// 1. a failed delivery's provider error quotes the tipster's number; a reporter who has not
//    claimed the lead must not read it, not even by replying once while assigned;
// 2. dead and failed jobs log that error text;
// 10. display names written as numbers (dotted, spaced, full-width) are masked.

const DIGITS = '13912345678';
const PHONE = `+86${DIGITS}`;

let stub: Awaited<ReturnType<typeof startTwilioStub>>;
let h: AppHarness;
let worker: Worker<Deps>;
let api: ReturnType<typeof client>;
let s: Awaited<ReturnType<typeof staff>>;

beforeAll(async () => {
  stub = await startTwilioStub();
  h = await createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base, LOGIN_MAX_ATTEMPTS: '50' }) });
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = startWorker(h.deps);
  await worker.start();
  api = client(h);
  s = await staff(h);
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await stub?.close();
});

describe('a failed delivery whose provider error quotes the number', () => {
  it('reaches neither an assigned reporter (reply answer, tip view), nor the stored row, the jobs list or the logs', async () => {
    // Twilio refuses the number and says so, quoting it, as its REST API does (error 21211).
    stub.state.rejectMessages = { code: 21211, message: (to) => `The 'To' number ${to} is not a valid phone number.` };
    const t = await triagedTip(h, s.editor.auth, { channel: 'SMS', phone: PHONE, body: '平城区永泰街道大齿社区路灯不亮' });
    expect((await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: s.reporter.user.id })).status).toBe(200);

    // Assigned, not claimed: the contact is masked, and replying must not reveal it.
    const reply = await api.post(`/api/tips/${t.id}/reply`, s.reporter.auth, { body: '您好，我是晚报记者，想了解一下路灯的情况。' });
    expect(reply.status).toBe(201);
    expect(JSON.stringify(reply.body)).not.toContain(DIGITS);
    const messageId = reply.body.message.id as string;
    const failed = await waitFor(
      () => h.deps.prisma.message.findFirst({ where: { id: messageId, deliveryState: 'FAILED' } }),
      20_000,
      'the send to fail',
    );
    expect(stub.messageRequests().some((r) => new URLSearchParams(r.body).get('To') === PHONE)).toBe(true);

    const byReporter = await api.get(`/api/tips/${t.id}`, s.reporter.auth);
    expect(byReporter.status).toBe(200);
    expect(JSON.stringify(byReporter.body)).not.toContain(DIGITS);

    // Stored as a code plus a scrubbed message.
    expect(failed.deliveryError).not.toContain(DIGITS);
    expect(failed.deliveryErrorCode).toBe('21211');
    expect(failed.deliveryError).toContain('21211');
    const seen = byReporter.body.tip.messages.find((m: { id: string }) => m.id === messageId);
    expect(seen).toMatchObject({ deliveryState: 'FAILED', deliveryErrorCode: '21211' });

    // Editors see the explanation, still without the number.
    const byEditor = (await api.get(`/api/tips/${t.id}`, s.editor.auth)).body.tip.messages.find((m: { id: string }) => m.id === messageId);
    expect(byEditor.deliveryError).toMatch(/Twilio error 21211: The 'To' number \[number\] is not a valid phone number/);

    // Finding 2: the dead job's error and the worker's log lines.
    const dead = await api.get('/api/jobs?state=dead', s.admin.auth);
    expect(dead.body.jobs.length).toBeGreaterThan(0);
    expect(JSON.stringify(dead.body)).not.toContain(DIGITS);
    await waitFor(async () => h.logs.lines.some((l) => l.includes('job is dead')), 10_000, 'the dead-job log line');
    expect(h.logs.text).toContain('21211');
    expect(h.logs.text).not.toContain(DIGITS);
    stub.state.rejectMessages = null;
  });

  it('a row written before scrubbing is scrubbed when shown, and shown to a non-claiming reporter as its code only', async () => {
    const t = await triagedTip(h, s.editor.auth, { channel: 'SMS', phone: '+8613800138000' });
    await h.deps.prisma.message.create({
      data: {
        tipId: t.id,
        direction: 'OUTBOUND',
        channel: 'SMS',
        body: '谢谢您的爆料',
        toAddress: '+8613800138000',
        deliveryState: 'FAILED',
        deliveryErrorCode: '21614',
        deliveryError: "Twilio error 21614: 'To' number +8613800138000 is not a valid mobile number",
      },
    });
    const editorView = JSON.stringify((await api.get(`/api/tips/${t.id}`, s.editor.auth)).body.tip.messages);
    expect(editorView).toContain('[number]');
    expect(editorView).not.toContain('13800138000');
    const poolView = (await api.get(`/api/tips/${t.id}`, s.reporter2.auth)).body.tip;
    const failed = poolView.messages.find((m: { deliveryState: string }) => m.deliveryState === 'FAILED');
    expect(failed).toMatchObject({ deliveryErrorCode: '21614', deliveryError: 'delivery failed (error 21614)' });
  });
});

describe('logs of errors that quote contacts', () => {
  it('scrub numbers in any spelling and addresses from err, whether an Error or a string', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.error({ err: new Error(`The 'To' number ${PHONE} is not a valid phone number.`) }, 'job is dead');
    log.warn(
      { err: '550 5.1.1 <wang.ayi@163.com>: Recipient address rejected; call 138.0013.8000 or １３８００１３８０００' },
      'job failed; will retry',
    );
    const text = lines.join('\n');
    expect(text).toContain('[number]');
    expect(text).toContain('[email]');
    for (const leak of [DIGITS, 'wang.ayi@163.com', '138.0013.8000', '１３８００１３８０００', '13800138000']) expect(text).not.toContain(leak);
  });
});

describe('display names that are numbers', () => {
  it('are masked for a reporter however the digits are written', async () => {
    const names: [string, string][] = [
      ['138.0013.8000', '138****8000'],
      ['１３８００１３８０００', '138****8000'],
      ['138 0013 8000', '138****8000'],
      ['138-0013-8000', '138****8000'],
      ['+86 138 0013 8000', '138****8000'],
      ['王阿姨 138.0013.8000', '王阿姨 138****8000'],
      ['王阿姨', '王阿姨'],
    ];
    for (const [name, shown] of names) {
      const tip = await tipBuilder(h.deps, { channel: 'SMS', phone: `+86186${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` });
      const row = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id }, select: { tipsterId: true } });
      await h.deps.prisma.tipster.update({ where: { id: row.tipsterId! }, data: { displayName: name } });
      const res = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: tip.version, category: 'household' });
      expect(res.status).toBe(200);
      const view = (await api.get(`/api/tips/${tip.id}`, s.reporter.auth)).body.tip.tipster;
      expect(view.displayName, name).toBe(shown);
      expect((await api.get(`/api/tips/${tip.id}`, s.editor.auth)).body.tip.tipster.displayName).toBe(name);
    }
  });
});
