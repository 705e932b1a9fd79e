import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tipBuilder } from '../support/builders.js';
import { deskHarness, triagedTip, type Desk } from './helpers.js';

let d: Desk;
let h: Desk['h'];
let s: Desk['s'];
let api: Desk['api'];

beforeAll(async () => {
  d = await deskHarness();
  ({ h, s, api } = d);
});
afterAll(async () => d?.close());

async function sql(text: string) {
  const c = new pg.Client({ connectionString: h.deps.databaseUrl });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function attach(tipId: string, filename: string, bytes: Buffer) {
  const msg = await h.deps.prisma.message.findFirstOrThrow({ where: { tipId } });
  const a = await h.deps.prisma.attachment.create({
    data: { tipId, messageId: msg.id, filename, contentType: 'image/jpeg', size: bytes.length, blob: { create: { data: new Uint8Array(bytes) } } },
  });
  return a;
}

const SMS_TEXT = '永泰街道柳航里小区3号楼楼道里堆满了纸箱和旧家具，消防通道被堵住，物业说管不了。';
const EMAIL_TEXT = '您好！我是柳航里小区3号楼的住户。最近我们楼道里堆满了纸箱和旧家具，消防通道完全被堵住了，找物业也没用，希望记者来看看。';

describe('related tips', () => {
  it('finds the same story by another channel (similar text) and other tips of the same tipster', async () => {
    const sms = await tipBuilder(h.deps, { channel: 'SMS', body: SMS_TEXT, phone: '+8613800000001' });
    const email = await tipBuilder(h.deps, { channel: 'EMAIL', subject: '楼道堆物堵住消防通道', body: EMAIL_TEXT, email: 'liu.resident@163.com' });
    const sameTipster = await tipBuilder(h.deps, { channel: 'VOICE', body: '我想问一下大齿社区义诊是哪天？', phone: '+8613800000001' });
    const unrelated = await tipBuilder(h.deps, {
      channel: 'SMS',
      body: '大齿社区卫生服务站周六上午为65岁以上老人免费体检。',
      phone: '+8613800000002',
    });
    const r = await api.get(`/api/tips/${sms.id}/related`, s.editor.auth);
    expect(r.status).toBe(200);
    const byId = new Map(r.body.related.map((t: { id: string; reason: string; similarity: number | null }) => [t.id, t]));
    expect(byId.get(email.id)).toMatchObject({ reason: 'similar_text', channel: 'EMAIL' });
    expect((byId.get(email.id) as { similarity: number }).similarity).toBeGreaterThan(0.2);
    expect(byId.get(sameTipster.id)).toMatchObject({ reason: 'same_tipster', channel: 'VOICE' });
    expect(byId.has(unrelated.id)).toBe(false);
    expect((await api.get(`/api/tips/${sms.id}/related`, s.reporter.auth)).status).toBe(403);
  });
});

describe('merge', () => {
  it('moves thread, attachments, notes, tipster links and submissions to the survivor and deletes nothing', async () => {
    const src = await tipBuilder(h.deps, { channel: 'SMS', body: SMS_TEXT, phone: '+8613811112222' });
    const dst = await tipBuilder(h.deps, { channel: 'EMAIL', subject: '楼道堆物', body: EMAIL_TEXT, email: 'zhang@163.com' });
    const photo = await attach(src.id, '楼道.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    await api.post(`/api/tips/${src.id}/notes`, s.editor.auth, { body: '已电话联系，居民愿意接受采访。' });
    const srcMessages = await h.deps.prisma.message.findMany({ where: { tipId: src.id } });
    const srcSubmissions = await h.deps.prisma.submission.findMany({ where: { tipId: src.id } });

    const r = await api.post(`/api/tips/${src.id}/merge`, s.editor.auth, { intoId: dst.id, version: 1 });
    expect(r.status).toBe(200);
    const survivor = r.body.tip;
    expect(survivor.id).toBe(dst.id);
    expect(survivor.messages.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(srcMessages.map((m) => m.id)));
    expect(survivor.messages).toHaveLength(2);
    expect(survivor.attachments.map((a: { id: string }) => a.id)).toContain(photo.id);
    expect(survivor.notes.map((n: { body: string }) => n.body)).toContain('已电话联系，居民愿意接受采访。');
    expect(survivor.mergedFrom).toEqual([expect.objectContaining({ id: src.id, reference: src.reference, channel: 'SMS' })]);

    // The merged tip still exists, points at the survivor and keeps its own history.
    const merged = await api.get(`/api/tips/${src.id}`, s.editor.auth);
    expect(merged.body.tip).toMatchObject({ status: 'MERGED', mergedIntoId: dst.id });
    expect(merged.body.tip.events.map((e: { action: string }) => e.action)).toEqual(['tip.created', 'note.added', 'tip.merged_into']);
    expect(survivor.events.map((e: { action: string }) => e.action)).toContain('tip.merged_from');

    const links = await h.deps.prisma.tipTipster.findMany({ where: { tipId: dst.id } });
    expect(links.map((l) => l.tipsterId).sort()).toEqual([src.tipsterId, dst.tipsterId].sort());
    expect(await h.deps.prisma.tipTipster.count({ where: { tipId: src.id } })).toBe(1);
    for (const sub of srcSubmissions) expect((await h.deps.prisma.submission.findUniqueOrThrow({ where: { id: sub.id } })).tipId).toBe(dst.id);
    expect(await h.deps.prisma.attachmentBlob.count({ where: { attachmentId: photo.id } })).toBe(1);

    // The survivor is found by the merged tip's words; the merged shell is hidden from the default list.
    const found = await api.get(`/api/tips?q=${encodeURIComponent('消防通道被堵住，物业说管不了')}`, s.editor.auth);
    expect(found.body.tips.map((t: { id: string }) => t.id)).toContain(dst.id);
    expect(found.body.tips.map((t: { id: string }) => t.id)).not.toContain(src.id);
    const mergedList = await api.get('/api/tips?status=MERGED', s.editor.auth);
    expect(mergedList.body.tips.map((t: { id: string }) => t.id)).toContain(src.id);
  });

  it('refuses to merge into itself, into a merged tip, or a closed tip', async () => {
    const a = await tipBuilder(h.deps);
    const b = await tipBuilder(h.deps);
    const c = await tipBuilder(h.deps);
    expect((await api.post(`/api/tips/${a.id}/merge`, s.editor.auth, { intoId: a.id })).status).toBe(400);
    expect((await api.post(`/api/tips/${a.id}/merge`, s.editor.auth, { intoId: b.id })).status).toBe(200);
    const again = await api.post(`/api/tips/${c.id}/merge`, s.editor.auth, { intoId: a.id });
    expect(again.status).toBe(409);
    expect(again.body.error.details).toMatchObject({ reason: 'target_merged', mergedIntoId: b.id });
    expect((await api.post(`/api/tips/${a.id}/merge`, s.editor.auth, { intoId: c.id })).status).toBe(409);
    expect((await api.post(`/api/tips/${a.id}/merge`, s.editor.auth, { intoId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
  });
});

describe('unmerge', () => {
  it('puts back exactly what the merge moved, keeps what reached the survivor since, and restores the status', async () => {
    const src = await tipBuilder(h.deps, { channel: 'SMS', body: SMS_TEXT, phone: '+8613822223333' });
    const dst = await triagedTip(h, s.editor.auth, { body: '柳航里小区消防通道' });
    await api.post(`/api/tips/${src.id}/notes`, s.editor.auth, { body: '居民姓刘' });
    const srcMessages = (await h.deps.prisma.message.findMany({ where: { tipId: src.id } })).map((m) => m.id);
    const srcNotes = (await h.deps.prisma.note.findMany({ where: { tipId: src.id } })).map((n) => n.id);
    const dstBefore = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: dst.id } });
    const merged = await api.post(`/api/tips/${src.id}/merge`, s.editor.auth, { intoId: dst.id });
    expect(merged.status).toBe(200);
    // The survivor labels the merged-in message with its source and lists its tipster.
    const moved = merged.body.tip.messages.find((m: { id: string }) => m.id === srcMessages[0]);
    expect(moved.origin).toMatchObject({ tipId: src.id, reference: src.reference, tipster: { phone: '+8613822223333', masked: false } });
    expect(merged.body.tip.otherTipsters.map((t: { phone: string }) => t.phone)).toContain('+8613822223333');
    // A note written on the survivor after the merge stays there.
    await api.post(`/api/tips/${dst.id}/notes`, s.editor.auth, { body: '合并后的备注' });
    expect((await api.post(`/api/tips/${src.id}/unmerge`, s.reporter.auth)).status).toBe(403);

    const r = await api.post(`/api/tips/${src.id}/unmerge`, s.editor.auth);
    expect(r.status).toBe(200);
    expect(r.body.tip).toMatchObject({ id: src.id, status: 'NEW', mergedIntoId: null });
    expect((await h.deps.prisma.message.findMany({ where: { tipId: src.id } })).map((m) => m.id).sort()).toEqual([...srcMessages].sort());
    expect((await h.deps.prisma.note.findMany({ where: { tipId: src.id } })).map((n) => n.id)).toEqual(srcNotes);
    expect((await h.deps.prisma.note.findMany({ where: { tipId: dst.id } })).map((n) => n.body)).toEqual(['合并后的备注']);
    expect(await h.deps.prisma.tipTipster.count({ where: { tipId: dst.id, tipsterId: src.tipsterId! } })).toBe(0);
    const dstAfter = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: dst.id } });
    expect(dstAfter.searchText).toBe(dstBefore.searchText);
    expect(dstAfter.status).toBe('TRIAGED');
    const srcEvents = (await api.get(`/api/tips/${src.id}/events`, s.editor.auth)).body.events.map((e: { action: string }) => e.action);
    expect(srcEvents.slice(-2)).toEqual(['tip.merged_into', 'tip.unmerged']);
    // Twice is a conflict: it is no longer merged.
    const again = await api.post(`/api/tips/${src.id}/unmerge`, s.editor.auth);
    expect(again.status).toBe(409);
    expect(again.body.error.details.reason).toBe('not_merged');
  });
});

