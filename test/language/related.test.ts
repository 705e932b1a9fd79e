import { describe, expect, it } from 'vitest';
import { analyzeTip } from '../../src/tips/language/language.js';
import { docFreqFromLists, mostRelated, rankRelated, relatedness, wordSimilarity } from '../../src/tips/language/related.js';
import { testKit } from './kit.js';

const t0 = new Date('2026-03-21T09:00:00Z');
const tip = (text: string, hours = 0) => analyzeTip(testKit(), text, { receivedAt: new Date(t0.getTime() + hours * 3_600_000) });

describe('relatedness', () => {
  const a = tip('幸福小区6号楼的电梯又坏了');
  const b = tip('幸福小区六号楼电梯停运好几天', 20);
  const c = tip('幸福小区2号楼的楼道灯全灭了', 20);
  const d = tip('北馨园6号楼电梯坏了', 20);
  const df = docFreqFromLists([a, b, c, d].map((t) => t.words));

  it('flags the same incident told in other words, with reasons', () => {
    const r = relatedness(a, b, df);
    expect(r.likelyDuplicate).toBe(true);
    expect(r.reasons).toEqual(expect.arrayContaining(['同一地点', '同类事件']));
  });
  it('does not link a different incident at the same estate', () => {
    const r = relatedness(a, c, df);
    expect(r.likelyDuplicate).toBe(false);
    expect(r.against).toEqual(expect.arrayContaining(['不同楼栋', '不同事件']));
  });
  it('does not link the same incident at another estate', () => {
    expect(relatedness(a, d, df)).toMatchObject({ likelyDuplicate: false, against: ['不同地点'] });
  });
  it('lets time fade the score', () => {
    expect(relatedness(a, tip('幸福小区六号楼电梯停运好几天', 24 * 60), df).score).toBeLessThan(relatedness(a, b, df).score);
  });
  it('ranks the duplicate first', () => {
    expect(rankRelated(a, [c, d, b], df, 3)[0].tip).toBe(b);
  });
});

describe('mostRelated', () => {
  // The tip.read job's duplicate search takes the first of rankRelated without scoring every candidate's words.
  const texts = [
    '幸福小区6号楼的电梯又坏了',
    '幸福小区六号楼电梯停运好几天',
    '幸福小区2号楼的楼道灯全灭了',
    '北馨园6号楼电梯坏了',
    '幸福小区6号楼电梯坏了三天了',
    '幸福小区6号楼电梯坏了三天了',
    '北馨园门口的井盖丢了',
    '幸福小区楼道漏水',
  ];
  const pool = texts.map((text, i) => tip(text, (i * 7) % 30));
  const df = docFreqFromLists(pool.map((t) => t.words));

  it('is the first of rankRelated, of equal scores the first given', () => {
    for (const a of pool) {
      const others = pool.filter((x) => x !== a);
      for (const cands of [others, [...others].reverse()]) {
        const top = mostRelated(a, cands, df);
        const ranked = rankRelated(a, cands, df, 1)[0];
        expect(top?.tip).toBe(ranked.tip);
        expect(top).toEqual(ranked);
      }
    }
    expect(mostRelated(pool[0], [], df)).toBeUndefined();
  });
});

describe('wordSimilarity', () => {
  it('weights rare shared words above common ones', () => {
    const df = docFreqFromLists([
      ['漏水', '楼上'],
      ['楼上', '吵'],
      ['楼上', '电梯'],
      ['楼上', '天花板'],
    ]);
    expect(wordSimilarity(['漏水', '楼上'], ['漏水', '天花板'], df)).toBeGreaterThan(wordSimilarity(['楼上', '漏水'], ['楼上', '吵'], df));
    expect(wordSimilarity(['a'], ['a'], df)).toBeCloseTo(1);
    expect(wordSimilarity([], ['a'], df)).toBe(0);
  });
});
