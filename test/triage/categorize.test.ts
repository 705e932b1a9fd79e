import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestCategory, type Rule } from '../../src/tips/categorize.js';
import { defaultCategoryRules } from '../../src/tips/category-rules.data.js';
import { tipBuilder } from '../support/builders.js';
import { deskHarness, type Desk } from './helpers.js';

const rules: Rule[] = [
  { category: 'HOUSEHOLD', phrase: 'leak', weight: 2 },
  { category: 'HOUSEHOLD', phrase: '漏水', weight: 3 },
  { category: 'NEIGHBORHOOD', phrase: 'party', weight: 2 },
  { category: 'COMMUNITY', phrase: '社区', weight: 1 },
  { category: 'COMMUNITY', phrase: '社区活动', weight: 3 },
  { category: 'COMMUNITY', phrase: 'bus', weight: 2 },
];

describe('suggestCategory', () => {
  it('matches Chinese as substrings and English as whole words with inflections, any width or case', () => {
    expect(suggestCategory('楼上漏水了', rules)).toMatchObject({ category: 'HOUSEHOLD', terms: ['漏水'] });
    for (const t of ['The pipe LEAKS', 'it is leaking', 'it leaked again', 'Ｌｅａｋ in the flat'])
      expect(suggestCategory(t, rules)?.category).toBe('HOUSEHOLD');
    expect(suggestCategory('noisy parties upstairs', rules)?.category).toBe('NEIGHBORHOOD');
    expect(suggestCategory('a busy street', rules)).toBeNull();
    expect(suggestCategory('bleak weather', rules)).toBeNull();
  });

  it('lets the longest phrase win over a shorter one inside it', () => {
    const s = suggestCategory('周六社区活动', rules)!;
    expect(s.terms).toEqual(['社区活动']);
    expect(s.scores.COMMUNITY).toBe(3);
    // A separate occurrence of the short phrase still counts.
    expect(suggestCategory('社区活动在社区广场', rules)!.scores.COMMUNITY).toBe(4);
  });

  it('gives more confidence to more, and more one-sided, evidence', () => {
    const weak = suggestCategory('bus', rules)!.confidence;
    const strong = suggestCategory('bus 社区活动', rules)!.confidence;
    const mixed = suggestCategory('社区活动 漏水', rules)!.confidence;
    expect(strong).toBeGreaterThan(weak);
    expect(mixed).toBeLessThan(strong);
    expect(strong).toBeLessThanOrEqual(1);
  });

  it('keeps its accuracy on the labelled set (regression guard; see npm run eval:categories)', () => {
    const items = JSON.parse(readFileSync(new URL('../fixtures/categories.labelled.json', import.meta.url), 'utf8')) as {
      label: string;
      split: string;
      text: string;
    }[];
    expect(items.length).toBeGreaterThanOrEqual(150);
    const accuracy = (xs: typeof items) => xs.filter((i) => suggestCategory(i.text, defaultCategoryRules)?.category === i.label).length / xs.length;
    expect(accuracy(items.filter((i) => i.split === 'dev'))).toBeGreaterThanOrEqual(0.95);
    expect(accuracy(items.filter((i) => i.split === 'heldout'))).toBeGreaterThanOrEqual(0.8);
  });
});

describe('category rules API', () => {
  let d: Desk;
  let h: Desk['h'];
  let s: Desk['s'];
  let api: Desk['api'];
  beforeAll(async () => {
    d = await deskHarness();
    ({ h, s, api } = d);
  });
  afterAll(async () => d?.close());

  it('lets an admin add, change and delete phrases; new tips use them at once; changes are audited', async () => {
    const created = await api.post('/api/category-rules', s.admin.auth, { category: 'community', phrase: '晚报读者节', weight: 6 });
    expect(created.status).toBe(201);
    expect(created.body.rule).toMatchObject({ category: 'community', phrase: '晚报读者节', weight: 6, active: true });
    expect((await api.post('/api/category-rules', s.admin.auth, { category: 'community', phrase: '晚报读者节' })).status).toBe(409);

    const tip = await tipBuilder(h.deps, { body: '邻居们都想去晚报读者节' });
    expect(tip).toMatchObject({ suggestedCategory: 'COMMUNITY' });
    expect(tip.suggestionTerms).toContain('晚报读者节');

    const preview = await api.post('/api/category-rules/preview', s.editor.auth, { text: '晚报读者节' });
    expect(preview.body.suggestion).toMatchObject({ category: 'community', terms: ['晚报读者节'] });

    const off = await api.patch(`/api/category-rules/${created.body.rule.id}`, s.admin.auth, { active: false });
    expect(off.body.rule.active).toBe(false);
    expect((await api.post('/api/category-rules/preview', s.editor.auth, { text: '晚报读者节' })).body.suggestion).toBeNull();

    expect((await api.del(`/api/category-rules/${created.body.rule.id}`, s.admin.auth)).status).toBe(204);
    expect((await api.del(`/api/category-rules/${created.body.rule.id}`, s.admin.auth)).status).toBe(404);
    const list = await api.get('/api/category-rules', s.editor.auth);
    expect(list.body.rules.length).toBe(defaultCategoryRules.length);

    const trail = await h.deps.prisma.auditEvent.findMany({ where: { action: { startsWith: 'category_rule.' } }, orderBy: { createdAt: 'asc' } });
    expect(trail.map((e) => [e.action, e.actorId, e.tipId])).toEqual([
      ['category_rule.created', s.admin.user.id, null],
      ['category_rule.updated', s.admin.user.id, null],
      ['category_rule.deleted', s.admin.user.id, null],
    ]);
    expect((await api.post('/api/category-rules', s.editor.auth, { category: 'community', phrase: 'x' })).status).toBe(403);
  });
});
