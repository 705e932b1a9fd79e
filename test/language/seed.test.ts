import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCategorySeed } from '../../src/tips/language/language.js';

// The classifier's seed tips (src/tips/language/data/categories.seed.json) are training data: they
// must never be, or nearly be, a tip of the evaluation sets, or eval:categories would flatter itself.

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', name), 'utf8')) as { id: string; text: string }[];
const evaluation = [...fixture('categories.labelled.json'), ...fixture('categories.paraphrased.json')];
const pairs = (t: string) => new Set([...t].slice(0, -1).map((c, i) => c + [...t][i + 1]));
const jaccard = (a: Set<string>, b: Set<string>) => {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n / (a.size + b.size - n || 1);
};

describe('category seed tips', () => {
  const seed = loadCategorySeed();

  it('has about as many tips for each section', () => {
    for (const c of ['HOUSEHOLD', 'NEIGHBORHOOD', 'COMMUNITY']) expect(seed.filter((t) => t.label === c).length).toBeGreaterThanOrEqual(60);
    expect(new Set(seed.map((t) => t.id)).size).toBe(seed.length);
  });

  it('shares no tip with the evaluation sets, nor a near copy (character-pair overlap under 0.5)', () => {
    const texts = new Set(evaluation.map((e) => e.text));
    const ev = evaluation.map((e) => ({ id: e.id, pairs: pairs(e.text) }));
    const close: string[] = [];
    for (const s of seed) {
      expect(texts.has(s.text), s.id).toBe(false);
      const p = pairs(s.text);
      for (const e of ev) if (jaccard(p, e.pairs) >= 0.5) close.push(`${s.id} ~ ${e.id}`);
    }
    expect(close).toEqual([]);
  });
});
