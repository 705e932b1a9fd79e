import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tipBuilder } from '../support/builders.js';
import { deskHarness, triagedTip, type Desk } from './helpers.js';

// Undoing a dismissal (the bulk dismiss toast's undo): each tip gets back the status it had,
// audited, within a minute; PATCH alone could only reopen it as TRIAGED.

let d: Desk;
beforeAll(async () => {
  d = await deskHarness();
});
afterAll(async () => d?.close());

async function dismiss(id: string) {
  const tip = await d.h.deps.prisma.tip.findUniqueOrThrow({ where: { id } });
  const res = await d.api.patch(`/api/tips/${id}`, d.s.editor.auth, { version: tip.version, status: 'DISMISSED' });
  expect(res.status).toBe(200);
  return res.body.tip as { id: string; version: number; status: string };
}

describe('POST /api/tips/:id/undismiss', () => {
  it('restores NEW and ASSIGNED (with the assignee), audited as tip.undismissed', async () => {
    const fresh = await tipBuilder(d.h.deps, { body: '平城区新建北路的路灯坏了一排。' });
    const assigned = await triagedTip(d.h, d.s.editor.auth, { body: '大齿社区的垃圾站三天没清运。' });
    expect((await d.api.post(`/api/tips/${assigned.id}/assign`, d.s.editor.auth, { reporterId: d.s.reporter.user.id })).status).toBe(200);

    for (const [id, was] of [
      [fresh.id, 'NEW'],
      [assigned.id, 'ASSIGNED'],
    ] as const) {
      const dismissed = await dismiss(id);
      const res = await d.api.post(`/api/tips/${id}/undismiss`, d.s.editor.auth, { version: dismissed.version });
      expect(res.status).toBe(200);
      expect(res.body.tip.status).toBe(was);
      const row = await d.h.deps.prisma.tip.findUniqueOrThrow({ where: { id } });
      expect(row.status).toBe(was);
      if (was === 'ASSIGNED') expect(row.assigneeId).toBe(d.s.reporter.user.id);
      const last = await d.h.deps.prisma.auditEvent.findFirstOrThrow({ where: { tipId: id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
      expect(last).toMatchObject({ action: 'tip.undismissed', actorId: d.s.editor.user.id, before: { status: 'DISMISSED' }, after: { status: was } });
    }
  });

  it('refuses a tip that is not dismissed, a stale version, reporters, and a dismissal older than a minute', async () => {
    const tip = await tipBuilder(d.h.deps, { body: '永泰街道的井盖松动了。' });
    const notDismissed = await d.api.post(`/api/tips/${tip.id}/undismiss`, d.s.editor.auth, {});
    expect(notDismissed.status).toBe(409);
    expect(notDismissed.body.error.details.reason).toBe('not_dismissed');

    const dismissed = await dismiss(tip.id);
    expect((await d.api.post(`/api/tips/${tip.id}/undismiss`, d.s.editor.auth, { version: dismissed.version - 1 })).status).toBe(409);
    expect((await d.api.post(`/api/tips/${tip.id}/undismiss`, d.s.reporter.auth, {})).status).toBe(403);

    await d.h.deps.prisma.auditEvent.updateMany({
      where: { tipId: tip.id, action: 'tip.status_changed' },
      data: { createdAt: new Date(d.h.deps.clock.now().getTime() - 120_000) },
    });
    const late = await d.api.post(`/api/tips/${tip.id}/undismiss`, d.s.editor.auth, {});
    expect(late.status).toBe(409);
    expect(late.body.error.details.reason).toBe('undo_window_passed');
    expect((await d.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id } })).status).toBe('DISMISSED');
  });
});
