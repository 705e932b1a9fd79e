import { describe, expect, it } from 'vitest';
import { hasContact, maskContact, maskContactsIn, scrubContacts } from '../../src/contacts.js';

// The pure functions behind findings 1, 2 and 10 (issue 15): contacts in free text, in
// whatever spelling residents and providers use.

describe('scrubContacts', () => {
  it.each([
    ["The 'To' number +8613912345678 is not a valid phone number.", "The 'To' number [number] is not a valid phone number."],
    ['call 138.0013.8000 please', 'call [number] please'],
    ['call １３８００１３８０００ please', 'call [number] please'],
    ['call ＋８６ １３８ ００１３ ８０００', 'call [number]'],
    ['+86 138 0013 8000', '[number]'],
    ['138-0013-8000', '[number]'],
    ['(0352) 602 1234', '[number]'],
    ['账号 6222021234567890123', '账号 [number]'],
    ['550 5.1.1 <wang.ayi@163.com>: Recipient address rejected', '550 5.1.1 <[email]>: Recipient address rejected'],
    ['王阿姨＠１６３．ｃｏｍ', '[email]'],
  ])('%s', (input, out) => {
    expect(scrubContacts(input)).toBe(out);
  });

  it('keeps error codes, short numbers and ordinary text', () => {
    for (const s of [
      'Twilio error 21211',
      'HTTP 503',
      '3号楼2单元',
      'attempt 3 failed, will retry',
      'SMTP 550 5.1.1',
      'not sent: the recipient opted out of SMS (STOP) on 2026-12-02T07:30:16.123Z',
    ])
      expect(scrubContacts(s)).toBe(s);
  });
});

describe('masking contacts inside a display name', () => {
  it.each([
    ['138.0013.8000', '138****8000'],
    ['１３８００１３８０００', '138****8000'],
    ['王阿姨 138 0013 8000', '王阿姨 138****8000'],
    ['li.si@qq.com', 'l***@qq.com'],
  ])('%s -> %s', (name, shown) => {
    expect(hasContact(name)).toBe(true);
    expect(maskContactsIn(name)).toBe(shown);
  });

  it('leaves names without contacts alone', () => {
    expect(hasContact('王阿姨')).toBe(false);
    expect(hasContact('3号楼住户')).toBe(false);
  });

  it('masks a full-width number the way residents write numbers', () => {
    expect(maskContact('＋８６１８６３５２９９３１７')).toBe('186****9317');
  });
});
