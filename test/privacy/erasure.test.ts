import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeSubmission } from '../../src/channels/submissions.js';
import type { Channel } from '../../src/generated/prisma/enums.js';
import { maskContact } from '../../src/logger.js';
import { createTipFromSubmission } from '../../src/tips/threading.js';
import { waitFor } from '../support/wait.js';
import { pgDump, phone, placeCall, sendEmail, sendSms, settled, startPrivacyRig, uniq, type PrivacyRig } from './support.js';

// A tipster's request: find them by any spelling of their contact, export what is held, erase
// it. After the erasure a pg_dump of the whole database must not contain the contact, per channel.

let rig: PrivacyRig;
beforeAll(async () => {
  rig = await startPrivacyRig();
});
afterAll(async () => {
  await rig?.close();
});

const national = (e164: string) => e164.replace(/^\+86/, '');
/** How a resident reads their number out: "+86 186 1234 5678". */
const spaced = (e164: string) => `+86 ${national(e164).slice(0, 3)} ${national(e164).slice(3, 7)} ${national(e164).slice(7)}`;

async function lookup(contact: string) {
  const res = await rig.api.get(`/api/tipsters?contact=${encodeURIComponent(contact)}`, rig.users.admin.auth);
  expect(res.status).toBe(200);
  return res.body as { contact: { kind: string; value: string }; tipsters: any[] };
}

/** Erases the tipster found by `contact` and checks the dump and the audit row. */
async function eraseAndCheck(contact: string, needles: string[]) {
  const found = await lookup(contact);
  expect(found.tipsters).toHaveLength(1);
  const id = found.tipsters[0].tipster.id as string;

  const before = await pgDump(rig.h.db.url);
  for (const n of needles) expect(before, `${maskContact(n)} is in the database before`).toContain(n);

  const res = await rig.api.post(`/api/tipsters/${id}/erase`, rig.users.admin.auth);
  expect(res.status).toBe(200);
  expect(res.body.erased.tipsters).toBe(1);
  expect(res.body.erased.submissions).toBeGreaterThan(0);

  const after = await pgDump(rig.h.db.url);
  for (const n of needles) expect(after.includes(n), `${maskContact(n)} still appears in pg_dump`).toBe(false);

  const audit = await rig.h.deps.prisma.auditEvent.findFirstOrThrow({ where: { action: 'tipster.erased' }, orderBy: { createdAt: 'desc' } });
  expect(audit.actorId).toBe(rig.users.admin.user.id);
  expect(audit.after).toMatchObject({ tipsterId: id, counts: res.body.erased });
  expect((await lookup(contact)).tipsters).toEqual([]);
  return { id, erased: res.body };
}

