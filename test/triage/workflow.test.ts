import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TipDetailSchema } from '../../src/triage/triage.schema.js';
import { tipBuilder, userWithToken } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { deskHarness, manyReporters, triagedTip, type Desk } from './helpers.js';

let d: Desk;
let h: Desk['h'];
let smtp: Desk['smtp'];
let s: Desk['s'];
let api: Desk['api'];

beforeAll(async () => {
  d = await deskHarness({ mail: true });
  ({ h, smtp, s, api } = d);
});
afterAll(async () => d?.close());

describe('state machine', () => {
  it('moves a tip NEW -> TRIAGED -> ASSIGNED -> CLAIMED -> IN_PROGRESS -> PUBLISHED and records each step', async () => {
    const tip = await tipBuilder(h.deps, { body: '永泰街道柳航里小区3号楼楼道里堆满杂物，消防通道被堵住了。' });
    let r = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, category: 'neighborhood', priority: 'high' });
    expect(r.status).toBe(200);
    expect(TipDetailSchema.parse(r.body.tip)).toMatchObject({ status: 'TRIAGED', category: 'neighborhood', priority: 'high', version: 2 });

    r = await api.post(`/api/tips/${tip.id}/assign`, s.editor.auth, { reporterId: s.reporter.user.id });
    expect(r.status).toBe(200);
    expect(r.body.tip).toMatchObject({ status: 'ASSIGNED', assignee: { id: s.reporter.user.id } });

    r = await api.post(`/api/tips/${tip.id}/claim`, s.reporter.auth);
    expect(r.status).toBe(200);
    expect(r.body.tip.status).toBe('CLAIMED');
    expect(r.body.tip.allowedTransitions).toEqual(expect.arrayContaining(['IN_PROGRESS', 'PUBLISHED']));

    r = await api.patch(`/api/tips/${tip.id}`, s.reporter.auth, { version: r.body.tip.version, status: 'IN_PROGRESS' });
    expect(r.status).toBe(200);
    r = await api.patch(`/api/tips/${tip.id}`, s.reporter.auth, { version: r.body.tip.version, status: 'PUBLISHED' });
    expect(r.status).toBe(200);
    expect(r.body.tip.status).toBe('PUBLISHED');

    const events = (await api.get(`/api/tips/${tip.id}/events`, s.editor.auth)).body.events as {
      action: string;
      actor: { id: string } | null;
      before: any;
      after: any;
    }[];
    expect(events.map((e) => e.action)).toEqual([
      'tip.created',
      'tip.categorized',
      'tip.assigned',
      'tip.claimed',
      'tip.status_changed',
      'tip.status_changed',
    ]);
    expect(events[1]).toMatchObject({
      actor: { id: s.editor.user.id },
      before: { status: 'NEW', category: null },
      after: { status: 'TRIAGED', category: 'neighborhood' },
    });
    expect(events.at(-1)).toMatchObject({ actor: { id: s.reporter.user.id }, before: { status: 'IN_PROGRESS' }, after: { status: 'PUBLISHED' } });
  });

  it('answers an illegal transition with 409 listing the allowed ones', async () => {
    const tip = await tipBuilder(h.deps);
    const r = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, status: 'PUBLISHED' });
    expect(r.status).toBe(409);
    expect(r.body.error.details).toMatchObject({ reason: 'illegal_transition', from: 'NEW', to: 'PUBLISHED', allowed: ['TRIAGED', 'DISMISSED'] });
    expect(r.body.error.message).toContain('TRIAGED, DISMISSED');
    // MERGED only through the merge endpoint, CLAIMED only through claim.
    expect((await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, status: 'MERGED' })).status).toBe(409);
    expect((await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, status: 'CLAIMED' })).status).toBe(409);
    // A NEW tip is not in the pool yet.
    const claim = await api.post(`/api/tips/${tip.id}/claim`, s.reporter.auth);
    expect(claim.status).toBe(409);
    expect(claim.body.error.details.allowed).toEqual(['TRIAGED', 'DISMISSED']);
  });

  it('dismisses from any open state, reopens a dismissed tip to the pool, and keeps PUBLISHED final', async () => {
    const t = await triagedTip(h, s.editor.auth);
    let r = await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: s.reporter2.user.id });
    r = await api.patch(`/api/tips/${t.id}`, s.editor.auth, { version: r.body.tip.version, status: 'DISMISSED' });
    expect(r.body.tip).toMatchObject({ status: 'DISMISSED' });
    r = await api.patch(`/api/tips/${t.id}`, s.editor.auth, { version: r.body.tip.version, status: 'TRIAGED' });
    expect(r.body.tip).toMatchObject({ status: 'TRIAGED', assignee: null });

    const p = await triagedTip(h, s.editor.auth);
    r = await api.post(`/api/tips/${p.id}/claim`, s.reporter.auth);
    r = await api.patch(`/api/tips/${p.id}`, s.reporter.auth, { version: r.body.tip.version, status: 'PUBLISHED' });
    expect(r.status).toBe(200);
    r = await api.patch(`/api/tips/${p.id}`, s.editor.auth, { version: r.body.tip.version, status: 'TRIAGED' });
    expect(r.status).toBe(409);
    expect(r.body.error.details.allowed).toEqual([]);
  });

  it('lets the editor override the suggestion and records both in the audit trail', async () => {
    const tip = await tipBuilder(h.deps, { body: '大齿社区卫生服务站周六上午为65岁以上老人免费体检，欢迎居民参加义诊活动。' });
    expect(tip.suggestedCategory).toBe('COMMUNITY');
    const r = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, category: 'household' });
    expect(r.body.tip).toMatchObject({ category: 'household', suggestedCategory: 'community', status: 'TRIAGED' });
    const ev = (await api.get(`/api/tips/${tip.id}/events`, s.editor.auth)).body.events.at(-1);
    expect(ev).toMatchObject({
      action: 'tip.categorized',
      after: { category: 'household', suggestedCategory: 'community', overrodeSuggestion: true },
    });
  });
});

