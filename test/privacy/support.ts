import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import pg from 'pg';
import type { Clock } from '../../src/clock.js';
import { storeSubmission } from '../../src/channels/submissions.js';
import { createTwilioClient } from '../../src/deps.js';
import type { Worker } from '../../src/queue/worker.js';
import { buildMail } from '../email/fixtures.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { startSmtpCapture } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';
import { client, staff } from '../triage/helpers.js';
import { ACCOUNT_SID, phone, postSigned, sid, smsParams, startTwilioStub, startWorker, twilioEnv } from '../twilio/twilio-support.js';

const run = promisify(execFile);

/**
 * The whole test database as pg_dump writes it (schema and data, plain SQL). pg_dump refuses a
 * server newer than itself (Debian 12 ships the 15 client; the embedded test server is 18): then
 * every row of every table is read in its text form instead, which is what pg_dump's data section
 * holds (bytea in hex either way).
 */
export async function pgDump(url: string): Promise<string> {
  try {
    const { stdout } = await run('pg_dump', ['--no-owner', '--no-privileges', url], { maxBuffer: 512 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    if (!/version mismatch/.test(String((err as { stderr?: string }).stderr ?? err))) throw err;
    return rowsAsText(url);
  }
}

async function rowsAsText(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = await c.query<{ name: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
    );
    const out: string[] = [];
    for (const t of tables.rows) {
      const rows = await c.query<{ r: string }>(`SELECT t::text AS r FROM ${t.name} t`);
      out.push(`-- ${t.name}`, ...rows.rows.map((x) => x.r));
    }
    return out.join('\n');
  } finally {
    await c.end();
  }
}

export interface PrivacyRig {
  h: AppHarness;
  api: ReturnType<typeof client>;
  users: Awaited<ReturnType<typeof staff>>;
  stub: Awaited<ReturnType<typeof startTwilioStub>>;
  smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  worker: Worker<unknown>;
  close(): Promise<void>;
}

/** The real app (webhooks, API), the job worker, a Twilio stand-in and an SMTP capture on one fresh database. */
export async function startPrivacyRig(opts: { env?: Record<string, string>; clock?: Clock } = {}): Promise<PrivacyRig> {
  const stub = await startTwilioStub();
  const smtp = await startSmtpCapture();
  const h = await createAppHarness({
    env: twilioEnv({ TWILIO_API_BASE_URL: stub.base, SMTP_URL: smtp.url, MAIL_FROM: '晚报社区版 <dtwbsq365@163.com>', ...opts.env }),
    overrides: { mailer: nodemailer.createTransport(smtp.url), ...(opts.clock ? { clock: opts.clock } : {}) },
  });
  h.deps.twilio = createTwilioClient(h.deps.config);
  const worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
  const users = await staff(h);
  return {
    h,
    api: client(h),
    users,
    stub,
    smtp,
    worker,
    async close() {
      await worker.stop();
      await h.close();
      await stub.close();
      await smtp.close();
    },
  };
}

export const uniq = () => randomBytes(4).toString('hex');

/** A text through the signed Twilio webhook; returns the TwiML answer. */
export async function sendSms(rig: PrivacyRig, from: string, body: string) {
  const p = smsParams({ from, body });
  const res = await postSigned(rig.h.baseUrl, '/webhooks/twilio/sms', p);
  return { ...res, sid: p.MessageSid };
}

/** An email as the mailbox worker stores it (raw bytes, sender, meta), then normalized by the job worker. */
export async function sendEmail(rig: PrivacyRig, from: string, text: string, o: { subject?: string; fromName?: string } = {}) {
  const messageId = `<${uniq()}.${Date.now()}@mail.example.net>`;
  const stored = await storeSubmission(rig.h.deps.prisma, {
    channel: 'EMAIL',
    externalId: messageId,
    raw: buildMail({ from, fromName: o.fromName, messageId, subject: o.subject ?? '楼道漏水', text }),
    sender: from,
    meta: { source: 'test', mailbox: 'INBOX', uidValidity: '1', uid: 1, size: 100, messageId },
  });
  return { messageId, submissionId: stored.id };
}

/** One voicemail call: greeting, recording, transcript, hang-up; the audio is served by the stub. */
export async function placeCall(rig: PrivacyRig, from: string, transcript: string) {
  const callSid = sid('CA');
  const recordingSid = sid('RE');
  const base = { AccountSid: ACCOUNT_SID, CallSid: callSid, From: from, To: '+8618635299317', Direction: 'inbound', ApiVersion: '2010-04-01' };
  const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recordingSid}`;
  const url = rig.stub.serve(`${path}.mp3`, 'audio/mpeg', Buffer.concat([Buffer.from('ID3'), Buffer.alloc(2000, 0x55)])).replace(/\.mp3$/, '');
  const post = (p: string, params: Record<string, string>) => postSigned(rig.h.baseUrl, `/webhooks/twilio${p}`, params);
  const voice = await post('/voice', { ...base, CallStatus: 'ringing' });
  if (!voice.text.includes('<Record')) return { callSid, voice };
  await post('/voice/after-record', { ...base, CallStatus: 'in-progress', RecordingSid: recordingSid, RecordingUrl: url, RecordingDuration: '30' });
  await post('/recording', {
    AccountSid: ACCOUNT_SID,
    CallSid: callSid,
    RecordingSid: recordingSid,
    RecordingUrl: url,
    RecordingStatus: 'completed',
    RecordingDuration: '30',
  });
  await post('/transcription', {
    ...base,
    TranscriptionSid: sid('TR'),
    TranscriptionText: transcript,
    TranscriptionStatus: 'completed',
    RecordingSid: recordingSid,
    RecordingUrl: url,
  });
  await post('/call-status', { ...base, CallStatus: 'completed', CallDuration: '40' });
  return { callSid, voice };
}

/** Waits until no submission is left RECEIVED and no job is queued or running. */
export function settled(rig: PrivacyRig, what = 'intake settled') {
  return waitFor(
    async () => {
      const [subs, jobs] = await Promise.all([
        rig.h.deps.prisma.submission.count({ where: { state: 'RECEIVED' } }),
        rig.h.deps.prisma.job.count({ where: { state: { in: ['QUEUED', 'RUNNING'] } } }),
      ]);
      return subs === 0 && jobs === 0;
    },
    30_000,
    what,
  );
}

export { phone };
