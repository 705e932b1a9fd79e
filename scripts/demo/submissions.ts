import { createHash } from 'node:crypto';
import type { NewSubmission } from '../../src/channels/submissions.js';
import type { GatewayMeta } from '../../src/channels/sms-gateway/gateway-intake.service.js';
import type { WechatMeta } from '../../src/channels/wechat/wechat-intake.service.js';
import { externalIdOf } from '../../src/channels/wechat/wechat.schema.js';
import type { Channel } from '../../src/generated/prisma/enums.js';
import { demoPng } from './png.js';
import type { DemoItem } from './week.data.js';

// Each demo item as its channel's adapter stores it: the same externalId scheme, params, meta
// and raw bytes the webhook or the mailbox poller would write, so the real normalizer reads it.
// The web form is different: its post makes the tip in the form's own transaction, so web-form.ts
// calls the form's intake service itself. A channel with neither is skipped by the seeder.

const HOTLINE = '+8618635299317';
const DESK_MAILBOX = 'dtwbsq365@163.com';
/** The paper's Official Account (its original ID, gh_…) and the hotline phone running the SMS gateway app. */
const OFFICIAL_ACCOUNT = 'gh_0352dtwbsq';
const GATEWAY_DEVICE = 'demo-hotline-phone';

/** A stable hex id per item, so a demo database is the same every time. */
export const hex = (key: string, n = 32) => createHash('sha256').update(key).digest('hex').slice(0, n);
const b64 = (s: string | Buffer) => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8')).toString('base64').replace(/.{76}(?=.)/g, '$&\r\n');
const word = (s: string) => `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;

export const emailMessageId = (key: string) => `<${hex(key, 16)}@demo.example.cn>`;

export interface BuildContext {
  at: Date;
  /** The item this one follows up, for threading headers. */
  parent?: DemoItem;
  /** A running number (the mailbox UID). */
  seq: number;
}

function email(item: DemoItem, ctx: BuildContext): NewSubmission {
  const boundary = `demo-${hex(item.key, 12)}`;
  const subject = item.subject ?? (ctx.parent?.subject ? `Re: ${ctx.parent.subject}` : '爆料');
  const messageId = emailMessageId(item.key);
  const headers = [
    `From: ${item.name ? `${word(item.name)} ` : ''}<${item.from}>`,
    `To: ${DESK_MAILBOX}`,
    `Subject: ${word(subject)}`,
    `Date: ${ctx.at.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${messageId}`,
    ...(ctx.parent ? [`In-Reply-To: ${emailMessageId(ctx.parent.key)}`, `References: ${emailMessageId(ctx.parent.key)}`] : []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
  ];
  const parts = [[`--${boundary}`, 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: base64', '', b64(item.text)].join('\r\n')];
  for (let i = 0; i < (item.photos ?? 0); i++) {
    const name = `photo-${i + 1}.png`;
    parts.push(
      [
        `--${boundary}`,
        `Content-Type: image/png; name="${name}"`,
        `Content-Disposition: attachment; filename="${name}"`,
        'Content-Transfer-Encoding: base64',
        '',
        b64(demoPng(ctx.seq * 10 + i)),
      ].join('\r\n'),
    );
  }
  const raw = Buffer.from(`${headers.join('\r\n')}\r\n\r\n${parts.join('\r\n')}\r\n--${boundary}--\r\n`, 'utf8');
  const meta = {
    source: `imap:${DESK_MAILBOX}@imap.163.com/INBOX`,
    mailbox: 'INBOX',
    uidValidity: '1',
    uid: ctx.seq,
    size: raw.length,
    internalDate: ctx.at.toISOString(),
    messageId,
    subject,
    flags: [],
  };
  return { channel: 'EMAIL', externalId: messageId, raw, meta, sender: item.from };
}

function sms(item: DemoItem): NewSubmission {
  const params = {
    MessageSid: `SM${hex(item.key)}`,
    AccountSid: 'ACdemo0000000000000000000000000000',
    From: item.from,
    To: HOTLINE,
    Body: item.text,
    NumMedia: '0',
  };
  // No `route` in meta: the normalizer decides thread or new tip, as it does for a retried submission.
  return {
    channel: 'SMS',
    externalId: params.MessageSid,
    params,
    meta: { keyword: null },
    sender: item.from,
    sizeBytes: Buffer.byteLength(item.text),
  };
}

/** A voice call as its last callback: the transcript, or the final status of a call with no message. */
function voice(item: DemoItem): NewSubmission {
  const CallSid = `CA${hex(`${item.key}:call`)}`;
  if (!item.text) {
    return {
      channel: 'VOICE',
      externalId: `end:${CallSid}`,
      params: { CallSid, From: item.from, To: HOTLINE, CallStatus: 'no-answer' },
      sender: item.from,
    };
  }
  const TranscriptionSid = `TR${hex(`${item.key}:tr`)}`;
  return {
    channel: 'VOICE',
    externalId: `tr:${TranscriptionSid}`,
    params: { CallSid, TranscriptionSid, TranscriptionText: item.text, TranscriptionStatus: 'completed', From: item.from, To: HOTLINE },
    sender: item.from,
  };
}

/** A push from the WeChat server, as the webhook stores it after decryption: a text message, or a map pin. */
function wechat(item: DemoItem, ctx: BuildContext): NewSubmission {
  // MsgId is a 64-bit integer; a decimal one derived from the key keeps it stable.
  const MsgId = BigInt(`0x${hex(`${item.key}:wx`, 15)}`).toString();
  const base = { ToUserName: OFFICIAL_ACCOUNT, FromUserName: item.from, CreateTime: String(Math.floor(ctx.at.getTime() / 1000)), MsgId };
  const p = item.pin
    ? { ...base, MsgType: 'location', Location_X: String(item.pin.lat), Location_Y: String(item.pin.lng), Scale: '16', Label: item.pin.label }
    : { ...base, MsgType: 'text', Content: item.text };
  const meta: WechatMeta = { mode: 'safe', keyword: null };
  return { channel: 'WECHAT', externalId: externalIdOf(p), params: p, meta, sender: item.from, sizeBytes: Buffer.byteLength(JSON.stringify(p)) };
}

/** An sms:received event from the Android phone on the hotline's SIM, as the gateway webhook stores it. */
function smsGateway(item: DemoItem, ctx: BuildContext): NewSubmission {
  const id = hex(`${item.key}:gw`, 22);
  const phoneReceivedAt = ctx.at.toISOString();
  const params = {
    deviceId: GATEWAY_DEVICE,
    event: 'sms:received',
    id,
    webhookId: 'demo-hotline-webhook',
    payload: { messageId: hex(item.text, 16), message: item.text, phoneNumber: item.from, simNumber: 1, receivedAt: phoneReceivedAt },
  };
  const meta: GatewayMeta = { keyword: null, phoneReceivedAt, deviceId: GATEWAY_DEVICE };
  return { channel: 'SMS_GATEWAY', externalId: id, params, meta, sender: item.from, sizeBytes: Buffer.byteLength(item.text) };
}

export const submissionBuilders: Partial<Record<Channel, (item: DemoItem, ctx: BuildContext) => NewSubmission>> = {
  EMAIL: email,
  SMS: sms,
  VOICE: voice,
  WECHAT: wechat,
  SMS_GATEWAY: smsGateway,
};
