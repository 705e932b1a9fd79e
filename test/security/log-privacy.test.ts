import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTwilioClient } from '../../src/deps.js';
import { claimExpiryService } from '../../src/triage/claim-expiry.service.js';
import { userWithToken } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { buildMail, uniqueId } from '../email/fixtures.js';
import { startRig, type EmailRig } from '../email/support.js';
import { ACCOUNT_SID, postSigned, sid, smsParams, startTwilioStub, twilioEnv } from '../twilio/twilio-support.js';

// One process doing everything a tipster's contact details pass through — SMS and MMS, a
// voicemail, an email in GBK, an acknowledgement, editors listing, reading, exporting,
// replying on both channels, a reporter claiming (which reveals the contact), an opt-out and
// a rejected webhook — at debug level. None of those numbers or addresses, and none of the
// texts, may appear in the logs. (The soak checks the same across separate processes.)

const PHONE = '+8618699127435';
const CALLER = '+8613903518826';
const EMAIL = 'zhang.ayi.pingcheng@163.com';
const SMS_TEXT = '永泰街道大齿社区8号楼楼道灯坏了快两个月';
const MAIL_TEXT = '御河东路小区的化粪池满溢，臭味熏天';

let rig: EmailRig;
let stub: Awaited<ReturnType<typeof startTwilioStub>>;

beforeAll(async () => {
  stub = await startTwilioStub();
  rig = await startRig({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base, LOG_LEVEL: 'debug' }) });
  rig.deps.twilio = createTwilioClient(rig.deps.config);
}, 120_000);
afterAll(async () => {
  await rig?.close();
  await stub?.close();
});

it('no tipster phone number, email address or message text reaches the logs', async () => {
  const { h, deps } = rig;
  const base = h.baseUrl;
  const jpeg = stub.serve(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`, 'image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xd9]));

  // SMS, a follow-up with a picture, a forged webhook, a voicemail.
  const first = await postSigned(base, '/webhooks/twilio/sms', smsParams({ from: PHONE, body: SMS_TEXT }));
  expect(first.status).toBe(200);
  expect(
    (
      await postSigned(
        base,
        '/webhooks/twilio/sms',
        smsParams({ from: PHONE, body: '补充照片', sid: sid('MM'), media: [{ url: jpeg, type: 'image/jpeg' }] }),
      )
    ).status,
  ).toBe(200);
  expect((await postSigned(base, '/webhooks/twilio/sms', smsParams({ from: PHONE, body: SMS_TEXT }), { token: 'forged' })).status).toBe(403);
  const callSid = sid('CA');
  const recordingSid = sid('RE');
  const recordingUrl = stub
    .serve(`/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recordingSid}.mp3`, 'audio/mpeg', Buffer.from('ID3'))
    .replace(/\.mp3$/, '');
  const call = { AccountSid: ACCOUNT_SID, CallSid: callSid, From: CALLER, Caller: CALLER, To: '+8618635299317' };
  expect((await postSigned(base, '/webhooks/twilio/voice', { ...call, CallStatus: 'ringing' })).status).toBe(200);
  expect(
    (
      await postSigned(base, '/webhooks/twilio/recording', {
        AccountSid: ACCOUNT_SID,
        CallSid: callSid,
        RecordingSid: recordingSid,
        RecordingUrl: recordingUrl,
        RecordingStatus: 'completed',
        RecordingDuration: '12',
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await postSigned(base, '/webhooks/twilio/transcription', {
        ...call,
        TranscriptionSid: sid('TR'),
        TranscriptionText: 'The drain on Yuhe East Road overflows',
        TranscriptionStatus: 'completed',
        RecordingSid: recordingSid,
      })
    ).status,
  ).toBe(200);

  // An email in GBK (acknowledged by SMTP).
  await rig.dovecot.append(
    buildMail({
      from: EMAIL,
      fromName: '张阿姨',
      subject: '化粪池满溢',
      subjectCharset: 'gbk',
      text: MAIL_TEXT,
      textCharset: 'gbk',
      messageId: uniqueId('privacy'),
    }),
  );
  await waitFor(async () => rig.smtp.received.some((m) => m.envelopeTo.includes(EMAIL)), 30_000, 'the acknowledgement');
  await waitFor(
    async () => (await deps.prisma.tip.count()) === 3 && (await deps.prisma.job.count({ where: { state: { in: ['QUEUED', 'RUNNING'] } } })) === 0,
    30_000,
    'intake to finish',
  );

  // The newsroom at work.
  const editor = await userWithToken(deps, base, 'EDITOR');
  const reporter = await userWithToken(deps, base, 'REPORTER');
  const json = (r: Response) => r.json() as Promise<Record<string, any>>;
  const list = await json(await fetch(`${base}/api/tips?limit=10`, { headers: editor.auth }));
  expect(list.tips).toHaveLength(3);
  await fetch(`${base}/api/tips/export.csv`, { headers: editor.auth }).then((r) => r.text());
  for (const t of list.tips) {
    await fetch(`${base}/api/tips/${t.id}`, { headers: editor.auth }).then(json);
    await fetch(`${base}/api/tips/${t.id}/related`, { headers: editor.auth }).then(json);
    const reply = await fetch(`${base}/api/tips/${t.id}/reply`, {
      method: 'POST',
      headers: { ...editor.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ body: '您好，记者明天联系您。' }),
    });
    expect(reply.status).toBe(201);
    const patched = await fetch(`${base}/api/tips/${t.id}`, {
      method: 'PATCH',
      headers: { ...editor.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ version: t.version, category: 'neighborhood', status: 'TRIAGED' }),
    });
    expect(patched.status).toBe(200);
    expect((await fetch(`${base}/api/tips/${t.id}/claim`, { method: 'POST', headers: reporter.auth })).status).toBe(200);
  }
  await fetch(`${base}/api/leads`, { headers: reporter.auth }).then(json);
  // Opt-out, then a reply that must be suppressed; a claim sweep.
  expect((await postSigned(base, '/webhooks/twilio/sms', smsParams({ from: PHONE, body: '退订' }))).status).toBe(200);
  const smsTip = list.tips.find((t: { channel: string }) => t.channel === 'SMS');
  await fetch(`${base}/api/tips/${smsTip.id}/reply`, {
    method: 'POST',
    headers: { ...editor.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ body: '还在漏吗？' }),
  });
  const sweep = claimExpiryService(deps);
  await sweep.start();
  await sweep.stop();
  await waitFor(async () => (await deps.prisma.job.count({ where: { state: { in: ['QUEUED', 'RUNNING'] } } })) === 0, 30_000, 'replies to be sent');
  expect(stub.messageRequests().length).toBeGreaterThanOrEqual(2);

  const logs = h.logs.text;
  expect(h.logs.lines.length).toBeGreaterThan(20);
  for (const marker of ['SMS webhook', 'email normalized', 'outbound SMS sent', 'tip claimed']) expect(logs).toContain(marker);
  for (const secret of [
    PHONE,
    PHONE.slice(3),
    CALLER,
    CALLER.slice(3),
    EMAIL,
    EMAIL.split('@')[0],
    SMS_TEXT,
    MAIL_TEXT,
    '补充照片',
    '记者明天联系您',
    'Yuhe East Road',
  ]) {
    expect(logs, `the logs contain "${secret}"`).not.toContain(secret);
  }
});
