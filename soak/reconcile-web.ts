import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Ledger } from './ledger.js';
import type { Check } from './reconcile.js';
import type { SentSms } from './twilio-fake.js';

// The web form's part of the reconciliation: every post answered 201 is stored once (by its
// Idempotency-Key), every retry was answered like the first, a tip's photos are on its first
// message, a follow-up is on the tip whose link it used, the honeypot made no tip, and a tip
// that left a phone got one acknowledgement by SMS.

const externalId = (key: string) => `idem:${createHash('sha256').update(key).digest('hex')}`;

function check(name: string, expected: number, actual: number, problems: string[]): Check {
  return { name, expected, actual, ok: problems.length === 0, problems: problems.slice(0, 8) };
}

export async function reconcileWeb(db: pg.Client, ledger: Ledger, sms: SentSms[]): Promise<{ checks: Check[]; tips: number }> {
  const subs = (
    await db.query<{ external_id: string; state: string; tip_id: string | null; last_error: string | null; id: string }>(
      `SELECT id::text, external_id, state::text, tip_id::text, last_error FROM submission WHERE channel = 'WEB'`,
    )
  ).rows;
  const byExt = new Map<string, typeof subs>();
  for (const s of subs) byExt.set(s.external_id, [...(byExt.get(s.external_id) ?? []), s]);
  const tips = (
    await db.query<{ id: string; reference: string; merged_into_id: string | null }>(`SELECT id::text, reference, merged_into_id::text FROM tip`)
  ).rows;
  const tipById = new Map(tips.map((t) => [t.id, t]));
  const survivor = (id: string) => {
    let t = tipById.get(id);
    for (let i = 0; t?.merged_into_id && i < 10; i++) t = tipById.get(t.merged_into_id);
    return t?.id;
  };
  const msgs = (
    await db.query<{ id: string; tip_id: string; submission_id: string; body: string }>(
      `SELECT id::text, tip_id::text, submission_id::text, body FROM message WHERE channel = 'WEB' AND direction = 'INBOUND'`,
    )
  ).rows;
  const msgBySub = new Map(msgs.map((m) => [m.submission_id, m]));
  const atts = (
    await db.query<{ submission_id: string; message_id: string | null; state: string }>(
      `SELECT submission_id::text, message_id::text, state::text FROM attachment WHERE submission_id IS NOT NULL`,
    )
  ).rows;

  const wrong: string[] = [];
  const tipIdOf = new Map<string, string>();
  for (const w of ledger.web.filter((x) => x.accepted)) {
    const rows = byExt.get(externalId(w.key)) ?? [];
    if (rows.length !== 1) {
      wrong.push(`${w.token}: ${rows.length} submissions`);
      continue;
    }
    const s = rows[0];
    if (w.expect === 'honeypot') {
      if (s.state !== 'SKIPPED' || s.tip_id || s.last_error !== 'honeypot') wrong.push(`${w.token}: honeypot stored as ${s.state}, tip ${s.tip_id}`);
      continue;
    }
    const m = msgBySub.get(s.id);
    if (s.state !== 'PROCESSED' || !m || !m.body.includes(w.token)) {
      wrong.push(`${w.token}: ${s.state}, message ${m ? 'without its text' : 'missing'}`);
      continue;
    }
    const photos = atts.filter((a) => a.submission_id === s.id);
    if (photos.length !== w.photos || photos.some((a) => a.state !== 'STORED' || a.message_id !== m.id)) {
      wrong.push(`${w.token}: ${photos.length}/${w.photos} photos on its message`);
    }
    if (w.expect === 'tip') {
      tipIdOf.set(w.key, s.tip_id!);
      if (tipById.get(s.tip_id!)?.reference !== w.reference && tipById.get(m.tip_id)?.reference !== w.reference) {
        wrong.push(`${w.token}: answered ${w.reference}, stored on another tip`);
      }
    }
  }
  for (const w of ledger.web.filter((x) => x.accepted && x.expect === 'followup')) {
    const s = byExt.get(externalId(w.key))?.[0];
    const m = s ? msgBySub.get(s.id) : undefined;
    const of = tipIdOf.get(w.threadOf!);
    if (m && of && survivor(m.tip_id) !== survivor(of)) wrong.push(`${w.token}: follow-up not on the tip of its status link`);
  }
  const accepted = ledger.web.filter((w) => w.accepted).length;
  const kinds = ['tip', 'followup', 'honeypot'].map((k) => `${ledger.web.filter((w) => w.expect === k).length} ${k}`).join(', ');
  const checks = [check(`Web form: each post answered 201 stored once, as sent (${kinds})`, accepted, accepted - wrong.length, wrong)];

  const replays = ledger.web.filter((w) => new Set(w.answers).size > 1).map((w) => `${w.token}: ${new Set(w.answers).size} different answers`);
  const retried = ledger.web.reduce((n, w) => n + w.redeliveries, 0);
  checks.push(check(`Web form: a retried post (same Idempotency-Key) answered like the first (${retried} retries)`, 0, replays.length, replays));

  const phoned = ledger.web.filter((w) => w.expect === 'tip' && w.accepted && w.phone);
  const noAck = phoned
    .filter((w) => sms.filter((s) => s.to === w.phone && s.body.includes(w.reference!)).length !== 1)
    .map((w) => `${w.token} (${w.reference})`);
  checks.push(check('Web form: every tip that left a phone got one SMS acknowledgement', phoned.length, phoned.length - noAck.length, noAck));

  const lost = ledger.web.filter((w) => !w.accepted).map((w) => `web ${w.token}`);
  checks.push(check('Web form: posts never accepted', 0, lost.length, lost));
  return { checks, tips: ledger.web.filter((w) => w.expect === 'tip' && w.accepted).length };
}
