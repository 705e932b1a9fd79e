import twilio from 'twilio';
import type { Config } from '../../config.js';
import type { Deps } from '../../deps.js';
import type { Tx } from '../../db/prisma.js';
import type { Submission } from '../../generated/prisma/client.js';
import { addInboundMessage, createTipFromSubmission, readAgain, searchTextOf } from '../../tips/threading.js';
import { pendingAttachment } from './media.js';
import { queueSmsReply } from './sms-outbound.service.js';

// A call to the hotline: /voice answers with a bilingual greeting and <Record>; the call
// is remembered as the anchor submission `call:CA…`. Then, in any order:
//   end:CA…  the <Record> action or the final call status (whichever comes first)
//   rec:RE…  the recording status callback (the audio, fetched by a job)
//   tr:TR…   the transcription callback (the text)
// All of them meet on the call's one tip; with no recording the tip is a "missed call".

export const VOICE_CALL_LOCK = 4105;

export const VOICEMAIL_SUBJECT = '语音留言 / Voicemail';
export const MISSED_SUBJECT = '未接来电 / Missed call';
const MISSED_BODY = '来电未留言，请回电。\nMissed call without a message: please call back.';
const MISSED_BODY_HIDDEN = '来电未留言，号码未显示。\nMissed call without a message; the number was withheld.';
const voicemailBody = (seconds: number) => `（语音留言，${seconds} 秒，转写稍后显示）\n(Voicemail, ${seconds} s; transcript to follow)`;
const TRANSCRIPT_FAILED = '（语音转写失败，请听录音）\n(Transcription failed; please listen to the recording.)';

export interface VoiceContext {
  deps: Deps;
  sub: Submission;
  callSid: string;
  from: string | null;
  tipsterId: string | null;
}

export interface Recording {
  sid: string;
  url: string;
  seconds: number;
}

function splitName(name: string): { zh: string; en: string } {
  const [zh, en] = name.split(' / ');
  return { zh: zh.trim(), en: (en ?? zh).trim() };
}

/** Greeting (Mandarin, then English) and the voicemail recorder with its callbacks. */
export function voiceGreetingTwiml(config: Config, hooksBase: string): string {
  const name = splitName(config.HOTLINE_NAME);
  const vr = new twilio.twiml.VoiceResponse();
  vr.say({ language: 'zh-CN' }, `您好，这里是${name.zh}。请在提示音后说出您要反映的事情、发生的地点和联系方式，说完请挂机或按井号键。`);
  vr.say(
    { language: 'en-US' },
    `Hello, this is the ${name.en}. After the beep, tell us what happened, where, and how to reach you. Hang up or press the pound key when you are done.`,
  );
  vr.record({
    maxLength: config.VOICE_MAX_SECONDS,
    playBeep: true,
    timeout: 10,
    finishOnKey: '#',
    trim: 'trim-silence',
    transcribe: true,
    transcribeCallback: `${hooksBase}/transcription`,
    recordingStatusCallback: `${hooksBase}/recording`,
    recordingStatusCallbackEvent: ['completed', 'absent'],
    action: `${hooksBase}/voice/after-record`,
    method: 'POST',
  });
  // Reached only when nothing was recorded.
  vr.say({ language: 'zh-CN' }, '没有录到留言。您也可以发短信爆料。再见。');
  vr.say({ language: 'en-US' }, 'No message was recorded. You can also text us. Goodbye.');
  vr.hangup();
  return vr.toString();
}

export function afterRecordTwiml(recorded: boolean): string {
  const vr = new twilio.twiml.VoiceResponse();
  if (recorded) {
    vr.say({ language: 'zh-CN' }, '留言已收到，谢谢您。再见。');
    vr.say({ language: 'en-US' }, 'Your message was received. Thank you, goodbye.');
  }
  vr.hangup();
  return vr.toString();
}

export const emptyVoiceTwiml = () => new twilio.twiml.VoiceResponse().toString();

// Numbers Twilio puts in From for withheld or unknown callers.
const UNKNOWN_CALLERS = new Set(['+266696687', '+7378742833', '+2562533', '+8656696', '+86282452253']);

export function plausiblePhone(v: string | null | undefined): string | null {
  const s = (v ?? '').trim();
  if (!s || UNKNOWN_CALLERS.has(s)) return null;
  return (s.match(/\d/g) ?? []).length >= 5 ? s : null;
}

export function recordingOf(p: Record<string, string>): Recording | null {
  const seconds = Number(p.RecordingDuration ?? 0);
  if (!p.RecordingSid || !p.RecordingUrl || !(seconds > 0)) return null;
  return { sid: p.RecordingSid, url: p.RecordingUrl, seconds };
}

/** The call's anchor (`call:CA…`), made here if a callback arrived without the /voice webhook being seen. */
export async function ensureCallAnchor(tx: Tx, callSid: string, params: Record<string, string>) {
  const externalId = `call:${callSid}`;
  const from = plausiblePhone(params.From ?? params.Caller);
  await tx.$executeRaw`
    INSERT INTO submission (channel, external_id, params, sender, state, last_error)
    VALUES ('VOICE'::"Channel", ${externalId}, ${JSON.stringify({ CallSid: callSid, ...(from ? { From: from } : {}) })}::jsonb, ${from},
            'SKIPPED'::"SubmissionState", 'made from a later callback: the call webhook was not seen')
    ON CONFLICT (channel, external_id) DO NOTHING`;
  const anchor = await tx.submission.findUniqueOrThrow({
    where: { channel_externalId: { channel: 'VOICE', externalId } },
    select: { id: true, tipId: true, sender: true },
  });
  if (!anchor.sender && from) await tx.submission.update({ where: { id: anchor.id }, data: { sender: from } });
  return { ...anchor, sender: anchor.sender ?? from };
}

