import { uniqueSid } from './fixtures.js';
import type { ApiClient } from './api-traffic.js';
import type { Erasure, SmsItem } from './ledger.js';
import { nextToken, sendSms, smsParams, type TrafficContext } from './traffic.js';

// PIPL work during traffic: an admin erases SMS tipsters (found by their number spelled the way a
// resident reads it out), and an editor blocks and unblocks numbers that then text the hotline.
// The reconciliation checks that the erased numbers are gone from what was stored before, that
// their next text opens a new tip, and that a blocked text is stored but makes no tip or answer.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** "+86 186 1234 5678": the lookup must find the E.164 number Twilio stored. */
const spoken = (e164: string) => {
  const n = e164.replace(/^\+86/, '');
  return `+86 ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`;
};

/** A write that retries through outages; a retry of a write that did commit comes back 404/409, which counts as done. */
async function write(client: ApiClient, method: string, path: string, token: string, body: unknown, deadline: number) {
  for (;;) {
    const r = await client.call(method, path, token, body);
    if ((r.status !== 'error' && r.status < 500) || Date.now() > deadline) return r;
    await sleep(500);
  }
}

function smsItem(from: string, token: string, o: Partial<SmsItem> = {}): SmsItem {
  return { sid: uniqueSid('SM'), from, token, expect: 'tip', media: 0, redeliveries: 0, accepted: false, answers: [], ...o };
}

async function erasure(ctx: TrafficContext, client: ApiClient, admin: string): Promise<void> {
  const p = ctx.ledger.privacy;
  const candidates = ctx.ledger.sms.filter((s) => s.expect === 'tip' && s.accepted && s.reference && !p.retired.has(s.from));
  if (!candidates.length) return;
  const first = ctx.r.pick(candidates);
  // No more follow-ups from this number; redeliveries already under way (≤ 2.2 s) finish first.
  p.retired.add(first.from);
  await sleep(3000);
  const deadline = Date.now() + 60_000;
  type Held = { tipster: { id: string }; tips: { id: string }[]; submissions: { state: string }[] };
  let found: Awaited<ReturnType<ApiClient['read']>>;
  let held: Held | undefined;
  // Texts still being processed would make a new tipster and link it to the old tip: wait for them.
  for (;;) {
    found = await client.read(`/api/tipsters?contact=${encodeURIComponent(spoken(first.from))}`, admin, deadline);
    held = (found.body as { tipsters?: Held[] })?.tipsters?.[0];
    if (!held || !held.submissions.some((s) => s.state === 'RECEIVED') || Date.now() > deadline) break;
    await sleep(500);
  }
  if (found.status !== 200 || !held) {
    p.problems.push(`lookup of an SMS tipster answered ${found.status} with ${held ? 'a tipster' : 'no tipster'}`);
    return;
  }
  const e: Erasure = { phone: first.from, tipsterId: held.tipster.id, tipIds: held.tips.map((t) => t.id), startedAt: Date.now() };
  p.erasures.push(e);
  const res = await write(client, 'POST', `/api/tipsters/${e.tipsterId}/erase`, admin, {}, deadline);
  if (res.status === 200) e.counts = (res.body as { erased: Record<string, number> }).erased;
  else if (res.status !== 404) p.problems.push(`erase answered ${res.status}`);
  // The same person writes again: a new tip, not the erased one's thread.
  const later = smsItem(first.from, nextToken(ctx.runId, 'x'));
  e.laterSid = later.sid;
  await ctx.track(sendSms(ctx, later, smsParams(ctx, later, `又发生了，请再来看看。${later.token}`)));
}

async function blocking(ctx: TrafficContext, client: ApiClient, editor: string): Promise<void> {
  const p = ctx.ledger.privacy;
  const from = ctx.newPhone();
  p.retired.add(from);
  const deadline = Date.now() + 30_000;
  const b = await write(client, 'POST', '/api/blocks', editor, { contact: spoken(from) }, deadline);
  if (b.status !== 201 && b.status !== 409) {
    p.problems.push(`block answered ${b.status}`);
    return;
  }
  p.blocks++;
  const blocked = smsItem(from, '', { expect: 'skip', blocked: true });
  await ctx.track(sendSms(ctx, blocked, smsParams(ctx, blocked, '你们不登我的稿子我就天天发！')));
  if (!ctx.r.chance(0.5)) return;
  let id = (b.body as { block?: { id: string } })?.block?.id;
  if (!id) {
    const list = await client.read('/api/blocks', editor, deadline);
    id = (list.body as { blocks?: { id: string; hint: string }[] })?.blocks?.find((x) => x.hint.endsWith(from.slice(-4)))?.id;
  }
  // sendSms returned after the blocked text's last redelivery: unblocking now cannot race it.
  const del = id ? await write(client, 'DELETE', `/api/blocks/${id}`, editor, undefined, deadline) : { status: 'no id' };
  if (del.status !== 204 && del.status !== 404) {
    p.problems.push(`unblock answered ${del.status}`);
    return;
  }
  p.unblocks++;
  const after = smsItem(from, nextToken(ctx.runId, 'u'));
  await ctx.track(sendSms(ctx, after, smsParams(ctx, after, `楼道里的自行车堆满了，消防通道被堵。${after.token}`)));
}

export async function privacyTraffic(o: { ctx: TrafficContext; client: ApiClient; admin: string; editor: string; meanGapMs: number }) {
  const { ctx } = o;
  // Let some tips exist first.
  await sleep(o.meanGapMs);
  while (Date.now() < ctx.trafficEnds) {
    try {
      if (ctx.r.chance(0.5)) await erasure(ctx, o.client, o.admin);
      else await blocking(ctx, o.client, o.editor);
    } catch (e) {
      ctx.note(`privacy traffic error: ${(e as Error).message}`);
    }
    await sleep(o.meanGapMs * (0.5 + ctx.r.next()));
  }
}
