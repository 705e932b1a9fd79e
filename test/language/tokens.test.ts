import { describe, expect, it } from 'vitest';
import { charBigrams, classifierFeatures, contentWords, indexTokens, queryTokens } from '../../src/tips/language/tokens.js';
import { testKit } from './kit.js';

describe('contentWords', () => {
  it('segments with the newsroom dictionary and keeps address parts whole', () => {
    const ws = contentWords(testKit().segmenter, '柳航里三栋二单元的天花板漏水了');
    expect(ws).toEqual(expect.arrayContaining(['柳航里', '3号楼', '2单元', '天花板', '漏水']));
    expect(ws).not.toContain('的');
  });
  it('keeps newsroom words whole', () => {
    expect(contentWords(testKit().segmenter, '北馨园困梯，黑灯瞎火的')).toEqual(expect.arrayContaining(['北馨园', '困梯', '黑灯瞎火']));
  });
});

describe('charBigrams', () => {
  it('pairs characters within runs of Chinese only', () => {
    expect(charBigrams('漏水了，电梯')).toEqual(['漏水', '水了', '电梯']);
    expect(charBigrams('ok 12')).toEqual([]);
  });
});

describe('search tokens', () => {
  const tokens = indexTokens(testKit().segmenter, '幸福小区六号楼的电梯停运好几天了，楼上还漏水');
  it('let one- and two-character queries be exact lookups', () => {
    for (const q of ['漏水', '电梯', '梯', '6号楼', '六号楼']) {
      const want = queryTokens(q);
      expect(want.length).toBeGreaterThan(0);
      expect(want.every((t) => tokens.includes(t))).toBe(true);
    }
  });
  it('do not match what the tip does not say', () => {
    for (const q of ['暖气', '2号楼', '井盖']) expect(queryTokens(q).every((t) => tokens.includes(t))).toBe(false);
  });
  it('turn a longer query into the pairs a tip must all contain', () => {
    expect(queryTokens('电梯停运')).toEqual(['电梯', '梯停', '停运']);
  });
  it('are unique', () => {
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});

describe('classifierFeatures', () => {
  it('marks words, pairs and characters apart', () => {
    const fs = classifierFeatures(testKit().segmenter, '暖气不热');
    expect(fs).toEqual(expect.arrayContaining(['b:暖气', 'u:暖']));
    expect(fs.some((f) => f.startsWith('w:'))).toBe(true);
  });
});
