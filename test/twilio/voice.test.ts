import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient } from '../../src/deps.js';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { tipBuilder } from '../support/builders.js';
import { ACCOUNT_SID, PUBLIC, phone, postSigned, sid, startTwilioStub, startWorker, twilioEnv } from './twilio-support.js';

let h: AppHarness;
let worker: Worker<unknown>;
let stub: Awaited<ReturnType<typeof startTwilioStub>>;

beforeAll(async () => {
  stub = await startTwilioStub();
  h = await createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base, VOICE_MAX_SECONDS: '120' }) });
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await stub?.close();
});

const post = async (path: string, params: Record<string, string>) => {
  const res = await postSigned(h.baseUrl, `/webhooks/twilio${path}`, params);
  expect(res.status).toBe(200);
  return res;
};

/** One phone call as Twilio reports it: the call, its recording (audio served by the stub) and transcript. */
function call(o: { from?: string } = {}) {
  const callSid = sid('CA');
  const recordingSid = sid('RE');
  const from = o.from ?? phone();
  const base = { AccountSid: ACCOUNT_SID, CallSid: callSid, From: from, To: '+8618635299317', Direction: 'inbound', ApiVersion: '2010-04-01' };
  const recordingPath = `/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recordingSid}`;
  const audio = Buffer.concat([Buffer.from('ID3'), Buffer.alloc(4000, 0x55)]);
  const recordingUrl = stub.serve(`${recordingPath}.mp3`, 'audio/mpeg', audio).replace(/\.mp3$/, '');
  return {
    callSid,
    from,
    audio,
    voice: () => post('/voice', { ...base, CallStatus: 'ringing' }),
    afterRecord: (recorded = true) =>
      post('/voice/after-record', {
        ...base,
        CallStatus: recorded ? 'in-progress' : 'completed',
        ...(recorded ? { RecordingSid: recordingSid, RecordingUrl: recordingUrl, RecordingDuration: '42', Digits: 'hangup' } : {}),
      }),
    recording: () =>
      post('/recording', {
        AccountSid: ACCOUNT_SID,
        CallSid: callSid,
        RecordingSid: recordingSid,
        RecordingUrl: recordingUrl,
        RecordingStatus: 'completed',
        RecordingDuration: '42',
        RecordingChannels: '1',
        RecordingSource: 'RecordVerb',
      }),
    transcription: (text: string) =>
      post('/transcription', {
        ...base,
        TranscriptionSid: sid('TR'),
        TranscriptionText: text,
        TranscriptionStatus: 'completed',
        RecordingSid: recordingSid,
        RecordingUrl: recordingUrl,
        TranscriptionType: 'fast',
      }),
    status: (s: string, duration = '9') => post('/call-status', { ...base, CallStatus: s, CallDuration: duration }),
  };
}

const settled = (callSid: string) =>
  waitFor(
    async () => {
      const subs = await h.deps.prisma.submission.findMany({ where: { channel: 'VOICE', params: { path: ['CallSid'], equals: callSid } } });
      return subs.length > 1 && subs.every((s) => s.state === 'PROCESSED') ? subs : null;
    },
    15_000,
    `call ${callSid} processed`,
  );

async function callTip(callSid: string) {
  const anchor = await h.deps.prisma.submission.findUniqueOrThrow({
    where: { channel_externalId: { channel: 'VOICE', externalId: `call:${callSid}` } },
  });
  return h.deps.prisma.tip.findUniqueOrThrow({
    where: { id: anchor.tipId! },
    include: {
      messages: { where: { direction: 'INBOUND' }, orderBy: { createdAt: 'asc' }, include: { attachments: { include: { blob: true } } } },
      tipster: true,
    },
  });
}

const TRANSCRIPT = 'Hello, the street lamp outside building 3 in Dachi community has been broken for a month.';