describe('tipster requests', () => {
  it('SMS: finds the tipster by any spelling, exports, erases; the number is nowhere in pg_dump; a later text opens a new tip', async () => {
    const from = phone();
    const story = `文瀛湖小区${uniq()}号楼下水道堵了一周，污水漫到单元门口。`;
    const first = await sendSms(rig, from, story);
    expect(first.status).toBe(200);
    await sendSms(rig, from, '补充：物业说要等下周。');
    await settled(rig);
    const tip = await rig.h.deps.prisma.tip.findFirstOrThrow({ where: { tipster: { phone: from } } });
    // An editor's reply (an outbound SMS with the number as its address, and its send job).
    expect((await rig.api.post(`/api/tips/${tip.id}/reply`, rig.users.editor.auth, { body: '您好，记者明天上午到现场。' })).status).toBe(201);
    await settled(rig);

    for (const spelling of [from, national(from), spaced(from), `0086${national(from)}`]) {
      const found = await lookup(spelling);
      expect(found.contact).toEqual({ kind: 'phone', value: from });
      expect(found.tipsters).toHaveLength(1);
    }
    const held = (await lookup(from)).tipsters[0];
    expect(held.tips.map((t: any) => t.id)).toEqual([tip.id]);
    expect(held.submissions).toHaveLength(2);
    expect(held.messages.filter((m: any) => m.direction === 'INBOUND')).toHaveLength(2);
    expect(held.messages.filter((m: any) => m.direction === 'OUTBOUND')).toHaveLength(1);
    expect(new Date(held.firstSeenAt).getTime()).toBeLessThanOrEqual(new Date(held.lastSeenAt).getTime());

    const exp = await rig.api.get(`/api/tipsters/${held.tipster.id}/export`, rig.users.admin.auth);
    expect(exp.status).toBe(200);
    expect(exp.headers.get('content-disposition')).toContain('attachment');
    expect(exp.body.tipster.phone).toBe(from);
    expect(exp.body.submissions[0].params.From).toBe(from);

    await eraseAndCheck(spaced(from), [from, national(from)]);

    // The story, its thread and history stay.
    const kept = await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id }, include: { messages: true } });
    expect(kept.body).toBe(story);
    expect(kept.tipsterId).toBeNull();
    expect(kept.contactErasedAt).not.toBeNull();
    expect(kept.messages).toHaveLength(3);
    const events = await rig.api.get(`/api/tips/${tip.id}/events`, rig.users.editor.auth);
    expect(events.body.events.map((e: any) => e.action)).toContain('contact.erased');

    // The same number writes again: a new tipster and a new tip, not the erased one's thread.
    const again = await sendSms(rig, from, '又堵了，请再来看看。');
    expect(again.status).toBe(200);
    await settled(rig);
    const tips = await rig.h.deps.prisma.tip.findMany({ where: { tipster: { phone: from } } });
    expect(tips).toHaveLength(1);
    expect(tips[0].id).not.toBe(tip.id);
  });

  it('email: the address is gone from raw bytes, sender, acknowledgement and its send job', async () => {
    const address = `Resident.${uniq()}@163.com`;
    const story = `平城区南关${uniq()}巷的路灯坏了半个月，晚上漆黑一片。`;
    await sendEmail(rig, address, story, { fromName: '王女士' });
    await settled(rig);
    await waitFor(async () => rig.smtp.received.some((m) => m.envelopeTo.includes(address.toLowerCase())), 15_000, 'acknowledgement sent');
    const tip = await rig.h.deps.prisma.tip.findFirstOrThrow({ where: { tipster: { email: address.toLowerCase() } } });

    const held = (await lookup(address.toUpperCase())).tipsters[0];
    expect(held.tipster.displayName).toBe('王女士');
    expect(held.messages.map((m: any) => m.kind).sort()).toEqual(['acknowledgement', 'message']);
    const exp = await rig.api.get(`/api/tipsters/${held.tipster.id}/export`, rig.users.admin.auth);
    expect(Buffer.from(exp.body.submissions[0].raw, 'base64').toString('utf8')).toContain(address);

    const { erased } = await eraseAndCheck(address, [address, address.toLowerCase()]);
    expect(erased.kinds.sort()).toEqual(['email', 'name']);
    const dump = await pgDump(rig.h.db.url);
    expect(dump).not.toContain('王女士');
    expect((await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id } })).body).toBe(story);
  });

  it('voice: the caller number is gone from every callback, the tipster and the acknowledgement SMS', async () => {
    const from = phone();
    await placeCall(rig, from, 'The lift in building 5 of Yuhe community has been stuck for three days.');
    await settled(rig);
    const tip = await rig.h.deps.prisma.tip.findFirstOrThrow({ where: { tipster: { phone: from } }, include: { attachments: true } });
    expect(tip.attachments.some((a) => a.state === 'STORED')).toBe(true);

    const held = (await lookup(national(from))).tipsters[0];
    expect(held.submissions.length).toBeGreaterThanOrEqual(3);

    await eraseAndCheck(from, [from, national(from)]);
    const kept = await rig.h.deps.prisma.tip.findUniqueOrThrow({ where: { id: tip.id }, include: { attachments: { include: { blob: true } } } });
    expect(kept.body).toContain('Yuhe community');
    expect(kept.attachments.find((a) => a.state === 'STORED')?.blob?.data.length).toBeGreaterThan(0);
  });

  it('a number typed into the story of an erased tipster’s tip is replaced, the rest of the story stays', async () => {
    const from = phone();
    await sendSms(rig, from, `请回电 ${national(from)}，楼顶防水层坏了。`);
    await settled(rig);
    await eraseAndCheck(from, [national(from)]);
    const tip = await rig.h.deps.prisma.tip.findFirstOrThrow({ where: { body: { contains: '楼顶防水层坏了' } } });
    expect(tip.body).toBe('请回电 [erased]，楼顶防水层坏了。');
  });

  // WeChat, the SMS gateway and the web form are built elsewhere; they store submissions with a
  // sender, tipsters with a contact and outbound addresses like the channels above. Stored here
  // the way those channels will store them, the erasure must cover them without knowing them.
  it.each([
    [
      'WECHAT',
      'openid',
      `oX7Zp0${uniq()}${uniq()}Qw_-9aB`,
      (c: string) => ({ ToUserName: 'gh_3f2a', FromUserName: c, MsgType: 'text', Content: '社区门口有人乱倒垃圾' }),
    ],
    [
      'SMS_GATEWAY',
      'phone',
      `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
      (c: string) => ({ phoneNumber: c, message: '社区门口有人乱倒垃圾', simNumber: 1 }),
    ],
    ['WEB', 'email', `web.${uniq()}@qq.com`, (c: string) => ({ email: c, name: '刘先生', story: '社区门口有人乱倒垃圾' })],
  ] as const)('%s (generic): a %s stored by a channel added later is erased too', async (channel, kind, contact, params) => {
    const p = rig.h.deps.prisma;
    const tipster = await p.tipster.create({
      data: kind === 'openid' ? { wechatOpenId: contact } : kind === 'phone' ? { phone: contact } : { email: contact, displayName: '刘先生' },
    });
    const sub = await storeSubmission(p, {
      channel: channel as Channel,
      externalId: `ext-${uniq()}`,
      params: params(contact),
      sender: contact,
      state: 'PROCESSED',
    });
    await p.$transaction(async (tx) => {
      const { tip } = await createTipFromSubmission(tx, {
        channel: channel as Channel,
        body: '社区门口有人乱倒垃圾',
        tipsterId: tipster.id,
        submissionId: sub.id,
        receivedAt: new Date(),
        timeZone: 'Asia/Shanghai',
      });
      await tx.submission.update({ where: { id: sub.id }, data: { tipId: tip.id } });
      await tx.message.create({
        data: {
          tipId: tip.id,
          direction: 'OUTBOUND',
          channel: channel as Channel,
          body: '收到，谢谢。',
          toAddress: contact,
          deliveryState: 'FAILED',
          deliveryError: `rejected: ${contact}`,
        },
      });
    });
    await settled(rig);
    const spelling = kind === 'phone' ? `+86 ${contact}` : contact;
    await eraseAndCheck(spelling, [contact]);
  });

  it('an erasure while the same number keeps texting: every webhook answers 200, nothing is lost or doubled', async () => {
    const from = phone();
    await sendSms(rig, from, '福泉小区停水两天了。');
    await settled(rig);
    const id = (await lookup(from)).tipsters[0].tipster.id as string;
    const texts = Array.from({ length: 12 }, (_, i) => `停水第${i + 3}天，还没有来水。`);
    const [answers, erased] = await Promise.all([
      Promise.all(texts.map(async (t, i) => (await new Promise((r) => setTimeout(r, i * 15)), sendSms(rig, from, t)))),
      rig.api.post(`/api/tipsters/${id}/erase`, rig.users.admin.auth),
    ]);
    expect(erased.status).toBe(200);
    expect(answers.map((a) => a.status)).toEqual(texts.map(() => 200));
    await settled(rig);
    const subs = await rig.h.deps.prisma.submission.findMany({ where: { externalId: { in: answers.map((a) => a.sid) } } });
    expect(subs).toHaveLength(texts.length);
    expect(subs.every((s) => s.state === 'PROCESSED' && s.tipId)).toBe(true);
    expect(await rig.h.deps.prisma.message.count({ where: { submissionId: { in: subs.map((s) => s.id) } } })).toBe(texts.length);
  });

  it('only admins may look up, export or erase; unknown ids are 404; a bad contact is 400', async () => {
    expect((await rig.api.get('/api/tipsters?contact=18612345678', rig.users.editor.auth)).status).toBe(403);
    expect((await rig.api.post(`/api/tipsters/${crypto.randomUUID()}/erase`, rig.users.editor.auth)).status).toBe(403);
    expect((await rig.api.post(`/api/tipsters/${crypto.randomUUID()}/erase`, rig.users.admin.auth)).status).toBe(404);
    expect((await rig.api.get(`/api/tipsters/${crypto.randomUUID()}/export`, rig.users.admin.auth)).status).toBe(404);
    const bad = await rig.api.get('/api/tipsters?contact=%E4%BD%A0%E5%A5%BD%E5%95%8A', rig.users.admin.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0].field).toBe('contact');
  });
});
