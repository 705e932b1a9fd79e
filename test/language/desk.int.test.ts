import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tipBuilder } from '../support/builders.js';
import { deskHarness, type Desk } from '../triage/helpers.js';
import { runLanguageMaintenance } from '../../src/tips/language.job.js';

// The language features seen from outside: what the API returns for tips made as intake makes them.

let d: Desk;
let h: Desk['h'];
let s: Desk['s'];
let api: Desk['api'];

beforeAll(async () => {
  d = await deskHarness();
  ({ h, s, api } = d);
});
afterAll(async () => d?.close());

const LEAK_A = '柳航里3号楼2单元楼上漏水，水顺着墙往下流，家里天花板都泡了，物业一直不来修。';
const LEAK_B = '我住柳航里小区三号楼，最近楼上跑水，我家屋顶渗水严重，找了物业好几次没人管。';
const ELEVATOR = '柳航里3号楼的电梯坏了三天了，老人上下楼很困难。';

const search = async (q: string) => (await api.get(`/api/tips?q=${encodeURIComponent(q)}`, s.editor.auth)).body.tips.map((t: { id: string }) => t.id);

describe('duplicates and related tips', () => {
  let a: { id: string; reference: string };
  let b: { id: string; reference: string };
  let c: { id: string; reference: string };

  beforeAll(async () => {
    a = await tipBuilder(h.deps, { body: LEAK_A, phone: '+8613900000001' });
    b = await tipBuilder(h.deps, { channel: 'EMAIL', body: LEAK_B, email: 'neighbour.b@163.com' });
    c = await tipBuilder(h.deps, { body: ELEVATOR, phone: '+8613900000003' });
  });

  it('flags the same leak told in other words as a likely duplicate, with reasons', async () => {
    const tip = (await api.get(`/api/tips/${b.id}`, s.editor.auth)).body.tip;
    expect(tip.likelyDuplicateOf).toMatchObject({ id: a.id, reference: a.reference });
    expect(tip.likelyDuplicateOf.score).toBeGreaterThanOrEqual(0.55);
    expect(tip.place).toMatchObject({ estate: '柳航里', building: '3', community: '柳航里社区', source: 'text', edited: false });
    expect(tip.place.words).toContain('3号楼');
    const list = (await api.get('/api/tips', s.editor.auth)).body.tips;
    expect(list.find((t: { id: string }) => t.id === b.id).likelyDuplicateOf.reference).toBe(a.reference);

    const rel = (await api.get(`/api/tips/${a.id}/related`, s.editor.auth)).body.related;
    const toB = rel.find((r: { id: string }) => r.id === b.id);
    expect(toB).toMatchObject({ reason: 'similar_text', likelyDuplicate: true });
    expect(toB.reasons).toEqual(expect.arrayContaining(['同一地点', '同类事件']));
  });

  it('does not flag a different incident at the same estate', async () => {
    const tip = (await api.get(`/api/tips/${c.id}`, s.editor.auth)).body.tip;
    expect(tip.likelyDuplicateOf).toBeNull();
    const rel = (await api.get(`/api/tips/${c.id}/related`, s.editor.auth)).body.related;
    for (const r of rel) expect(r.likelyDuplicate).toBe(false);
    expect(tip.incidentTypes).toContain('elevator');
  });

  it('finds tips by two-character words, a phone number, and a merged tip by its reference', async () => {
    const leak = await search('漏水');
    expect(leak).toContain(a.id);
    expect(leak).not.toContain(c.id);
    const lift = await search('电梯');
    expect(lift).toEqual([c.id]);
    expect(await search('13900000001')).toEqual([a.id]);
    expect(await search('+86 139 0000 0001')).toEqual([a.id]);
    expect(await search('Neighbour.B@163.com')).toEqual([b.id]);
    // Reporters do not find tips by a tipster's contact.
    const asReporter = await api.get(`/api/tips?q=13900000001`, s.reporter.auth);
    expect((asReporter.body.tips ?? []).map((t: { id: string }) => t.id)).not.toContain(a.id);

    const merged = await api.post(`/api/tips/${b.id}/merge`, s.editor.auth, { intoId: a.id, version: 1 });
    expect(merged.status).toBe(200);
    expect(await search(b.reference)).toEqual([a.id]);
    expect(await search(a.reference)).toEqual([a.id]);
  });
});

