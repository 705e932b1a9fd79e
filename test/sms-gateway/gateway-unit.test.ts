import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkGatewaySignature, signGatewayBody } from '../../src/channels/sms-gateway/gateway-signature.js';
import { answerable, gatewayReplyText, normalizePhone, smsSegments } from '../../src/channels/sms-gateway/gateway.replies.js';
import { phoneTime } from '../../src/channels/sms-gateway/phone-time.js';
import { moveOf } from '../../src/channels/sms-gateway/send.job.js';
import { loadConfig } from '../../src/config.js';

describe('webhook signature', () => {
  const key = 'k3y';
  const body = Buffer.from('{"event":"sms:received","id":"Ey6ECgOkVVFjz3CL48B8C","payload":{"message":"楼道灯坏了"}}');
  const now = new Date('2026-12-02T08:00:00Z');
  const ts = String(now.getTime() / 1000);
  // The algorithm from the app's documentation, written out independently.
  const documented = createHmac('sha256', key)
    .update(body.toString('utf8') + ts)
    .digest('hex');

  it('is hex HMAC-SHA256 over the raw body followed by X-Timestamp', () => {
    expect(signGatewayBody(key, body, ts)).toBe(documented);
    expect(checkGatewaySignature(key, body, { signature: documented, timestamp: ts }, now)).toEqual({ ok: true });
    expect(checkGatewaySignature(key, body, { signature: documented.toUpperCase(), timestamp: ts }, now)).toEqual({ ok: true });
  });

  it('refuses a missing, wrong or replayed signature', () => {
    expect(checkGatewaySignature(key, body, { signature: undefined, timestamp: ts }, now)).toMatchObject({ ok: false, reason: 'missing' });
    expect(checkGatewaySignature('other', body, { signature: documented, timestamp: ts }, now)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(checkGatewaySignature(key, Buffer.concat([body, Buffer.from(' ')]), { signature: documented, timestamp: ts }, now)).toMatchObject({
      ok: false,
    });
    const old = String(now.getTime() / 1000 - 301);
    const oldSig = signGatewayBody(key, body, old);
    expect(checkGatewaySignature(key, body, { signature: oldSig, timestamp: old }, now)).toMatchObject({ ok: false, reason: 'stale' });
    const edge = String(now.getTime() / 1000 - 299);
    expect(checkGatewaySignature(key, body, { signature: signGatewayBody(key, body, edge), timestamp: edge }, now)).toEqual({ ok: true });
  });
});

describe('phone time', () => {
  it('reads wall time without a zone in TIMEZONE, and honours an offset when there is one', () => {
    expect(phoneTime('2026-03-21T15:46:11.000', 'Asia/Shanghai')?.toISOString()).toBe('2026-03-21T07:46:11.000Z');
    expect(phoneTime('2026-03-21 15:46:11', 'Asia/Shanghai')?.toISOString()).toBe('2026-03-21T07:46:11.000Z');
    expect(phoneTime('2024-06-22T15:46:11.000+07:00', 'Asia/Shanghai')?.toISOString()).toBe('2024-06-22T08:46:11.000Z');
    expect(phoneTime('2024-06-22T15:46:11Z', 'Asia/Shanghai')?.toISOString()).toBe('2024-06-22T15:46:11.000Z');
    // A zone with daylight saving: summer and winter offsets differ.
    expect(phoneTime('2026-07-01T12:00:00', 'America/New_York')?.toISOString()).toBe('2026-07-01T16:00:00.000Z');
    expect(phoneTime('2026-01-15T12:00:00', 'America/New_York')?.toISOString()).toBe('2026-01-15T17:00:00.000Z');
    expect(phoneTime('yesterday', 'Asia/Shanghai')).toBeNull();
    expect(phoneTime(null, 'Asia/Shanghai')).toBeNull();
  });
});

describe('texts and segments', () => {
  const config = loadConfig({});

  it('counts segments like a handset: GSM-7 160/153, UCS-2 70/67', () => {
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('{'.repeat(80))).toBe(1);
    expect(smsSegments('{'.repeat(81))).toBe(2);
    expect(smsSegments('爆'.repeat(70))).toBe(1);
    expect(smsSegments('爆'.repeat(71))).toBe(2);
    expect(smsSegments('爆'.repeat(134))).toBe(2);
    expect(smsSegments('爆'.repeat(135))).toBe(3);
    // An emoji is two UTF-16 units.
    expect(smsSegments('😭'.repeat(35))).toBe(1);
    expect(smsSegments('😭'.repeat(36))).toBe(2);
  });

  it('keeps the acknowledgement (and every automatic answer) within two segments', () => {
    for (const reference of ['T-261202-0001', 'T-261231-9999']) {
      const ack = gatewayReplyText(config, { kind: 'new', reference });
      expect(ack).toContain(reference);
      expect(ack.indexOf('已收到')).toBeLessThan(ack.indexOf('Tip received'));
      expect(smsSegments(ack)).toBe(2);
      expect(smsSegments(gatewayReplyText(config, { kind: 'followup', reference }))).toBeLessThanOrEqual(2);
    }
    for (const kind of ['help', 'stop', 'start'] as const) expect(smsSegments(gatewayReplyText(config, { kind }))).toBeLessThanOrEqual(2);
  });

  it('stores mainland mobiles in E.164 and answers only real numbers', () => {
    expect(normalizePhone('13912345678')).toBe('+8613912345678');
    expect(normalizePhone('+86 139-1234-5678')).toBe('+8613912345678');
    expect(normalizePhone('8613912345678')).toBe('+8613912345678');
    expect(normalizePhone('008613912345678')).toBe('+8613912345678');
    expect(normalizePhone('+14155550100')).toBe('+14155550100');
    expect(normalizePhone('10086')).toBe('10086');
    expect(answerable('+8613912345678')).toBe(true);
    expect(answerable('10086')).toBe(false);
    expect(answerable('1069012345678')).toBe(false);
  });
});

describe('gateway message states', () => {
  it('maps the REST API states onto ours', () => {
    const s = (state: string, error?: string) => ({ id: 'x', state, recipients: [{ phoneNumber: '+8613912345678', state, error }] }) as never;
    expect(moveOf(s('Pending'))).toEqual({ move: 'accepted', reason: null });
    expect(moveOf(s('Processed'))).toEqual({ move: 'accepted', reason: null });
    expect(moveOf(s('Sent'))).toEqual({ move: 'sent', reason: null });
    expect(moveOf(s('Delivered'))).toEqual({ move: 'delivered', reason: null });
    expect(moveOf(s('Failed', 'RESULT_ERROR_NO_SERVICE'))).toEqual({ move: 'failed', reason: 'RESULT_ERROR_NO_SERVICE' });
  });
});
