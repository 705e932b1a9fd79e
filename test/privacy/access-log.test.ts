import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tipBuilder } from '../support/builders.js';
import { phone, startPrivacyRig, type PrivacyRig } from './support.js';

// Who saw what: an unmasked contact in the tip view, a lookup or an export leaves a record;
// a masked view does not. Admins list the records newest first, a keyset page at a time.

let rig: PrivacyRig;
beforeAll(async () => {
  rig = await startPrivacyRig();
});
afterAll(async () => {
  await rig?.close();
});

const log = (query = '') => rig.api.get(`/api/admin/access-log${query}`, rig.users.admin.auth);

describe('access log', () => {
  it('records the tip view of a role that sees the contact, not a masked one', async () => {
    const from = phone();
    const tip = await tipBuilder(rig.h.deps, { phone: from });
    const tipster = await rig.h.deps.prisma.tipster.findUniqueOrThrow({ where: { phone: from } });

    const editorView = await rig.api.get(`/api/tips/${tip.id}`, rig.users.editor.auth);
    expect(editorView.body.tip.tipster).toMatchObject({ phone: from, masked: false });
    // A reporter sees a lead in the pool masked: nothing to record.
    const t = await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id } });
    await rig.api.patch(`/api/tips/${tip.id}`, rig.users.editor.auth, { version: t.version, category: 'household' });
    const reporterView = await rig.api.get(`/api/tips/${tip.id}`, rig.users.reporter.auth);
    expect(reporterView.body.tip.tipster.masked).toBe(true);

    const res = await log(`?tipsterId=${tipster.id}`);
    expect(res.status).toBe(200);
    expect(res.body.records).toHaveLength(1);
    expect(res.body.records[0]).toMatchObject({
      user: { id: rig.users.editor.user.id, displayName: 'editor-wang' },
      tipsterId: tipster.id,
      tip: { id: tip.id, reference: tip.reference },
      purpose: 'tip.view',
    });
    expect(JSON.stringify(res.body)).not.toContain(from.slice(3));
  });

  it('records the reporter who claimed the lead and so sees the number', async () => {
    const from = phone();
    const tip = await tipBuilder(rig.h.deps, { phone: from });
    const t = await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id } });
    await rig.api.patch(`/api/tips/${tip.id}`, rig.users.editor.auth, { version: t.version, category: 'community' });
    expect((await rig.api.post(`/api/tips/${tip.id}/claim`, rig.users.reporter2.auth)).status).toBe(200);
    const view = await rig.api.get(`/api/tips/${tip.id}`, rig.users.reporter2.auth);
    expect(view.body.tip.tipster).toMatchObject({ phone: from, masked: false });
    const tipster = await rig.h.deps.prisma.tipster.findUniqueOrThrow({ where: { phone: from } });
    const res = await log(`?tipsterId=${tipster.id}`);
    expect(res.body.records.map((r: any) => [r.user.id, r.purpose])).toEqual([[rig.users.reporter2.user.id, 'tip.view']]);
  });

  it('records lookups and exports', async () => {
    const from = phone();
    await tipBuilder(rig.h.deps, { phone: from });
    const found = await rig.api.get(`/api/tipsters?contact=${encodeURIComponent(from)}`, rig.users.admin.auth);
    const id = found.body.tipsters[0].tipster.id;
    await rig.api.get(`/api/tipsters/${id}/export`, rig.users.admin.auth);
    const res = await log(`?tipsterId=${id}`);
    expect(res.body.records.map((r: any) => r.purpose)).toEqual(['tipster.export', 'tipster.lookup']);
    expect(res.body.records.every((r: any) => r.user.id === rig.users.admin.user.id)).toBe(true);
  });

  it('pages with a cursor, newest first, without gaps or repeats; admins only', async () => {
    const tip = await tipBuilder(rig.h.deps, { phone: phone() });
    for (let i = 0; i < 7; i++) await rig.api.get(`/api/tips/${tip.id}`, rig.users.editor.auth);
    const all = (await log('?limit=200')).body.records.map((r: any) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await log(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.records.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.records.map((r: any) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(all.length).toBeGreaterThanOrEqual(10);
    const ats = (await log('?limit=200')).body.records.map((r: any) => r.at);
    expect([...ats].sort().reverse()).toEqual(ats);

    expect((await rig.api.get('/api/admin/access-log', rig.users.editor.auth)).status).toBe(403);
    const bad = await log('?cursor=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0].field).toBe('cursor');
  });
});