describe('optimistic concurrency', () => {
  it('gives exactly one of two concurrent edits of the same version a 409', async () => {
    const tip = await tipBuilder(h.deps);
    const [a, b] = await Promise.all([
      api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, priority: 'urgent' }),
      api.patch(`/api/tips/${tip.id}`, s.admin.auth, { version: 1, priority: 'low' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.details).toMatchObject({ reason: 'stale_version', currentVersion: 2 });
    const winner = a.status === 200 ? a : b;
    const now = await api.get(`/api/tips/${tip.id}`, s.editor.auth);
    expect(now.body.tip.priority).toBe(winner.body.tip.priority);
    expect(now.body.tip.version).toBe(2);
  });

  it('accepts If-Match instead of version; 428 without either; 400 when they disagree', async () => {
    const tip = await tipBuilder(h.deps);
    expect((await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { title: '楼道堆物' })).status).toBe(428);
    expect((await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 2, title: 'x' }, { 'if-match': '"1"' })).status).toBe(400);
    const ok = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { title: '楼道堆物' }, { 'if-match': '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.body.tip).toMatchObject({ title: '楼道堆物', version: 2 });
    expect((await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { title: 'again' }, { 'if-match': '1' })).status).toBe(409);
  });

  it('names the bad fields in a 400 and answers 404 for an unknown tip', async () => {
    const tip = await tipBuilder(h.deps);
    const bad = await api.patch(`/api/tips/${tip.id}`, s.editor.auth, { version: 1, category: 'sports', priority: 'meh' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['category', 'priority']);
    expect((await api.get('/api/tips/00000000-0000-4000-8000-000000000000', s.editor.auth)).status).toBe(404);
    expect((await api.get('/api/tips/not-a-uuid', s.editor.auth)).status).toBe(400);
  });
});

