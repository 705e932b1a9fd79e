import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { fieldError } from './web.schema.js';
import { spendChallenge } from './sql.js';

// WEB_FORM_CHALLENGE=on: a post must carry a small proof of work (hashcash). The server issues
// `bits.expiresAt.random.signature` (HMAC-SHA256 with WEB_FORM_SECRET, so any API process can
// check it without storing it); the page's own script finds a nonce such that
// SHA-256("<challenge>:<nonce>") starts with `bits` zero bits (about 2^bits hashes, well under a
// second on a phone), and each challenge is accepted once.

export const CHALLENGE_BITS = 16;
export const CHALLENGE_TTL_SECONDS = 600;

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function issueChallenge(deps: Pick<Deps, 'config' | 'clock'>): { challenge: string; bits: number; expiresAt: string } {
  const expires = deps.clock.now().getTime() + CHALLENGE_TTL_SECONDS * 1000;
  const payload = `${CHALLENGE_BITS}.${expires}.${randomBytes(12).toString('base64url')}`;
  return { challenge: `${payload}.${sign(deps.config.WEB_FORM_SECRET!, payload)}`, bits: CHALLENGE_BITS, expiresAt: new Date(expires).toISOString() };
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Buffer): number {
  let n = 0;
  for (const byte of digest) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}

export const solves = (challenge: string, nonce: string, bits: number) =>
  leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest()) >= bits;

const refuse = () =>
  fieldError(
    'VALIDATION',
    'challenge',
    '页面验证未通过，请刷新页面后重新提交',
    'challenge: the proof of work is missing, expired or wrong; reload the page and send again',
  );

/** Throws a 400 unless the post carries a valid, unexpired, unspent and solved challenge. */
export async function checkChallenge(deps: Deps, challenge: string | undefined, nonce: string | undefined): Promise<void> {
  if (!challenge || !nonce || nonce.length > 40) throw refuse();
  const parts = challenge.split('.');
  if (parts.length !== 4) throw refuse();
  const [bits, expires, , sig] = parts;
  const expected = Buffer.from(sign(deps.config.WEB_FORM_SECRET!, parts.slice(0, 3).join('.')));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refuse();
  if (Number(expires) < deps.clock.now().getTime() || Number(bits) < CHALLENGE_BITS) throw refuse();
  if (!solves(challenge, nonce, Number(bits))) throw refuse();
  const key = `webpow:${createHash('sha256').update(challenge).digest('base64url')}`;
  if (!(await spendChallenge(deps.prisma, key, deps.clock.now(), CHALLENGE_TTL_SECONDS))) throw refuse();
}