describe('places', () => {
  it('a supplied location wins over the text', async () => {
    const t = await tipBuilder(h.deps, { body: '和信小区6号楼楼下井盖丢了，晚上很危险。', location: '北馨园小区5号楼' });
    const tip = (await api.get(`/api/tips/${t.id}`, s.editor.auth)).body.tip;
    expect(tip.place).toMatchObject({ estate: '北馨园', building: '5', source: 'supplied' });
    expect(tip.location).toBe('北馨园小区5号楼');
  });

  it('the editor corrects the location', async () => {
    const t = await tipBuilder(h.deps, { body: '8号楼楼道灯坏了，晚上黑灯瞎火。' });
    const r = await api.patch(`/api/tips/${t.id}`, s.editor.auth, { version: t.version, place: { estate: '幸福小区', building: '8' } });
    expect(r.status).toBe(200);
    expect(r.body.tip.place).toMatchObject({ estate: '幸福小区', building: '8', source: 'editor', edited: true });
    const row = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.siteKey).toBe('幸福小区');
    const ev = r.body.tip.events.find((e: { action: string }) => e.action === 'tip.updated');
    expect(ev.after.place.estate).toBe('幸福小区');
  });

  it('extending the newsroom list changes what new tips are read as', async () => {
    const text = '翠湖名苑8号楼楼道灯坏了，晚上黑灯瞎火。';
    const before = await tipBuilder(h.deps, { body: text });
    expect((await api.get(`/api/tips/${before.id}`, s.editor.auth)).body.tip.place.estate).toBeNull();

    expect((await api.post('/api/places', s.reporter.auth, { name: '翠湖名苑', kind: 'estate' })).status).toBe(403);
    const add = await api.post('/api/places', s.editor.auth, { name: '翠湖名苑', kind: 'estate', aliases: ['翠湖'], community: '柳航里社区' });
    expect(add.status).toBe(201);
    expect((await api.post('/api/places', s.editor.auth, { name: '翠湖名苑', kind: 'estate' })).status).toBe(409);
    const listed = (await api.get('/api/places', s.editor.auth)).body.places;
    expect(listed.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['翠湖名苑', '柳航里']));

    const after = await tipBuilder(h.deps, { body: text });
    expect((await api.get(`/api/tips/${after.id}`, s.editor.auth)).body.tip.place).toMatchObject({ estate: '翠湖名苑', building: '8' });

    expect((await api.del(`/api/places/${add.body.place.id}`, s.admin.auth)).status).toBe(204);
    const gone = await tipBuilder(h.deps, { body: text });
    expect((await api.get(`/api/tips/${gone.id}`, s.editor.auth)).body.tip.place.estate).toBeNull();
  });
});

describe('the suggestion learns from editors', () => {
  it('retraining on filed tips changes the suggestion, and the editor still decides', async () => {
    // No phrase rule matches the probe: before any training there is no suggestion.
    const probe = '那架无人机今天下午又在头顶上转悠';
    const first = await tipBuilder(h.deps, { body: probe });
    const firstRow = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: first.id } });
    expect(firstRow.suggestionModelVersion).toBeNull();
    expect(firstRow.suggestedCategory).toBeNull();

    const filed: [string, string][] = [];
    for (let i = 0; i < 8; i++) filed.push([`对门邻居第${i + 1}回在楼顶放无人机，下午一直在头顶上转悠`, 'neighborhood']);
    for (let i = 0; i < 4; i++) filed.push([`家里第${i + 1}个水龙头坏了，自己修不好`, 'household']);
    for (let i = 0; i < 4; i++) filed.push([`社区第${i + 1}期义诊活动在活动室举行`, 'community']);
    for (const [body, category] of filed) {
      const t = await tipBuilder(h.deps, { body });
      const r = await api.patch(`/api/tips/${t.id}`, s.editor.auth, { version: t.version, category });
      expect(r.status).toBe(200);
    }
    const run = await runLanguageMaintenance(h.deps);
    expect(run.trained).toBe(true);
    expect(run.counted).toBeGreaterThan(0);
    expect(await h.deps.prisma.wordDf.count()).toBeGreaterThan(0);

    const second = await tipBuilder(h.deps, { body: probe });
    const row = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: second.id } });
    expect(row.suggestedCategory).toBe('NEIGHBORHOOD');
    expect(row.suggestionModelVersion).not.toBeNull();

    // The editor's choice wins; the audit keeps the suggestion beside it.
    const r = await api.patch(`/api/tips/${second.id}`, s.editor.auth, { version: second.version, category: 'community' });
    expect(r.body.tip.category).toBe('community');
    const ev = r.body.tip.events.find((e: { action: string }) => e.action === 'tip.categorized');
    expect(ev.after).toMatchObject({ category: 'community', suggestedCategory: 'neighborhood', overrodeSuggestion: true });

    // Not due again until CLASSIFIER_RETRAIN_EVERY more decisions.
    expect((await runLanguageMaintenance(h.deps)).trained).toBe(false);
  });
});
