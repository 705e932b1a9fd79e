import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leadingZeroBits, solves } from '../../src/channels/web/web.challenge.js';
import { normalizePhone, validateFields } from '../../src/channels/web/web.schema.js';
import { plausibleKey, publicStatus, statusKeyFromIdempotencyKey } from '../../src/channels/web/web.status.js';
import { TIP_SCRIPT } from '../../src/channels/web/web.script.js';
import { solve } from './web-support.js';

describe('web form pure functions', () => {
  it('writes Chinese mobiles the way SMS brings them, keeps other numbers, refuses non-numbers', () => {
    expect(normalizePhone('138 0013 8000')).toBe('+8613800138000');
    expect(normalizePhone('138-0013-8000')).toBe('+8613800138000');
    expect(normalizePhone('+86 13800138000')).toBe('+8613800138000');
    expect(normalizePhone('0352-1234567')).toBe('03521234567');
    expect(normalizePhone('call me')).toBeNull();
  });

  it('maps every tip status to one of the four public ones', () => {
    expect(['NEW', 'TRIAGED', 'ASSIGNED', 'CLAIMED', 'IN_PROGRESS', 'PUBLISHED', 'DISMISSED'].map((s) => publicStatus(s as never))).toEqual([
      'received',
      'received',
      'following',
      'following',
      'following',
      'published',
      'not-used',
    ]);
  });

  it('needs consent only with a contact, and a body unless a follow-up brings photos', () => {
    expect(validateFields({ body: '楼道灯坏了' }, 'tip', 0)).toMatchObject({ body: '楼道灯坏了', consent: false, phone: null });
    expect(() => validateFields({ body: '楼道灯坏了', name: '王' }, 'tip', 0)).toThrow(/consent/);
    expect(() => validateFields({ body: '   ' }, 'tip', 2)).toThrow(/body/);
    expect(validateFields({ body: '' }, 'followup', 1)).toMatchObject({ kind: 'followup', body: '' });
  });

  it('derives a status key from an Idempotency-Key that looks like any other key and reveals nothing of it', () => {
    const k = statusKeyFromIdempotencyKey('0123456789abcdef0123');
    expect(plausibleKey(k)).toBe(true);
    expect(k).not.toContain('0123456789');
    expect(plausibleKey('T-261202-0001')).toBe(false);
  });

  it('counts leading zero bits, and the page script hashes exactly like Node (same nonce found)', () => {
    expect(leadingZeroBits(Buffer.from([0, 0x0f, 0xff]))).toBe(12);
    expect(leadingZeroBits(Buffer.from([0x80]))).toBe(0);
    const challenge = '16.1893456000000.abcdefghijklmnop.signature';
    const nonce = solve(challenge, 12);
    expect(solves(challenge, nonce, 12)).toBe(true);
    // Run the browser script's own SHA-256 (first word) on the same input.
    const first = new Function(`${TIP_SCRIPT.split('var form = document')[0].replace('(function () {', '')} return sha256FirstWord;`)() as (
      s: string,
    ) => number;
    const input = `${challenge}:${nonce}`;
    expect(first(input)).toBe(createHash('sha256').update(input).digest().readUInt32BE(0));
    expect(first('x'.repeat(200))).toBe(createHash('sha256').update('x'.repeat(200)).digest().readUInt32BE(0));
  });
});
