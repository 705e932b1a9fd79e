import type pg from 'pg';
import type { SentMessage } from '../test/sms-gateway/gateway-support.js';
import type { Ledger } from './ledger.js';

// The hotline phone's traffic against the database and what the fake phone was asked to send:
// one submission per event id however often it was redelivered; tips and threads as sent; one
// acknowledgement per text (in the thread, accepted by the phone) and no SMS sent twice, through
// the phone's outages and the workers' kill -9.

/** The shape of reconcile.ts's Check (not imported: reconcile.ts imports this file). */
interface GatewayCheck {
  name: string;
  expected: number;
  actual: number;
  ok: boolean;
  problems: string[];
}

interface Sub {
  id: string;
  external_id: string;
  state: string;
  tip_id: string | null;
}

const check = (name: string, expected: number, actual: number, problems: string[]): GatewayCheck => ({
  name,
  expected,
  actual,
  ok: problems.length === 0,
  problems: problems.slice(0, 8),
});

export async function reconcileGateway(db: pg.Client, ledger: Ledger, posts: { body: SentMessage; accepted: boolean }[]): Promise<GatewayCheck[]> {
  const subs = (await db.query<Sub>(`SELECT id::text, external_id, state::text, tip_id::text FROM submission WHERE channel = 'SMS_GATEWAY'`)).rows;
  const byEvent = new Map<string, Sub[]>();
  for (const s of subs) byEvent.set(s.external_id, [...(byEvent.get(s.external_id) ?? []), s]);
  const inbound = (
    await db.query<{ submission_id: string; tip_id: string; body: string }>(
      `SELECT submission_id::text, tip_id::text, body FROM message WHERE channel = 'SMS_GATEWAY' AND direction = 'INBOUND'`,
    )
  ).rows;
  const inboundBySub = new Map<string, typeof inbound>();
  for (const m of inbound) inboundBySub.set(m.submission_id, [...(inboundBySub.get(m.submission_id) ?? []), m]);
  const acks = (
    await db.query<{ id: string; tip_id: string; external_id: string | null; state: string }>(
      `SELECT id::text, tip_id::text, external_id, delivery_state::text AS state FROM message WHERE channel = 'SMS_GATEWAY' AND direction = 'OUTBOUND' AND kind = 'ack'`,
    )
  ).rows;

  const missing: string[] = [];
  const wrong: string[] = [];
  const tipOf = new Map<string, string | null>();
  for (const g of ledger.gateway) {
    const rows = byEvent.get(g.eventId) ?? [];
    if (rows.length !== 1) {
      missing.push(`${g.eventId}: ${rows.length} submissions${g.accepted ? '' : ' (never accepted)'}`);
      continue;
    }
    const sub = rows[0];
    tipOf.set(g.eventId, sub.tip_id);
    const m = inboundBySub.get(sub.id) ?? [];
    if (g.expect === 'skip') {
      if (sub.state !== 'SKIPPED' || m.length) wrong.push(`${g.eventId} (keyword): state ${sub.state}, ${m.length} messages`);
      continue;
    }
    if (sub.state !== 'PROCESSED' || !sub.tip_id || m.length !== 1 || m[0].tip_id !== sub.tip_id) {
      wrong.push(`${g.eventId} (${g.expect}): state ${sub.state}, tip ${sub.tip_id ?? '-'}, ${m.length} messages`);
      continue;
    }
    if (!m[0].body.includes(g.token)) wrong.push(`${g.eventId}: message text lost its token`);
    if (g.expect === 'thread') {
      const target = tipOf.get(g.threadOf!);
      if (target && target !== sub.tip_id) wrong.push(`${g.eventId}: joined tip ${sub.tip_id}, expected ${target}`);
    }
  }
  const tipItems = ledger.gateway.filter((g) => g.expect === 'tip');
  const distinct = new Set(tipItems.map((g) => tipOf.get(g.eventId)).filter(Boolean)).size;
  if (distinct !== tipItems.length) wrong.push(`${tipItems.length} first texts made ${distinct} distinct tips`);
  const redeliveries = ledger.gateway.reduce((n, g) => n + g.redeliveries, 0);

  // Acknowledgements: one per text that made or joined a tip; each accepted by the phone exactly once
  // (attempts it refused with 503 or never received do not count).
  const postsById = new Map<string, number>();
  for (const p of posts) if (p.accepted && p.body.id) postsById.set(p.body.id, (postsById.get(p.body.id) ?? 0) + 1);
  const texts = ledger.gateway.filter((g) => g.expect !== 'skip').length;
  const ackProblems: string[] = [];
  if (acks.length !== texts) ackProblems.push(`${acks.length} acknowledgements for ${texts} texts`);
  for (const a of acks) {
    const n = postsById.get(a.id) ?? 0;
    if (n !== 1) ackProblems.push(`ack ${a.id}: the phone was asked ${n} times`);
    else if (!a.external_id) ackProblems.push(`ack ${a.id}: sent but not recorded (${a.state})`);
  }
  const helps = ledger.gateway
    .filter((g) => g.expect === 'skip')
    .map((g) => byEvent.get(g.eventId)?.[0]?.id)
    .filter(Boolean);
  for (const id of helps) {
    const n = postsById.get(`ctl-${id}`) ?? 0;
    if (n !== 1) ackProblems.push(`HELP ${id}: answered ${n} times`);
  }
  const doubled = [...postsById.entries()].filter(([, n]) => n > 1).map(([id, n]) => `${id}: ${n} sends`);

  return [
    check(
      `Gateway SMS: one submission per event id (${redeliveries} redeliveries)`,
      ledger.gateway.length,
      ledger.gateway.length - missing.length,
      missing,
    ),
    check('Gateway SMS: tip, thread message or keyword as sent', ledger.gateway.length, ledger.gateway.length - wrong.length, wrong),
    check(
      'Gateway SMS: one acknowledgement per text (HELP answered once), accepted by the phone',
      texts + helps.length,
      acks.length + helps.length,
      ackProblems,
    ),
    check('Gateway SMS: nothing sent twice through the phone', postsById.size, postsById.size - doubled.length, doubled),
  ];
}
