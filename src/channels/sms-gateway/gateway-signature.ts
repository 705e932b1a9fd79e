import { createHmac, timingSafeEqual } from 'node:crypto';

// SMS Gateway for Android signs every webhook: X-Signature is the hex HMAC-SHA256, keyed with
// the app's signing key, of the raw body bytes followed by the X-Timestamp header (Unix seconds).
// The timestamp is checked too, so a captured request cannot be replayed later.

/** How far a webhook's X-Timestamp may be from our clock (the app's documentation suggests ±5 minutes). */
export const TIMESTAMP_WINDOW_MS = 5 * 60_000;

export function signGatewayBody(key: string, raw: Buffer | string, timestamp: string): string {
  return createHmac('sha256', key)
    .update(Buffer.concat([Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8'), Buffer.from(timestamp, 'utf8')]))
    .digest('hex');
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'mismatch' | 'stale'; message: string };

export function checkGatewaySignature(
  key: string,
  raw: Buffer,
  h: { signature: string | undefined; timestamp: string | undefined },
  now: Date,
): SignatureCheck {
  if (!h.signature || !h.timestamp) return { ok: false, reason: 'missing', message: 'X-Signature and X-Timestamp are required' };
  if (!/^\d{1,12}$/.test(h.timestamp)) return { ok: false, reason: 'mismatch', message: 'X-Timestamp must be Unix seconds' };
  const expected = Buffer.from(signGatewayBody(key, raw, h.timestamp), 'utf8');
  const given = Buffer.from(h.signature.trim().toLowerCase(), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'mismatch', message: 'X-Signature does not match the body and SMS_GATEWAY_SIGNING_KEY' };
  }
  const skewMs = Math.abs(now.getTime() - Number(h.timestamp) * 1000);
  if (skewMs > TIMESTAMP_WINDOW_MS) {
    return {
      ok: false,
      reason: 'stale',
      message: `X-Timestamp is ${Math.round(skewMs / 60_000)} minutes from our clock (at most 5 allowed): a replay, or the phone's clock is wrong`,
    };
  }
  return { ok: true };
}
