import { describe, expect, it } from 'vitest';
import { blendSuggestion, nbModelSchema, predictNaiveBayes, trainNaiveBayes, type Example } from '../../src/tips/language/classifier.js';

const ex = (text: string, category: Example['category']): Example => ({ features: [...text], category });
const examples: Example[] = [
  ...['水管漏了', '暖气不热', '屋里漏水', '马桶堵了', '暖气片凉'].map((t) => ex(t, 'HOUSEHOLD')),
  ...['楼上太吵', '邻居养狗', '楼道堆物', '楼上吵闹', '对门吵架'].map((t) => ex(t, 'NEIGHBORHOOD')),
  ...['社区义诊', '志愿活动', '公交改线', '社区讲座', '路灯不亮'].map((t) => ex(t, 'COMMUNITY')),
];

describe('naive Bayes', () => {
  const model = trainNaiveBayes(examples);
  it('learns from (text, category) pairs', () => {
    const p = predictNaiveBayes(model, [...'暖气漏水']);
    expect(p.HOUSEHOLD).toBeGreaterThan(p.NEIGHBORHOOD);
    expect(p.HOUSEHOLD).toBeGreaterThan(p.COMMUNITY);
    expect(p.HOUSEHOLD + p.NEIGHBORHOOD + p.COMMUNITY).toBeCloseTo(1);
  });
  it('survives a JSON round trip', () => {
    const back = nbModelSchema.parse(JSON.parse(JSON.stringify(model)));
    expect(predictNaiveBayes(back, [...'楼上吵'])).toEqual(predictNaiveBayes(model, [...'楼上吵']));
  });
  it('is unsure about what it never saw', () => {
    const p = predictNaiveBayes(model, ['从未见过']);
    expect(Math.max(p.HOUSEHOLD, p.NEIGHBORHOOD, p.COMMUNITY)).toBeLessThan(0.5);
  });
});

describe('blendSuggestion', () => {
  const model = trainNaiveBayes(examples);
  const rules = { scores: { HOUSEHOLD: 0, NEIGHBORHOOD: 0, COMMUNITY: 3 } };
  it('lets the rules lead while the model has seen little', () => {
    const s = blendSuggestion(model, [...'暖气漏水'], rules, { k: 1000 })!;
    expect(s.category).toBe('COMMUNITY');
    expect(s.modelWeight).toBeLessThan(0.05);
  });
  it('lets the model lead once it has seen enough', () => {
    expect(blendSuggestion(model, [...'暖气漏水'], rules, { k: 1 })!.category).toBe('HOUSEHOLD');
  });
  it('uses whichever side there is', () => {
    expect(blendSuggestion(null, [], rules)!.category).toBe('COMMUNITY');
    expect(blendSuggestion(model, [...'楼上吵'], null)!.category).toBe('NEIGHBORHOOD');
    expect(blendSuggestion(null, [], null)).toBeNull();
  });
});