describe('claims', () => {
  it('lets exactly one of 20 reporters claiming at once win; the others get 409', async () => {
    const reporters = await manyReporters(h, 20);
    const tip = await triagedTip(h, s.editor.auth);
    const results = await Promise.all(reporters.map((r) => api.post(`/api/tips/${tip.id}/claim`, r.auth)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    const winnerIdx = results.findIndex((r) => r.status === 200);
    const row = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id } });
    expect(row).toMatchObject({ status: 'CLAIMED', assigneeId: reporters[winnerIdx].user.id });
    expect(await h.deps.prisma.auditEvent.count({ where: { tipId: tip.id, action: 'tip.claimed' } })).toBe(1);
    expect(results.find((r) => r.status === 409)!.body.error.details.reason).toBe('already_claimed');
  });

  it('lets a reporter claim only pool leads or leads assigned to them, and release their own', async () => {
    const t = await triagedTip(h, s.editor.auth);
    await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: s.reporter.user.id });
    const other = await api.post(`/api/tips/${t.id}/claim`, s.reporter2.auth);
    expect(other.status).toBe(409);
    expect(other.body.error.details.reason).toBe('already_assigned');
    expect((await api.post(`/api/tips/${t.id}/claim`, s.reporter.auth)).status).toBe(200);
    // Claiming twice is harmless.
    expect((await api.post(`/api/tips/${t.id}/claim`, s.reporter.auth)).status).toBe(200);
    expect((await api.post(`/api/tips/${t.id}/release`, s.reporter2.auth)).status).toBe(403);
    const rel = await api.post(`/api/tips/${t.id}/release`, s.reporter.auth);
    expect(rel.status).toBe(200);
    expect(rel.body.tip).toMatchObject({ status: 'TRIAGED', assignee: null, claimedAt: null });
    expect((await api.post(`/api/tips/${t.id}/release`, s.reporter.auth)).status).toBe(403);
    expect((await api.post(`/api/tips/${t.id}/release`, s.editor.auth)).status).toBe(409);
  });

  it('keeps reporters from categorizing, prioritizing, assigning and merging', async () => {
    const t = await triagedTip(h, s.editor.auth);
    const claimed = await api.post(`/api/tips/${t.id}/claim`, s.reporter.auth);
    const v = claimed.body.tip.version;
    expect((await api.patch(`/api/tips/${t.id}`, s.reporter.auth, { version: v, category: 'community' })).status).toBe(403);
    expect((await api.patch(`/api/tips/${t.id}`, s.reporter.auth, { version: v, priority: 'urgent' })).status).toBe(403);
    expect((await api.post(`/api/tips/${t.id}/assign`, s.reporter.auth, { reporterId: s.reporter2.user.id })).status).toBe(403);
    const other = await triagedTip(h, s.editor.auth);
    expect((await api.post(`/api/tips/${t.id}/merge`, s.reporter.auth, { intoId: other.id })).status).toBe(403);
    // Another reporter cannot touch this lead at all.
    expect((await api.patch(`/api/tips/${t.id}`, s.reporter2.auth, { version: v, status: 'IN_PROGRESS' })).status).toBe(403);
    expect((await api.get(`/api/tips/${t.id}`, s.reporter2.auth)).status).toBe(403);
    expect((await api.patch(`/api/tips/${t.id}`, s.reporter.auth, { version: v, location: '柳航里3号楼' })).status).toBe(200);
  });

  it('refuses to assign to someone who is not an active reporter', async () => {
    const t = await triagedTip(h, s.editor.auth);
    const r = await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: s.editor.user.id });
    expect(r.status).toBe(400);
    expect(r.body.error.details.fields[0].field).toBe('reporterId');
  });

  it('lists my leads and the pool for a reporter', async () => {
    const mine = await triagedTip(h, s.editor.auth);
    await api.post(`/api/tips/${mine.id}/assign`, s.editor.auth, { reporterId: s.reporter2.user.id });
    const pool = await triagedTip(h, s.editor.auth);
    const r = await api.get('/api/leads', s.reporter2.auth);
    expect(r.status).toBe(200);
    expect(r.body.mine.map((t: { id: string }) => t.id)).toContain(mine.id);
    expect(r.body.pool.map((t: { id: string }) => t.id)).toContain(pool.id);
    expect(r.body.pool.map((t: { id: string }) => t.id)).not.toContain(mine.id);
    expect(r.body.pool.every((t: { status: string; assignee: unknown }) => t.status === 'TRIAGED' && t.assignee === null)).toBe(true);
  });
});

describe('assignment email', () => {
  it('emails the reporter the reference, category and a link, without the tipster contact', async () => {
    const reporter = await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'duan-yumeng');
    const t = await triagedTip(
      h,
      s.editor.auth,
      { body: '迎宾街道理想城社区楼下邻居天天深夜唱歌，噪音扰民。', phone: '+8613912345678' },
      'neighborhood',
    );
    const r = await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: reporter.user.id });
    expect(r.status).toBe(200);
    // Earlier tests' assignment emails may still be arriving: wait for this reporter's.
    const mail = await waitFor(async () => smtp.received.find((m) => m.envelopeTo.includes(reporter.user.email)), 30_000, 'the assignment email');
    expect(mail.parsed.subject).toContain(t.reference);
    expect(mail.parsed.subject).toContain('邻里事 Neighborhood');
    expect(mail.parsed.text).toContain(`https://tips.example-paper.cn/#/tips/${t.id}`);
    expect(mail.parsed.text).toContain('editor-wang');
    const raw = mail.raw.toString('utf8');
    expect(raw).toMatch(/charset=utf-8/i);
    expect(raw).not.toContain('13912345678');
    expect(mail.parsed.text).not.toContain('13912345678');
  });
});