function newCallTip(tx: Tx, c: VoiceContext, subject: string, body: string, messageKind: string, externalId: string) {
  return createTipFromSubmission(tx, {
    channel: 'VOICE',
    subject,
    body,
    tipsterId: c.tipsterId,
    submissionId: c.sub.id,
    receivedAt: c.sub.receivedAt,
    timeZone: c.deps.config.TIMEZONE,
    messageKind,
    externalId,
  });
}

export async function createMissedCall(tx: Tx, c: VoiceContext): Promise<string> {
  const { tip } = await newCallTip(tx, c, MISSED_SUBJECT, c.from ? MISSED_BODY : MISSED_BODY_HIDDEN, 'missed-call', c.callSid);
  return tip.id;
}

/** Adds the voicemail (message + audio attachment) once per recording, making the tip if needed. */
export async function addVoicemail(tx: Tx, c: VoiceContext, tipId: string | null, rec: Recording): Promise<string> {
  const sourceKey = `recording:${rec.sid}`;
  if (tipId && (await tx.attachment.findFirst({ where: { tipId, sourceKey }, select: { id: true } }))) return tipId;
  let messageId: string;
  let reference: string;
  if (!tipId) {
    const r = await newCallTip(tx, c, VOICEMAIL_SUBJECT, voicemailBody(rec.seconds), 'voicemail', rec.sid);
    tipId = r.tip.id;
    messageId = r.message.id;
    reference = r.tip.reference;
  } else {
    const r = await addInboundMessage(tx, tipId, {
      channel: 'VOICE',
      body: voicemailBody(rec.seconds),
      submissionId: c.sub.id,
      receivedAt: c.sub.receivedAt,
      messageKind: 'voicemail',
      externalId: rec.sid,
      tipsterId: c.tipsterId,
    });
    messageId = r.message.id;
    reference = r.tip.reference;
    // A hang-up seen before the recording made a missed-call tip: it is a voicemail after all.
    if (r.tip.subject === MISSED_SUBJECT) {
      const body = r.tip.body === MISSED_BODY || r.tip.body === MISSED_BODY_HIDDEN ? voicemailBody(rec.seconds) : r.tip.body;
      await tx.tip.update({
        where: { id: tipId },
        data: { subject: VOICEMAIL_SUBJECT, body, searchText: searchTextOf({ reference, subject: VOICEMAIL_SUBJECT, body }) },
      });
      await readAgain(tx, tipId);
    }
  }
  await pendingAttachment(tx, {
    tipId,
    messageId,
    submissionId: c.sub.id,
    filename: `voicemail-${rec.sid}.mp3`,
    contentType: 'audio/mpeg',
    kind: 'voicemail',
    // Twilio serves a recording as MP3 when the URL ends in .mp3 (WAV otherwise).
    sourceUrl: rec.url.replace(/\.(mp3|wav)$/i, '') + '.mp3',
    sourceKey,
  });
  // The caller gets the reference by SMS (sent by the send-sms job, never to an opted-out number).
  if (c.from && c.deps.config.TWILIO_FROM_NUMBER) {
    await queueSmsReply(tx, {
      tipId,
      to: c.from,
      kind: 'ack',
      body: `已收到您的语音留言，编号 ${reference}。补充情况可直接回复短信。\nWe got your voicemail, ref ${reference}. Reply by SMS to add details.`,
    });
  }
  return tipId;
}

/**
 * The transcript becomes the tip's text (a better basis for search, the place, the incident
 * types, the category suggestion and duplicates: the tip is read again). Twilio's built-in transcription is English-only; Mandarin calls rely on the recording.
 */
export async function addTranscript(tx: Tx, c: VoiceContext, tipId: string | null, p: Record<string, string>): Promise<string> {
  const text = p.TranscriptionStatus === 'failed' ? '' : (p.TranscriptionText ?? '').trim();
  const body = text || TRANSCRIPT_FAILED;
  const sid = p.TranscriptionSid;
  if (!tipId) {
    const r = await newCallTip(tx, c, VOICEMAIL_SUBJECT, body, 'transcript', sid);
    return r.tip.id;
  }
  const { tip } = await addInboundMessage(tx, tipId, {
    channel: 'VOICE',
    body,
    submissionId: c.sub.id,
    receivedAt: c.sub.receivedAt,
    messageKind: 'transcript',
    externalId: sid,
    tipsterId: c.tipsterId,
  });
  if (text) {
    const subject = tip.subject === MISSED_SUBJECT ? VOICEMAIL_SUBJECT : tip.subject;
    await tx.tip.update({
      where: { id: tipId },
      data: {
        subject,
        body: text,
        searchText: searchTextOf({ reference: tip.reference, subject, body: text, title: tip.title, location: tip.location }),
      },
    });
    // The tip was made (and read) as a missed call or a voicemail without words: the transcript
    // is read like any tip's text (place, incidents, suggestion, duplicates; the editor's category stays).
    await readAgain(tx, tipId);
  }
  return tipId;
}
