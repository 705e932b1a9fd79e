import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgDump, phone, placeCall, sendEmail, sendSms, settled, startPrivacyRig, uniq, type PrivacyRig } from './support.js';

// A blocked sender's messages are stored (SKIPPED, 'blocked sender'), make no tip and get no
// answer; the webhook still answers 200 so the provider does not retry.

let rig: PrivacyRig;
beforeAll(async () => {
  rig = await startPrivacyRig();
});
afterAll(async () => {
  await rig?.close();
});

async function block(contact: string) {
  const res = await rig.api.post('/api/blocks', rig.users.editor.auth, { contact });
  expect(res.status).toBe(201);
  return res.body.block as { id: string; kind: string; hint: string };
}

const submissionsFrom = (sender: string) => rig.h.deps.prisma.submission.findMany({ where: { sender }, orderBy: { receivedAt: 'asc' } });

describe('blocked senders', () => {
  it('SMS: stored as SKIPPED, no tip, an empty TwiML answer; unblocking lets the next text through', async () => {
    const from = phone();
    // Blocked in another spelling than Twilio's E.164.
    const b = await block(`${from.slice(3, 6)} ${from.slice(6, 10)} ${from.slice(10)}`);
    expect(b).toMatchObject({ kind: 'phone', hint: `${from.slice(3, 6)}****${from.slice(-4)}` });

    const res = await sendSms(rig, from, '你们报社就是骗子！！！');
    expect(res.status).toBe(200);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    await settled(rig);
    const subs = await submissionsFrom(from);
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ state: 'SKIPPED', lastError: 'blocked sender', tipId: null });
    expect(await rig.h.deps.prisma.tip.count({ where: { tipster: { phone: from } } })).toBe(0);
    expect(rig.stub.messageRequests()).toHaveLength(0);

    // Visible under intake.
    const intake = await rig.api.get('/api/submissions?state=SKIPPED', rig.users.editor.auth);
    expect(intake.body.submissions.find((s: any) => s.id === subs[0].id)).toMatchObject({ lastError: 'blocked sender' });

    expect((await rig.api.del(`/api/blocks/${b.id}`, rig.users.editor.auth)).status).toBe(204);
    const after = await sendSms(rig, from, '楼下烧烤摊油烟太大，每天到半夜。');
    expect(after.text).toContain('<Message>');
    await settled(rig);
    expect(await rig.h.deps.prisma.tip.count({ where: { tipster: { phone: from } } })).toBe(1);
  });

  it('email: stored as SKIPPED, no tip, no acknowledgement', async () => {
    const address = `angry.${uniq()}@qq.com`;
    await block(address.toUpperCase());
    const sent = rig.smtp.received.length;
    const { submissionId } = await sendEmail(rig, address, '重复骚扰邮件');
    await settled(rig);
    const sub = await rig.h.deps.prisma.submission.findUniqueOrThrow({ where: { id: submissionId } });
    expect(sub).toMatchObject({ state: 'SKIPPED', lastError: 'blocked sender', tipId: null });
    expect(await rig.h.deps.prisma.message.count({ where: { submissionId } })).toBe(0);
    expect(rig.smtp.received.length).toBe(sent);
  });

  it('voice: the call is hung up on (empty TwiML); its callbacks are stored and make no tip or SMS', async () => {
    const from = phone();
    await block(from);
    const smsBefore = rig.stub.messageRequests().length;
    const { callSid, voice } = await placeCall(rig, from, 'unused');
    expect(voice.status).toBe(200);
    expect(voice.text).not.toContain('<Record');
    // Twilio still reports the end of the call.
    const { postSigned, ACCOUNT_SID } = await import('../twilio/twilio-support.js');
    const end = await postSigned(rig.h.baseUrl, '/webhooks/twilio/call-status', {
      AccountSid: ACCOUNT_SID,
      CallSid: callSid,
      From: from,
      To: '+8618635299317',
      CallStatus: 'completed',
      CallDuration: '2',
    });
    expect(end.status).toBe(200);
    await settled(rig);
    const subs = await rig.h.deps.prisma.submission.findMany({ where: { channel: 'VOICE', externalId: { endsWith: callSid } } });
    expect(subs.map((s) => [s.externalId.split(':')[0], s.state, s.lastError]).sort()).toEqual([
      ['call', 'SKIPPED', 'blocked sender'],
      ['end', 'SKIPPED', 'blocked sender'],
    ]);
    expect(subs.every((s) => s.tipId === null)).toBe(true);
    expect(rig.stub.messageRequests().length).toBe(smsBefore);
  });

  it('a block keeps only a hash: the blocked number is not in pg_dump', async () => {
    const from = phone();
    await block(from);
    const dump = await pgDump(rig.h.db.url);
    expect(dump.includes(from.slice(3))).toBe(false);
  });

  it('editors and admins manage blocks; reporters may not; a second block of one contact is 409; bad input is 400', async () => {
    const from = phone();
    expect((await rig.api.post('/api/blocks', rig.users.reporter.auth, { contact: from })).status).toBe(403);
    expect((await rig.api.get('/api/blocks', rig.users.reporter.auth)).status).toBe(403);
    const b = await rig.api.post('/api/blocks', rig.users.admin.auth, { contact: from });
    expect(b.status).toBe(201);
    expect((await rig.api.post('/api/blocks', rig.users.editor.auth, { contact: `0086${from.slice(3)}` })).status).toBe(409);
    const list = await rig.api.get('/api/blocks', rig.users.editor.auth);
    expect(list.body.blocks.map((x: any) => x.id)).toContain(b.body.block.id);
    expect(JSON.stringify(list.body)).not.toContain(from.slice(3));
    const bad = await rig.api.post('/api/blocks', rig.users.editor.auth, { contact: '不是号码' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0].field).toBe('contact');
    expect((await rig.api.del(`/api/blocks/${crypto.randomUUID()}`, rig.users.editor.auth)).status).toBe(404);
  });
});
