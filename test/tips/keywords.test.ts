import { describe, expect, it } from 'vitest';
import { parseKeyword } from '../../src/tips/keywords.js';

// Keywords are the whole message (STOP, 退订, HELP…), or NEW/新 in front of a tip.
describe('parseKeyword', () => {
  it('reads a whole-message keyword typed full-width, in any case, with trailing punctuation', () => {
    expect(parseKeyword('ＳＴＯＰ')).toEqual({ keyword: 'stop', word: 'STOP', rest: '' });
    expect(parseKeyword('  unsubscribe!! ')).toEqual({ keyword: 'stop', word: 'UNSUBSCRIBE', rest: '' });
    expect(parseKeyword('退订。')).toEqual({ keyword: 'stop', word: '退订', rest: '' });
    expect(parseKeyword('帮助')).toMatchObject({ keyword: 'help' });
    expect(parseKeyword(`STOP${'!'.repeat(40)}`)).toMatchObject({ keyword: 'stop' });
  });

  it('does not take a long text for a keyword, however it ends', () => {
    const long = `${'楼上漏水三天了，物业一直不管。'.repeat(700)}STOP`;
    expect(parseKeyword(long)).toEqual({ keyword: null, word: '', rest: long });
    expect(parseKeyword(`STOP${'!'.repeat(80)}`)).toMatchObject({ keyword: null });
  });

  it('reads NEW / 新 only as a word of its own', () => {
    expect(parseKeyword('新：小区门口井盖松动')).toEqual({ keyword: 'new', word: '新', rest: '小区门口井盖松动' });
    expect(parseKeyword('NEW broken lamp')).toEqual({ keyword: 'new', word: 'NEW', rest: 'broken lamp' });
    expect(parseKeyword('新建小区的路灯坏了')).toMatchObject({ keyword: null });
  });
});