describe('voice calls', () => {
  it('answers with a Mandarin then English greeting and a <Record> with its callbacks', async () => {
    const c = call();
    const res = await c.voice();
    expect(res.type).toContain('text/xml');
    const xml = res.text;
    expect(xml.indexOf('<Say language="zh-CN">')).toBeGreaterThan(-1);
    expect(xml.indexOf('<Say language="zh-CN">')).toBeLessThan(xml.indexOf('<Say language="en-US">'));
    const record = xml.match(/<Record [^>]*\/>/)![0];
    expect(record).toContain('maxLength="120"');
    expect(record).toContain('playBeep="true"');
    expect(record).toContain('transcribe="true"');
    expect(record).toContain(`transcribeCallback="${PUBLIC}/webhooks/twilio/transcription"`);
    expect(record).toContain(`recordingStatusCallback="${PUBLIC}/webhooks/twilio/recording"`);
    expect(record).toContain(`action="${PUBLIC}/webhooks/twilio/voice/after-record"`);
  });

  it('voicemail: recording then transcription make one tip with the audio and the transcript', async () => {
    const c = call();
    await c.voice();
    await c.afterRecord();
    await c.recording();
    await c.transcription(TRANSCRIPT);
    await c.status('completed', '61');
    await settled(c.callSid);
    const tip = await waitFor(async () => {
      const t = await callTip(c.callSid);
      return t.messages.flatMap((m) => m.attachments).some((a) => a.state === 'STORED') ? t : null;
    });
    expect(tip.channel).toBe('VOICE');
    expect(tip.subject).toContain('Voicemail');
    expect(tip.body).toBe(TRANSCRIPT);
    expect(tip.tipster?.phone).toBe(c.from);
    expect(tip.messages.map((m) => m.kind)).toEqual(['voicemail', 'transcript']);
    const audio = tip.messages[0].attachments[0];
    expect(audio).toMatchObject({ kind: 'voicemail', contentType: 'audio/mpeg', state: 'STORED', size: c.audio.length });
    expect(Buffer.from(audio.blob!.data).equals(c.audio)).toBe(true);
    expect(await h.deps.prisma.tip.count({ where: { tipster: { phone: c.from } } })).toBe(1);
    // The caller gets the reference by SMS through the REST API.
    const sms = await waitFor(() => h.deps.prisma.message.findFirst({ where: { tipId: tip.id, direction: 'OUTBOUND', deliveryState: 'SENT' } }));
    expect(sms.body).toContain(tip.reference);
    const sent = stub.messageRequests().find((r) => new URLSearchParams(r.body).get('To') === c.from)!;
    expect(new URLSearchParams(sent.body).get('Body')).toContain(tip.reference);
  });

  it('voicemail: transcription first, then the recording — same result', async () => {
    const c = call();
    await c.voice();
    await c.transcription(TRANSCRIPT);
    await c.recording();
    await c.afterRecord();
    await settled(c.callSid);
    const tip = await waitFor(async () => {
      const t = await callTip(c.callSid);
      return t.messages.flatMap((m) => m.attachments).some((a) => a.state === 'STORED') ? t : null;
    });
    expect(tip.body).toBe(TRANSCRIPT);
    expect(tip.subject).toContain('Voicemail');
    expect(tip.messages.map((m) => m.kind).sort()).toEqual(['transcript', 'voicemail']);
    expect(tip.messages.flatMap((m) => m.attachments)).toHaveLength(1);
    expect(await h.deps.prisma.tip.count({ where: { tipster: { phone: c.from } } })).toBe(1);
  });

  it('a caller who hangs up at the beep leaves a missed-call tip with the number', async () => {
    const c = call();
    await c.voice();
    const res = await c.afterRecord(false);
    expect(res.text).toContain('<Hangup/>');
    await c.status('completed', '12');
    await settled(c.callSid);
    const tip = await callTip(c.callSid);
    expect(tip.subject).toContain('Missed call');
    expect(tip.tipster?.phone).toBe(c.from);
    expect(tip.messages.map((m) => m.kind)).toEqual(['missed-call']);
  });

  it('a caller who hangs up during the greeting: the final call status makes the missed-call tip', async () => {
    const c = call();
    await c.voice();
    await c.status('in-progress');
    await c.status('completed', '4');
    await settled(c.callSid);
    const tip = await callTip(c.callSid);
    expect(tip.subject).toContain('Missed call');
    expect(tip.tipster?.phone).toBe(c.from);
  });

  it('a hang-up reported before the recording turns into the voicemail, not a second tip', async () => {
    const c = call();
    await c.voice();
    await c.status('completed', '50');
    await waitFor(() => h.deps.prisma.submission.findFirst({ where: { externalId: `end:${c.callSid}`, state: 'PROCESSED' } }));
    await c.afterRecord();
    await c.recording();
    await settled(c.callSid);
    const tip = await callTip(c.callSid);
    expect(tip.subject).toContain('Voicemail');
    expect(tip.messages.map((m) => m.kind)).toEqual(['missed-call', 'voicemail']);
    expect(await h.deps.prisma.tip.count({ where: { tipster: { phone: c.from } } })).toBe(1);
  });

  it('a transcript arriving after the voicemail was read is read too: place, incident, suggestion, duplicate; the editor keeps the section', async () => {
    // An open tip about the same leak, told by SMS a little earlier.
    const earlier = await tipBuilder(h.deps, { body: '柳航里3号楼2单元楼上漏水，水顺着墙往下流，家里天花板都泡了，物业一直不来修。' });
    const c = call();
    await c.voice();
    await c.afterRecord();
    await c.recording();
    await settled(c.callSid);
    const before = await waitFor(async () => {
      const t = await callTip(c.callSid);
      return t.readAt && t;
    });
    // A voicemail without words: nothing to read yet.
    expect(before.incidentTypes).toEqual([]);
    expect(before.duplicateOfId).toBeNull();
    // The editor files it before the transcript comes.
    await h.deps.prisma.tip.update({ where: { id: before.id }, data: { category: 'COMMUNITY' } });

    const transcript = '我住柳航里小区三号楼，最近楼上跑水，我家屋顶渗水严重，找了物业好几次没人管。';
    await c.transcription(transcript);
    const after = await waitFor(async () => {
      const t = await callTip(c.callSid);
      return t.body === transcript && t.readAt && t;
    });
    expect(after.locEstate).toBe('柳航里');
    expect(after.incidentTypes.length).toBeGreaterThan(0);
    expect(after.searchTokens).toContain('跑水');
    expect(after.suggestedCategory).not.toBeNull();
    expect(after.duplicateOfId).toBe(earlier.id);
    expect(after.category).toBe('COMMUNITY');
    const read = await h.deps.prisma.auditEvent.findFirstOrThrow({ where: { tipId: after.id, action: 'tip.read' } });
    expect(read.after).toMatchObject({ category: 'community', suggestedCategory: after.suggestedCategory!.toLowerCase() });
    expect(await h.deps.prisma.deskEvent.count({ where: { tipId: after.id, action: 'tip.read' } })).toBeGreaterThanOrEqual(2);
  });

  it('every callback is idempotent on its SID', async () => {
    const c = call();
    await c.voice();
    await c.voice();
    await Promise.all([c.recording(), c.recording(), c.recording()]);
    await settled(c.callSid).catch(() => null);
    const subs = await h.deps.prisma.submission.findMany({ where: { channel: 'VOICE', params: { path: ['CallSid'], equals: c.callSid } } });
    expect(subs.map((s) => s.externalId.split(':')[0]).sort()).toEqual(['call', 'rec']);
    const tip = await waitFor(async () => {
      const t = await callTip(c.callSid).catch(() => null);
      return t && t.messages.length ? t : null;
    });
    expect(tip.messages).toHaveLength(1);
  });

  it('keeps intake counters for twilio:voice', async () => {
    const row = await waitFor(async () => {
      const r = await h.deps.prisma.intakeSource.findUnique({ where: { id: 'twilio:voice' } });
      return r && r.duplicates >= 3 ? r : null;
    });
    expect(row.channel).toBe('VOICE');
    expect(row.lastSuccessAt).not.toBeNull();
  });
});
