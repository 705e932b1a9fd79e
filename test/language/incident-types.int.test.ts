import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tipBuilder } from '../support/builders.js';
import { deskHarness, type Desk } from '../triage/helpers.js';

// The incident taxonomy as data: editors and admins add types and synonyms, change and
// deactivate them through /api/incident-types, and the next new tip is read with the change
// (no restart: the process's LanguageKit is rebuilt).

let d: Desk;
let h: Desk['h'];
let s: Desk['s'];
let api: Desk['api'];

beforeAll(async () => {
  d = await deskHarness();
  ({ h, s, api } = d);
});
afterAll(async () => d?.close());

/** The incident types a new tip with this text is read as. */
const typesOf = async (body: string): Promise<string[]> => {
  const t = await tipBuilder(h.deps, { body });
  return (await api.get(`/api/tips/${t.id}`, s.editor.auth)).body.tip.incidentTypes;
};
const fieldsOf = (res: { body: { error: { details: { fields: { field: string }[] } } } }) => res.body.error.details.fields.map((f) => f.field);

describe('incident types', () => {
  it('lists the shipped taxonomy with its synonyms, to editors and admins only', async () => {
    const list = await api.get('/api/incident-types', s.editor.auth);
    expect(list.status).toBe(200);
    const elevator = list.body.incidentTypes.find((t: { code: string }) => t.code === 'elevator');
    expect(elevator).toMatchObject({ label: '电梯故障', active: true });
    expect(elevator.phrases).toEqual(expect.arrayContaining(['困梯', '电梯停运']));
    expect((await api.get('/api/incident-types', s.admin.auth)).status).toBe(200);
    expect((await api.get('/api/incident-types', s.reporter.auth)).status).toBe(403);
    expect((await api.post('/api/incident-types', s.reporter.auth, { code: 'x-type', label: 'x', phrases: ['某事'] })).status).toBe(403);
    expect((await api.patch('/api/incident-types/elevator', s.reporter.auth, { label: '电梯' })).status).toBe(403);
    expect((await api.del('/api/incident-types/elevator', s.reporter.auth)).status).toBe(403);
  });

  it('rejects bad input with 400 naming the fields', async () => {
    const bad = await api.post('/api/incident-types', s.editor.auth, { code: 'Parcel Locker', label: '', phrases: [] });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(expect.arrayContaining(['code', 'label']));
    const unrecognisable = await api.post('/api/incident-types', s.editor.auth, { code: 'nothing', label: '无从识别' });
    expect(unrecognisable.status).toBe(400);
    expect(fieldsOf(unrecognisable)).toContain('phrases');
    const tooLong = await api.patch('/api/incident-types/elevator', s.editor.auth, { phrases: ['一'.repeat(21)] });
    expect(tooLong.status).toBe(400);
    expect(fieldsOf(tooLong)[0]).toMatch(/^phrases/);
    const notActive = await api.patch('/api/incident-types/elevator', s.editor.auth, { active: 'no' });
    expect(fieldsOf(notActive)).toContain('active');
    expect((await api.patch('/api/incident-types/no-such-type', s.editor.auth, { label: '没有' })).status).toBe(404);
    expect((await api.post('/api/incident-types', s.editor.auth, { code: 'elevator', label: '电梯', phrases: ['困梯'] })).status).toBe(409);
  });

  it('a new type, a changed synonym and a deactivation take effect on the next new tip, and are audited', async () => {
    const smashed = '幸福小区门口的快递柜被人砸了，玻璃碎了一地';
    const jammed = '和信小区北门的取件柜打不开，包裹取不出来好几天了';
    expect(await typesOf(smashed)).not.toContain('parcel-locker');

    const add = await api.post('/api/incident-types', s.editor.auth, {
      code: 'parcel-locker',
      label: '快递柜损坏',
      phrases: ['快递柜坏', ' 快递柜坏 '],
      subjects: ['快递柜'],
      faults: ['砸', '碎', '打不开'],
    });
    expect(add.status).toBe(201);
    expect(add.body.incidentType).toMatchObject({ code: 'parcel-locker', phrases: ['快递柜坏'], active: true });
    expect(await typesOf(smashed)).toContain('parcel-locker');
    expect(await typesOf(jammed)).not.toContain('parcel-locker');

    // 取件柜打不开 is what tipsters say too: a synonym added by an admin.
    const edit = await api.patch('/api/incident-types/parcel-locker', s.admin.auth, { phrases: ['快递柜坏', '取件柜打不开'] });
    expect(edit.status).toBe(200);
    expect(edit.body.incidentType.phrases).toEqual(['快递柜坏', '取件柜打不开']);
    expect(await typesOf(jammed)).toContain('parcel-locker');

    const off = await api.del('/api/incident-types/parcel-locker', s.editor.auth);
    expect(off.status).toBe(200);
    expect(off.body.incidentType.active).toBe(false);
    expect(await typesOf(jammed)).not.toContain('parcel-locker');
    const listed = (await api.get('/api/incident-types', s.editor.auth)).body.incidentTypes;
    expect(listed.find((t: { code: string }) => t.code === 'parcel-locker').active).toBe(false);

    expect((await api.patch('/api/incident-types/parcel-locker', s.editor.auth, { active: true })).status).toBe(200);
    expect(await typesOf(jammed)).toContain('parcel-locker');

    const trail = await h.deps.prisma.auditEvent.findMany({ where: { action: { startsWith: 'incident_type.' } }, orderBy: { createdAt: 'asc' } });
    expect(trail.map((e) => e.action)).toEqual([
      'incident_type.created',
      'incident_type.updated',
      'incident_type.deactivated',
      'incident_type.reactivated',
    ]);
    expect(trail[1]).toMatchObject({ actorId: s.admin.user.id, before: expect.objectContaining({ phrases: ['快递柜坏'] }) });
  });

  it('the OpenAPI document describes the routes', async () => {
    const doc = (await api.get('/api/openapi.json')).body;
    expect(Object.keys(doc.paths['/api/incident-types'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/api/incident-types/{code}'])).toEqual(expect.arrayContaining(['patch', 'delete']));
  });
});
