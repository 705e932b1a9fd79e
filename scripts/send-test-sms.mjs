#!/usr/bin/env node
// The five-minute tour's test tip: posts one SMS to the running service's Twilio webhook, signed the
// way Twilio signs it (the twilio library's own function), so it takes the real intake path.
// Usage: npm run tip:test -- "楼道灯坏了三天了" [--from +8613800000000]
// Needs the service started with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL (README).
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

const args = process.argv.slice(2);
const fromAt = args.indexOf('--from');
const from = fromAt >= 0 ? args.splice(fromAt, 2)[1] : '+8613800138000';
const body = args.join(' ') || '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险。';
const token = process.env.TWILIO_AUTH_TOKEN;
const base = (process.env.PUBLIC_BASE_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
if (!token || !process.env.TWILIO_ACCOUNT_SID) {
  console.error('Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to the values the service runs with.');
  process.exit(2);
}
const sid = `SM${randomBytes(16).toString('hex')}`;
const params = {
  MessageSid: sid,
  SmsMessageSid: sid,
  SmsSid: sid,
  AccountSid: process.env.TWILIO_ACCOUNT_SID,
  From: from,
  To: process.env.TWILIO_FROM_NUMBER ?? '+8618635299317',
  Body: body,
  NumMedia: '0',
  NumSegments: '1',
  SmsStatus: 'received',
  ApiVersion: '2010-04-01',
};
const url = `${base}/webhooks/twilio/sms`;
const res = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(token, url, params) },
  body: new URLSearchParams(params).toString(),
});
console.log(`${res.status} ${await res.text()}`);
process.exit(res.ok ? 0 : 1);
