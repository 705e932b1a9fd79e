import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { scheduleRetention } from '../../src/privacy/retention-schedule.js';
import { RETENTION_JOB } from '../../src/queue/kinds.js';
import { waitFor } from '../support/wait.js';
import { staff } from '../triage/helpers.js';
import { pgDump, phone, sendEmail, sendSms, settled, startPrivacyRig, uniq, type PrivacyRig } from './support.js';

// CONTACT_RETENTION_DAYS with the clock injected: nothing is erased a day before the period
// ends, everything of closed tips a day after; open tips and their tipsters are untouched.

const DAY = 86_400_000;
const clock = new ManualClock(new Date());
const start = clock.now();
let rig: PrivacyRig;

beforeAll(async () => {
  rig = await startPrivacyRig({ clock, env: { CONTACT_RETENTION_DAYS: '30' } });
});
afterAll(async () => {
  await rig?.close();
});

/** Moves the clock; tokens are checked against it, so the staff log in again. */
async function moveClock(to: Date) {
  clock.set(to);
  rig.users = await staff(rig.h);
}

async function dismiss(tipId: string) {
  const tip = await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tipId } });
  const res = await rig.api.patch(`/api/tips/${tipId}`, rig.users.editor.auth, { version: tip.version, status: 'DISMISSED' });
  expect(res.status).toBe(200);
}

// The webhook stores the submission; its normalize job makes the tip, so wait for the link.
const tipOfSms = (sid: string) =>
  waitFor(
    async () => (await rig.h.deps.prisma.submission.findUniqueOrThrow({ where: { channel_externalId: { channel: 'SMS', externalId: sid } } })).tipId,
    10_000,
    'the text’s tip',
  );

describe('retention', () => {
  const a = phone();
  const b = phone();
  const optedOut = phone();
  const c = `old.tipster.${uniq()}@163.com`;
  let a1: string, b1: string, b2: string, c1: string;

  it('sets up: closed tips of three tipsters, one of whom has an open tip too, and an opted-out number', async () => {
    a1 = await tipOfSms((await sendSms(rig, a, '大同一中门口的井盖丢了，晚上很危险。')).sid);
    await settled(rig);
    expect((await rig.api.post(`/api/tips/${a1}/reply`, rig.users.editor.auth, { body: '谢谢，已转市政。' })).status).toBe(201);
    await settled(rig);
    await dismiss(a1);

    b1 = await tipOfSms((await sendSms(rig, b, '邻居家狗每天半夜叫。')).sid);
    await settled(rig);
    await dismiss(b1);
    b2 = await tipOfSms((await sendSms(rig, b, '小区门口新开的超市占道经营。')).sid);
    expect(b2).not.toBe(b1);

    await sendEmail(rig, c, '魏都大道辅路上的共享单车堆成山了。');
    await settled(rig);
    c1 = (await rig.h.deps.prisma.tip.findFirstOrThrow({ where: { tipster: { email: c } } })).id;
    await dismiss(c1);

    expect((await sendSms(rig, optedOut, '退订')).status).toBe(200);
    await settled(rig);
  });

  it('erases nothing while the period has not passed', async () => {
    await moveClock(new Date(start.getTime() + 29 * DAY));
    const res = await rig.api.post('/api/admin/retention/run', rig.users.admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.erased).toEqual({
      tipsters: 0,
      submissions: 0,
      messages: 0,
      texts: 0,
      jobs: 0,
      tips: 0,
      orphanSubmissions: 0,
      tiplessTipsters: 0,
    });
    expect(res.body.cutoff).toBe(new Date(start.getTime() - DAY).toISOString());
  });

  it('the daily run, queued once per day and run by the worker with the injected clock, erases closed tips’ contacts', async () => {
    await moveClock(new Date(start.getTime() + 31 * DAY));
    expect(await scheduleRetention(rig.h.deps)).toBe(true);
    expect(await scheduleRetention(rig.h.deps)).toBe(false);
    const job = await waitFor(
      () => rig.h.deps.prisma.job.findFirst({ where: { kind: RETENTION_JOB, state: { in: ['COMPLETED', 'DEAD'] } } }),
      20_000,
      'retention job done',
    );
    expect(job.state).toBe('COMPLETED');
    const run = await rig.h.deps.prisma.auditEvent.findFirstOrThrow({ where: { action: 'retention.run' }, orderBy: { createdAt: 'desc' } });
    const counts = (run.after as { counts: Record<string, number> }).counts;
    expect(counts).toMatchObject({ tipsters: 2, tips: 3, orphanSubmissions: 1, tiplessTipsters: 0 });
    expect(counts.submissions).toBeGreaterThanOrEqual(3);
    expect(counts.messages).toBeGreaterThanOrEqual(2);

    const p = rig.h.deps.prisma;
    // A and C are gone; B keeps their row (an open tip) but not the closed tip's submission.
    expect(await p.tipster.count({ where: { phone: a } })).toBe(0);
    expect(await p.tipster.count({ where: { email: c } })).toBe(0);
    expect(await p.tipster.count({ where: { phone: b } })).toBe(1);
    const b1Subs = await p.submission.findMany({ where: { tipId: b1 } });
    expect(b1Subs.every((s) => s.params === null && s.sender === null)).toBe(true);
    const b2Subs = await p.submission.findMany({ where: { tipId: b2 } });
    expect(b2Subs.every((s) => s.sender === b)).toBe(true);
    // The opted-out number keeps its row (so it is never texted), its keyword submission goes.
    expect(await p.tipster.count({ where: { phone: optedOut, smsOptOut: true } })).toBe(1);
    expect(await p.submission.count({ where: { sender: optedOut } })).toBe(0);
    // Stories stay; the tips say when their contacts went.
    for (const id of [a1, b1, c1]) {
      const t = await p.tip.findUniqueOrThrow({ where: { id }, include: { messages: true } });
      expect(t.body.length).toBeGreaterThan(0);
      expect(t.contactErasedAt?.toISOString()).toBe(clock.now().toISOString());
      expect(t.messages.every((m) => m.toAddress === null)).toBe(true);
    }
    expect((await p.tip.findUniqueOrThrow({ where: { id: b2 } })).contactErasedAt).toBeNull();

    const dump = await pgDump(rig.h.db.url);
    expect(dump.includes(a.slice(3))).toBe(false);
    expect(dump.includes(c)).toBe(false);
    expect(dump.includes(b.slice(3))).toBe(true);
  });

  it('a second run finds nothing more; only admins may run it', async () => {
    const res = await rig.api.post('/api/admin/retention/run', rig.users.admin.auth);
    expect(res.body.erased).toMatchObject({ tipsters: 0, submissions: 0, tips: 0 });
    expect((await rig.api.post('/api/admin/retention/run', rig.users.editor.auth)).status).toBe(403);
  });

  it('reopening a dismissed tip clears its closing date (retention counts from the next closing)', async () => {
    const d = phone();
    const d1 = await tipOfSms((await sendSms(rig, d, '鼓楼东街的排水沟堵了。')).sid);
    await settled(rig);
    await dismiss(d1);
    const closed = (await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: d1 } })).closedAt;
    expect(closed).not.toBeNull();
    const t = await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: d1 } });
    expect((await rig.api.patch(`/api/tips/${d1}`, rig.users.editor.auth, { version: t.version, status: 'TRIAGED' })).status).toBe(200);
    expect((await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: d1 } })).closedAt).toBeNull();
  });
});
