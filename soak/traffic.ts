import { createHash, randomBytes } from 'node:crypto';
import type { Dovecot } from '../test/support/dovecot.js';
import type { ReceivedMail } from '../test/support/smtp.js';
import { buildRawMail, EMAIL_TEXTS, FOLLOWUP_TEXTS, poisonMail, SMS_TEXTS, tinyJpeg, TRANSCRIPTS, uniqueSid, type Rng } from './fixtures.js';
import type { CallItem, EmailItem, GatewayItem, Ledger, SmsItem } from './ledger.js';
import type { TwilioFake } from './twilio-fake.js';
import { twimlMessage, type WebhookSender } from './webhooks.js';

// The traffic generators. Each loop runs until the traffic window closes; every delivery it
// starts is tracked, so the drain can wait for the retries still under way.

export interface TrafficContext {
  r: Rng;
  runId: string;
  ledger: Ledger;
  sender: WebhookSender;
  twilio: TwilioFake;
  dovecot: Dovecot;
  smtpReceived: ReceivedMail[];
  accountSid: string;
  hotlineNumber: string;
  mailbox: string;
  apiBase: string;
  trafficEnds: number;
  deliveryDeadline: number;
  newPhone(): string;
  track<T>(p: Promise<T>): Promise<T>;
  note(line: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REF_RE = /T-\d{6}-\d{4}/;

let tokenCounter = 0;
export const nextToken = (runId: string, kind: string) => `SK${runId}${kind}${(++tokenCounter).toString(36).padStart(4, '0')}`;

// --- SMS -------------------------------------------------------------------------------------

export function smsParams(ctx: TrafficContext, item: SmsItem, body: string, media: { url: string; type: string }[] = []): Record<string, string> {
  const p: Record<string, string> = {
    ToCountry: 'CN',
    ToState: '',
    SmsMessageSid: item.sid,
    NumMedia: String(media.length),
    SmsSid: item.sid,
    SmsStatus: 'received',
    Body: body,
    To: ctx.hotlineNumber,
    NumSegments: '1',
    MessageSid: item.sid,
    AccountSid: ctx.accountSid,
    From: item.from,
    FromCountry: 'CN',
    ApiVersion: '2010-04-01',
  };
  media.forEach((m, i) => {
    p[`MediaUrl${i}`] = m.url;
    p[`MediaContentType${i}`] = m.type;
  });
  return p;
}

/**
 * Delivers one SMS like Twilio: sometimes twice at once (a retry racing the original), sometimes
 * again after the first answer (a retry after a lost response). All carry the same MessageSid.
 */
export async function sendSms(ctx: TrafficContext, item: SmsItem, params: Record<string, string>): Promise<void> {
  ctx.ledger.sms.push(item);
  ctx.ledger.phones.add(item.from);
  const path = '/webhooks/twilio/sms';
  const twin = ctx.r.chance(0.1);
  const again = ctx.r.chance(0.15);
  if (twin) item.redeliveries++;
  const results = await Promise.all((twin ? [0, 1] : [0]).map(() => ctx.sender.deliver(path, item.sid, params)));
  if (again) {
    await sleep(200 + ctx.r.next() * 2000);
    item.redeliveries++;
    results.push(await ctx.sender.deliver(path, item.sid, params));
  }
  for (const res of results) {
    if (!res.ok) continue;
    item.accepted = true;
    item.answers.push(twimlMessage(res.text) ?? '');
    const ref = twimlMessage(res.text)?.match(REF_RE)?.[0];
    if (ref) item.reference ??= ref;
  }
}

export async function smsTraffic(ctx: TrafficContext, meanGapMs: number): Promise<void> {
  const followups = new Map<string, number>();
  while (Date.now() < ctx.trafficEnds) {
    try {
      smsStep(ctx, followups);
    } catch (e) {
      ctx.note(`SMS traffic error: ${(e as Error).message}`);
    }
    await sleep(meanGapMs * (0.5 + ctx.r.next()));
  }
}

function smsStep(ctx: TrafficContext, followups: Map<string, number>): void {
  {
    const roll = ctx.r.next();
    const openers = ctx.ledger.sms.filter(
      (s) => s.expect === 'tip' && s.accepted && s.reference && (followups.get(s.from) ?? 0) < 2 && !ctx.ledger.privacy.retired.has(s.from),
    );
    if (roll < 0.2 && openers.length) {
      // A follow-up from the same number joins the tip its first text opened.
      const first = ctx.r.pick(openers);
      followups.set(first.from, (followups.get(first.from) ?? 0) + 1);
      const item: SmsItem = {
        sid: uniqueSid('SM'),
        from: first.from,
        token: nextToken(ctx.runId, 'f'),
        expect: 'thread',
        threadOf: first.sid,
        media: 0,
        redeliveries: 0,
        accepted: false,
        answers: [],
      };
      void ctx.track(sendSms(ctx, item, smsParams(ctx, item, `${ctx.r.pick(FOLLOWUP_TEXTS)} ${item.token}`)));
    } else if (roll < 0.28 && openers.length) {
      // Someone else writes about the same tip, quoting its reference code.
      const target = ctx.r.pick(openers);
      const item: SmsItem = {
        sid: uniqueSid('SM'),
        from: ctx.newPhone(),
        token: nextToken(ctx.runId, 'r'),
        expect: 'thread',
        threadOf: target.sid,
        media: 0,
        redeliveries: 0,
        accepted: false,
        answers: [],
      };
      void ctx.track(sendSms(ctx, item, smsParams(ctx, item, `${target.reference} 我也是这栋楼的，情况属实。${item.token}`)));
    } else if (roll < 0.32) {
      // A keyword is recorded but makes no tip.
      const item: SmsItem = {
        sid: uniqueSid('SM'),
        from: ctx.newPhone(),
        token: '',
        expect: 'skip',
        media: 0,
        redeliveries: 0,
        accepted: false,
        answers: [],
      };
      void ctx.track(sendSms(ctx, item, smsParams(ctx, item, ctx.r.pick(['HELP', '帮助']))));
    } else {
      void ctx.track(newSmsTip(ctx, ctx.r.chance(0.15) ? ctx.r.int(1, 2) : 0));
    }
  }
}

/** A first text (or MMS with pictures served by the Twilio fake) from a new number. */
export function newSmsTip(ctx: TrafficContext, media: number): Promise<void> {
  const sid = uniqueSid(media ? 'MM' : 'SM');
  const item: SmsItem = {
    sid,
    from: ctx.newPhone(),
    token: nextToken(ctx.runId, 's'),
    expect: 'tip',
    media,
    redeliveries: 0,
    accepted: false,
    answers: [],
  };
  const urls = Array.from({ length: media }, (_, i) => ({
    url: ctx.twilio.serve(
      `/2010-04-01/Accounts/${ctx.accountSid}/Messages/${sid}/Media/ME${sid.slice(2, 34)}${i}`,
      'image/jpeg',
      tinyJpeg(`${item.token}-${i}`),
    ),
    type: 'image/jpeg',
  }));
  return sendSms(ctx, item, smsParams(ctx, item, `${ctx.r.pick(SMS_TEXTS)} ${item.token}`, urls));
}

// --- voice -----------------------------------------------------------------------------------

/** One call: /voice first (Twilio answers it before anything else), then the callbacks in random order. */
export async function voiceCall(ctx: TrafficContext): Promise<void> {
  const callSid = uniqueSid('CA');
  const from = ctx.newPhone();
  const recorded = ctx.r.chance(0.75);
  const token = nextToken(ctx.runId, 'v');
  const item: CallItem = { callSid, from, recorded, token, keys: {}, order: [] };
  ctx.ledger.calls.push(item);
  ctx.ledger.phones.add(from);
  const base = {
    AccountSid: ctx.accountSid,
    CallSid: callSid,
    From: from,
    Caller: from,
    To: ctx.hotlineNumber,
    Called: ctx.hotlineNumber,
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
  };
  const post = async (name: string, key: string, path: string, params: Record<string, string>) => {
    item.keys[key] ??= false;
    const res = await ctx.sender.deliver(`/webhooks/twilio${path}`, key, params);
    if (res.ok) item.keys[key] = true;
    item.order.push(name);
  };

  await post('voice', `call:${callSid}`, '/voice', { ...base, CallStatus: 'ringing' });
  const callbacks: [string, string, string, Record<string, string>][] = [];
  if (recorded) {
    const recordingSid = uniqueSid('RE');
    const transcriptionSid = uniqueSid('TR');
    item.recordingSid = recordingSid;
    item.transcriptionSid = transcriptionSid;
    const audio = Buffer.concat([Buffer.from('ID3'), Buffer.from(token)]);
    const url = ctx.twilio.serve(`/2010-04-01/Accounts/${ctx.accountSid}/Recordings/${recordingSid}.mp3`, 'audio/mpeg', audio).replace(/\.mp3$/, '');
    const rec = { RecordingSid: recordingSid, RecordingUrl: url, RecordingDuration: String(ctx.r.int(5, 90)) };
    callbacks.push(
      ['after-record', `end:${callSid}`, '/voice/after-record', { ...base, CallStatus: 'in-progress', ...rec, Digits: 'hangup' }],
      [
        'recording',
        `rec:${recordingSid}`,
        '/recording',
        { AccountSid: ctx.accountSid, CallSid: callSid, ...rec, RecordingStatus: 'completed', RecordingChannels: '1', RecordingSource: 'RecordVerb' },
      ],
      [
        'transcription',
        `tr:${transcriptionSid}`,
        '/transcription',
        {
          ...base,
          TranscriptionSid: transcriptionSid,
          TranscriptionText: `${ctx.r.pick(TRANSCRIPTS)} ${token}`,
          TranscriptionStatus: 'completed',
          RecordingSid: recordingSid,
          RecordingUrl: url,
          TranscriptionType: 'fast',
        },
      ],
      ['call-status', `end:${callSid}`, '/call-status', { ...base, CallStatus: 'completed', CallDuration: rec.RecordingDuration }],
    );
  } else {
    callbacks.push(['call-status', `end:${callSid}`, '/call-status', { ...base, CallStatus: 'completed', CallDuration: '6' }]);
    if (ctx.r.chance(0.5)) callbacks.push(['after-record', `end:${callSid}`, '/voice/after-record', { ...base, CallStatus: 'completed' }]);
  }
  for (let i = callbacks.length - 1; i > 0; i--) {
    const j = Math.floor(ctx.r.next() * (i + 1));
    [callbacks[i], callbacks[j]] = [callbacks[j], callbacks[i]];
  }
  if (ctx.r.chance(0.5)) {
    await Promise.all(callbacks.map((c) => post(...c)));
  } else {
    for (const c of callbacks) {
      await post(...c);
      await sleep(ctx.r.next() * 300);
    }
  }
}

export async function voiceTraffic(ctx: TrafficContext, meanGapMs: number): Promise<void> {
  while (Date.now() < ctx.trafficEnds) {
    void ctx.track(voiceCall(ctx));
    await sleep(meanGapMs * (0.5 + ctx.r.next()));
  }
}

// --- email -----------------------------------------------------------------------------------

/** Delivers raw mail into the tip mailbox: IMAP APPEND, or straight into the maildir while IMAP is down (as the MTA would). */
async function deliverMail(ctx: TrafficContext, item: EmailItem, raw: Buffer): Promise<void> {
  ctx.ledger.emails.push(item);
  ctx.ledger.emailAddresses.add(item.from);
  if (ctx.dovecot.running()) {
    try {
      await ctx.dovecot.append(raw);
      item.via = 'append';
      return;
    } catch {
      /* the server went away mid-APPEND: the message may or may not be there; deliver locally */
    }
  }
  // An APPEND cut off after the server stored the message would make a second copy with the
  // same bytes: the Message-ID (or raw hash) key makes it one submission all the same.
  ctx.dovecot.deliverToMaildir(raw);
  item.via = 'maildir';
}

const messageIdFor = (token: string) => `<${token.toLowerCase()}.${Date.now().toString(36)}@mail.163.com>`;

export async function sendEmail(ctx: TrafficContext, kind: EmailItem['kind'], n: number): Promise<void> {
  const token = nextToken(ctx.runId, 'e');
  const from = `resident.${ctx.runId}.${n}@example.cn`.toLowerCase();
  const messageId = kind === 'poison' && n % 2 === 0 ? null : messageIdFor(token);
  const item: EmailItem = { kind, messageId, from, token, expect: 'tip', attachments: 0, via: null };
  const common = { from, fromName: '张阿姨', to: ctx.mailbox, messageId };
  let raw: Buffer;
  switch (kind) {
    case 'utf8':
    case 'gbk':
    case 'big5': {
      const t = EMAIL_TEXTS[kind];
      item.expectText = t.body;
      raw = buildRawMail({ ...common, subject: `${t.subject} ${token}`, text: `${t.body}\n${token}`, charset: kind === 'utf8' ? 'utf-8' : kind });
      break;
    }
    case 'attachment': {
      const t = EMAIL_TEXTS.attachment;
      item.expectText = t.body;
      const files = [
        { filename: '漏水照片.jpg', contentType: 'image/jpeg', data: tinyJpeg(token) },
        ...(ctx.r.chance(0.5)
          ? [{ filename: '物业通知.pdf', contentType: 'application/pdf', data: Buffer.from(`%PDF-1.4\n% ${token}\n%%EOF\n`) }]
          : []),
      ];
      item.attachments = files.length;
      raw = buildRawMail({ ...common, subject: `${t.subject} ${token}`, text: `${t.body}\n${token}`, attachments: files });
      break;
    }
    case 'auto-reply':
      item.expect = 'skip';
      raw = buildRawMail({
        ...common,
        subject: `自动回复: 我正在休假 ${token}`,
        text: `您好，我这周在外地，回来后回复您。${token}`,
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' },
      });
      break;
    case 'poison':
      item.expect = 'poison';
      raw = poisonMail(n, { from, to: ctx.mailbox, token, messageId });
      break;
    case 'reply':
      throw new Error('replies are made by replyToAck');
  }
  await deliverMail(ctx, item, raw);
}

/** A tipster answers the acknowledgement: the reply must join the tip it acknowledged. */
export async function replyToAck(ctx: TrafficContext, ack: ReceivedMail): Promise<void> {
  const ackId = ack.parsed.messageId ? `<${ack.parsed.messageId.replace(/^<|>$/g, '')}>` : null;
  const tipId = ackId?.match(/^<ack\.([0-9a-f-]{36})@/)?.[1];
  const to = ack.envelopeTo[0];
  if (!ackId || !tipId || !to) return;
  const token = nextToken(ctx.runId, 'y');
  const item: EmailItem = {
    kind: 'reply',
    messageId: messageIdFor(token),
    from: to,
    token,
    expect: 'thread',
    threadTipId: tipId,
    expectText: EMAIL_TEXTS.reply.body,
    attachments: 0,
    via: null,
  };
  const quoted = (ack.parsed.text ?? '')
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  const raw = buildRawMail({
    from: to,
    to: ctx.mailbox,
    subject: `回复：${ack.parsed.subject ?? ''}`,
    messageId: item.messageId,
    inReplyTo: ackId,
    references: [ackId],
    text: `${EMAIL_TEXTS.reply.body} ${token}\n\n在 ${new Date().toISOString()}，爆料热线 写道：\n${quoted}`,
  });
  await deliverMail(ctx, item, raw);
}

export async function emailTraffic(ctx: TrafficContext, meanGapMs: number): Promise<void> {
  let n = 0;
  const answered = new Set<string>();
  while (Date.now() < ctx.trafficEnds) {
    n++;
    try {
      const acks = ctx.smtpReceived.filter((m) => /^<?ack\./.test(m.parsed.messageId ?? '') && !answered.has(m.parsed.messageId!));
      if (acks.length && ctx.r.chance(0.3)) {
        const ack = ctx.r.pick(acks);
        answered.add(ack.parsed.messageId!);
        await ctx.track(replyToAck(ctx, ack));
      } else {
        const roll = ctx.r.next();
        const kind: EmailItem['kind'] =
          roll < 0.35 ? 'utf8' : roll < 0.52 ? 'gbk' : roll < 0.64 ? 'big5' : roll < 0.82 ? 'attachment' : roll < 0.92 ? 'auto-reply' : 'poison';
        await ctx.track(sendEmail(ctx, kind, n));
      }
    } catch (e) {
      ctx.note(`email traffic error: ${(e as Error).message}`);
    }
    await sleep(meanGapMs * (0.5 + ctx.r.next()));
  }
}

// --- the hotline's own phone (SMS Gateway for Android) ----------------------------------------

/** One sms:received like the app posts it; the phone reports mainland senders without +86. */
function gatewayEvent(item: GatewayItem, text: string): string {
  return JSON.stringify({
    deviceId: 'ffffffffceb0b1db0000018e937c815b',
    event: 'sms:received',
    id: item.eventId,
    payload: {
      // Derived from the text by the app: not unique.
      messageId: createHash('sha1').update(text).digest('hex').slice(0, 8),
      message: text,
      phoneNumber: item.from.replace(/^\+86/, ''),
      simNumber: 1,
      receivedAt: new Date().toISOString().replace('Z', '+00:00'),
    },
    webhookId: 'soak',
  });
}

/** Delivers one event like the app: sometimes twice at once, sometimes again later (it retries on timeouts). */
async function sendGateway(ctx: TrafficContext, item: GatewayItem, text: string): Promise<void> {
  ctx.ledger.gateway.push(item);
  ctx.ledger.phones.add(item.from);
  const body = gatewayEvent(item, text);
  const twin = ctx.r.chance(0.1);
  const again = ctx.r.chance(0.15);
  if (twin) item.redeliveries++;
  const results = await Promise.all((twin ? [0, 1] : [0]).map(() => ctx.sender.deliverGateway(item.eventId, body)));
  if (again) {
    await sleep(200 + ctx.r.next() * 2000);
    item.redeliveries++;
    results.push(await ctx.sender.deliverGateway(item.eventId, body));
  }
  if (results.some((r) => r.ok)) item.accepted = true;
}

export async function gatewayTraffic(ctx: TrafficContext, meanGapMs: number): Promise<void> {
  const followups = new Map<string, number>();
  while (Date.now() < ctx.trafficEnds) {
    const roll = ctx.r.next();
    const openers = ctx.ledger.gateway.filter((g) => g.expect === 'tip' && g.accepted && (followups.get(g.from) ?? 0) < 2);
    const eventId = randomBytes(16).toString('base64url').slice(0, 21);
    if (roll < 0.2 && openers.length) {
      const first = ctx.r.pick(openers);
      followups.set(first.from, (followups.get(first.from) ?? 0) + 1);
      const item: GatewayItem = {
        eventId,
        from: first.from,
        token: nextToken(ctx.runId, 'gf'),
        expect: 'thread',
        threadOf: first.eventId,
        redeliveries: 0,
        accepted: false,
      };
      void ctx.track(sendGateway(ctx, item, `${ctx.r.pick(FOLLOWUP_TEXTS)} ${item.token}`));
    } else if (roll < 0.25) {
      const item: GatewayItem = { eventId, from: ctx.newPhone(), token: '', expect: 'skip', redeliveries: 0, accepted: false };
      void ctx.track(sendGateway(ctx, item, ctx.r.pick(['HELP', '帮助'])));
    } else {
      const item: GatewayItem = { eventId, from: ctx.newPhone(), token: nextToken(ctx.runId, 'g'), expect: 'tip', redeliveries: 0, accepted: false };
      void ctx.track(sendGateway(ctx, item, `${ctx.r.pick(SMS_TEXTS)} ${item.token}`));
    }
    await sleep(meanGapMs * (0.5 + ctx.r.next()));
  }
}
