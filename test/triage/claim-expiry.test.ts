import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { claimExpiryService, sweepClaims } from '../../src/triage/claim-expiry.service.js';
import { waitFor } from '../support/wait.js';
import { deskHarness, triagedTip, type Desk } from './helpers.js';

const HOUR = 3600_000;
let d: Desk;
let h: Desk['h'];
let smtp: Desk['smtp'];
let s: Desk['s'];
let api: Desk['api'];
// Ahead of the wall clock: rows stamped by the database's now() (intake's tip.created) sort first.
const clock = new ManualClock(new Date(Date.now() + 60_000));

beforeAll(async () => {
  d = await deskHarness({ mail: true, clock, env: { CLAIM_EXPIRY_HOURS: '72', TOKEN_TTL_HOURS: '100000' } });
  ({ h, smtp, s, api } = d);
});
afterAll(async () => d?.close());

describe('claim expiry', () => {
  it('warns the reporter a day before, and returns a quiet claimed lead to the pool after 72 h', async () => {
    const t = await triagedTip(h, s.editor.auth, { body: '新旺街道和信社区5号楼楼道灯坏了一个月，老人晚上摔倒了。' });
    const start = clock.now().getTime();
    expect((await api.post(`/api/tips/${t.id}/claim`, s.reporter.auth)).status).toBe(200);

    clock.set(new Date(start + 47 * HOUR));
    expect(await sweepClaims(h.deps)).toEqual({ returned: 0, warned: 0 });

    clock.set(new Date(start + 49 * HOUR));
    expect(await sweepClaims(h.deps)).toEqual({ returned: 0, warned: 1 });
    expect(await sweepClaims(h.deps)).toEqual({ returned: 0, warned: 0 });
    const warning = await waitFor(async () => smtp.received.find((m) => m.envelopeTo.includes(s.reporter.user.email)), 30_000, 'the warning email');
    expect(warning.parsed.subject).toContain(t.reference);
    expect(warning.parsed.text).toContain(`https://tips.example-paper.cn/#/tips/${t.id}`);
    expect((await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: t.id } })).claimWarnedAt).toEqual(new Date(start + 49 * HOUR));

    // A note is activity: the clock starts again, and a new quiet spell earns a new warning.
    clock.set(new Date(start + 50 * HOUR));
    expect((await api.post(`/api/tips/${t.id}/notes`, s.reporter.auth, { body: '约了周六去现场。' })).status).toBe(201);
    clock.set(new Date(start + 73 * HOUR));
    expect(await sweepClaims(h.deps)).toEqual({ returned: 0, warned: 0 });
    clock.set(new Date(start + 99 * HOUR));
    expect(await sweepClaims(h.deps)).toEqual({ returned: 0, warned: 1 });

    clock.set(new Date(start + 123 * HOUR));
    expect(await sweepClaims(h.deps)).toEqual({ returned: 1, warned: 0 });
    const row = await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: t.id } });
    expect(row).toMatchObject({ status: 'TRIAGED', assigneeId: null, claimedAt: null, returnedToPoolAt: new Date(start + 123 * HOUR) });

    // The editor sees it back in the list, marked; the trail says why.
    const list = await api.get('/api/tips?status=TRIAGED', s.editor.auth);
    expect(list.body.tips.find((x: { id: string }) => x.id === t.id)).toMatchObject({
      returnedToPoolAt: new Date(start + 123 * HOUR).toISOString(),
      assignee: null,
    });
    expect((await api.get('/api/stats', s.editor.auth)).body.returnedToPool).toBe(1);
    const events = (await api.get(`/api/tips/${t.id}/events`, s.editor.auth)).body.events.map((e: { action: string }) => e.action);
    expect(events.slice(-3)).toEqual(['note.added', 'claim.expiry_warned', 'claim.expired']);
    expect((await api.get('/api/leads', s.reporter.auth)).body.pool.map((x: { id: string }) => x.id)).toContain(t.id);

    // Claimed again, the flag clears.
    const again = await api.post(`/api/tips/${t.id}/claim`, s.reporter2.auth);
    expect(again.body.tip).toMatchObject({ status: 'CLAIMED', returnedToPoolAt: null });
  });

  it('leaves assigned-but-unclaimed leads alone and runs as a worker service', async () => {
    const assigned = await triagedTip(h, s.editor.auth);
    await api.post(`/api/tips/${assigned.id}/assign`, s.editor.auth, { reporterId: s.reporter.user.id });
    const claimed = await triagedTip(h, s.editor.auth);
    await api.post(`/api/tips/${claimed.id}/claim`, s.reporter2.auth);
    const service = claimExpiryService(h.deps, { intervalMs: 50 });
    await service.start();
    try {
      clock.advance(80 * HOUR);
      await waitFor(async () => (await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: claimed.id } })).status === 'TRIAGED');
    } finally {
      await service.stop();
    }
    expect((await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: assigned.id } })).status).toBe('ASSIGNED');
  });
});