describe('audit rows share the change’s transaction', () => {
  it('leaves no audit row and no change when the change fails at commit', async () => {
    const tip = await tipBuilder(h.deps);
    // A deferred trigger fails the transaction at COMMIT, after the audit row was inserted.
    await sql(`
      CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$;
      CREATE CONSTRAINT TRIGGER tip_boom AFTER UPDATE ON tip DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.title = 'boom') EXECUTE FUNCTION boom();`);
    try {
      const r = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, title: 'boom' });
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
      const row = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id } });
      expect(row).toMatchObject({ version: 1, title: null });
      expect(await h.deps.prisma.auditEvent.count({ where: { tipId: tip.id, action: { not: 'tip.created' } } })).toBe(0);
      // The same change without the failure goes through with its audit row.
      const ok = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, title: '楼道堆物' });
      expect(ok.status).toBe(200);
      expect(await h.deps.prisma.auditEvent.count({ where: { tipId: tip.id, action: 'tip.updated' } })).toBe(1);
    } finally {
      await sql('DROP TRIGGER tip_boom ON tip; DROP FUNCTION boom();');
    }
  });

  it('rolls back a merge half-way: no audit row on either tip, thread still on the source', async () => {
    const src = await tipBuilder(h.deps, { body: '楼道灯坏了一个月' });
    const dst = await triagedTip(h, s.editor.auth, { body: '楼道灯不亮' });
    // Fails when the source becomes MERGED: after the survivor's audit row was written.
    await sql(`
      CREATE FUNCTION no_merge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no merge'; END $$;
      CREATE TRIGGER tip_no_merge BEFORE UPDATE ON tip FOR EACH ROW WHEN (NEW.status = 'MERGED') EXECUTE FUNCTION no_merge();`);
    try {
      const r = await api.post(`/api/tips/${src.id}/merge`, s.editor.auth, { intoId: dst.id });
      expect(r.status).toBe(500);
      expect(await h.deps.prisma.auditEvent.count({ where: { tipId: { in: [src.id, dst.id] }, action: { startsWith: 'tip.merged' } } })).toBe(0);
      expect(await h.deps.prisma.message.count({ where: { tipId: src.id } })).toBe(1);
      expect((await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: src.id } })).status).toBe('NEW');
      expect(h.logs.text).not.toContain('楼道灯');
    } finally {
      await sql('DROP TRIGGER tip_no_merge ON tip; DROP FUNCTION no_merge();');
    }
  });
});
