import { describe, expect, it } from 'vitest';
import { contactHash, contactHint, lookupForms, needleOf, parseContact } from '../../src/privacy/contact.js';
import { needlePattern } from '../../src/privacy/sql.js';

describe('parseContact', () => {
  it.each([
    ['+8618635299317', '+8618635299317'],
    ['18635299317', '+8618635299317'],
    ['186 3529 9317', '+8618635299317'],
    ['+86 186-3529-9317', '+8618635299317'],
    ['008618635299317', '+8618635299317'],
    ['8618635299317', '+8618635299317'],
    ['１８６３５２９９３１７', '+8618635299317'],
    ['(0352) 123-4567', '+863521234567'],
    ['+1 415 555 0100', '+14155550100'],
  ])('phone %s → %s', (input, value) => {
    expect(parseContact(input)).toEqual({ kind: 'phone', value });
  });

  it('emails are compared without case; full-width @ is understood', () => {
    expect(parseContact(' Zhang.Wei@163.COM ')).toEqual({ kind: 'email', value: 'zhang.wei@163.com' });
    expect(parseContact('zhang＠qq.com')).toEqual({ kind: 'email', value: 'zhang@qq.com' });
    expect(parseContact('not@an')).toBeNull();
  });

  it('OpenIDs are kept as they are; text is none of the three', () => {
    expect(parseContact('oAbC1-23_dEfGhIjKlMnOpQrStUvWx')).toEqual({ kind: 'openid', value: 'oAbC1-23_dEfGhIjKlMnOpQrStUvWx' });
    expect(parseContact('你好')).toBeNull();
    expect(parseContact('')).toBeNull();
  });
});

describe('spellings, needles, hashes', () => {
  it('a +86 number is looked up in every stored spelling and scrubbed by its national digits', () => {
    expect(lookupForms({ kind: 'phone', value: '+8618635299317' }).sort()).toEqual(
      ['+8618635299317', '8618635299317', '008618635299317', '18635299317'].sort(),
    );
    expect(lookupForms({ kind: 'phone', value: '+863521234567' })).toContain('03521234567');
    expect(needleOf('phone', '+8618635299317')).toBe('18635299317');
    expect(needleOf('email', 'Zhang@163.com')).toBe('zhang@163.com');
  });

  it('the scrub pattern escapes regular-expression characters and ignores too-short needles', () => {
    expect(needlePattern(['a.b+c@x.cn', '123'])).toBe('a\\.b\\+c@x\\.cn');
    expect(needlePattern(['12'])).toBeNull();
  });

  it('one hash per contact whatever the spelling; hints are masked', () => {
    const a = parseContact('186 3529 9317')!;
    const b = parseContact('+8618635299317')!;
    expect(contactHash(a)).toBe(contactHash(b));
    expect(contactHint(a)).toBe('186****9317');
    expect(contactHint(parseContact('zhang@163.com')!)).toBe('z***@163.com');
  });
});
