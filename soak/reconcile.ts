import type pg from 'pg';
import type { ReceivedMail } from '../test/support/smtp.js';
import type { Ledger } from './ledger.js';
import type { SentSms } from './twilio-fake.js';
import type { Attempt } from './webhooks.js';
import type { SentMessage } from '../test/sms-gateway/gateway-support.js';
import { reconcileGateway } from './reconcile-gateway.js';
import { reconcileWeb } from './reconcile-web.js';

// After the drain: what was sent (the ledger) against what the system holds and what it sent
// out. Each check reports expected and actual numbers and the first offending items.

export interface Check {
  name: string;
  expected: number | string;
  actual: number | string;
  ok: boolean;
  /** Informational rows never fail the run. */
  info?: boolean;
  problems?: string[];
}

export interface DeadJob {
  kind: string;
  count: number;
  reason: string;
}

interface SubRow {
  id: string;
  channel: string;
  external_id: string;
  state: string;
  tip_id: string | null;
  last_error: string | null;
}

interface MsgRow {
  id: string;
  tip_id: string;
  submission_id: string | null;
  body: string;
  kind: string;
  direction: string;
}

const plural = (n: number, what: string) => `${n} ${what}`;

function check(name: string, expected: number | string, actual: number | string, problems: string[] = [], ok = problems.length === 0): Check {
  return { name, expected, actual, ok, problems: problems.slice(0, 8) };
}

export async function reconcile(o: {
  db: pg.Client;
  ledger: Ledger;
  attempts: Attempt[];
  smtp: ReceivedMail[];
  sms: SentSms[];
  gatewayPosts: { body: SentMessage; accepted: boolean }[];
  ackDomain: string;
  /** Tips other channels' traffic made (checked by their own reconciliation, e.g. WeChat). */
  otherTips?: number;
}): Promise<{ checks: Check[]; dead: DeadJob[] }> {
  const { db, ledger } = o;
  const checks: Check[] = [];
  const subs = (await db.query<SubRow>(`SELECT id::text, channel::text, external_id, state::text, tip_id::text, last_error FROM submission`)).rows;
  const byKey = new Map<string, SubRow[]>();
  for (const s of subs) {
    const k = `${s.channel}|${s.external_id}`;
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  const msgs = (await db.query<MsgRow>(`SELECT id::text, tip_id::text, submission_id::text, body, kind, direction::text FROM message`)).rows;
  const inboundBySub = new Map<string, MsgRow[]>();
  for (const m of msgs) {
    if (m.direction !== 'INBOUND' || !m.submission_id) continue;
    inboundBySub.set(m.submission_id, [...(inboundBySub.get(m.submission_id) ?? []), m]);
  }
  const tips = (
    await db.query<{ id: string; reference: string; body: string; channel: string; read: boolean }>(
      `SELECT id::text, reference, body, channel::text, read_at IS NOT NULL AS read FROM tip`,
    )
  ).rows;
  const tipById = new Map(tips.map((t) => [t.id, t]));
  const attachments = (
    await db.query<{ submission_id: string | null; tip_id: string | null; source_key: string | null; state: string }>(
      `SELECT submission_id::text, tip_id::text, source_key, state::text FROM attachment`,
    )
  ).rows;

  // --- SMS -----------------------------------------------------------------------------------
  {
    const missing: string[] = [];
    const wrong: string[] = [];
    const tipOf = new Map<string, string | null>();
    for (const s of ledger.sms) {
      const rows = byKey.get(`SMS|${s.sid}`) ?? [];
      if (rows.length !== 1) {
        missing.push(`${s.sid}: ${rows.length} submissions`);
        continue;
      }
      tipOf.set(s.sid, rows[0].tip_id);
    }
    let madeTips = 0;
    for (const s of ledger.sms) {
      const sub = byKey.get(`SMS|${s.sid}`)?.[0];
      if (!sub) continue;
      const m = inboundBySub.get(sub.id) ?? [];
      if (s.expect === 'skip') {
        if (sub.state !== 'SKIPPED' || m.length) wrong.push(`${s.sid} (keyword): state ${sub.state}, ${m.length} messages`);
        continue;
      }
      if (sub.state !== 'PROCESSED' || !sub.tip_id || m.length !== 1 || m[0].tip_id !== sub.tip_id) {
        wrong.push(
          `${s.sid} (${s.expect}): state ${sub.state}, tip ${sub.tip_id ?? '-'}, ${m.length} messages${sub.last_error ? `, ${sub.last_error.slice(0, 80)}` : ''}`,
        );
        continue;
      }
      if (s.token && !m[0].body.includes(s.token)) wrong.push(`${s.sid}: message text lost its token`);
      if (s.expect === 'tip') madeTips++;
      if (s.expect === 'thread') {
        const target = tipOf.get(s.threadOf!);
        if (target && target !== sub.tip_id) wrong.push(`${s.sid}: joined tip ${sub.tip_id}, expected ${target}`);
      }
      if (s.media) {
        const stored = attachments.filter((a) => a.submission_id === sub.id && a.state === 'STORED').length;
        if (stored !== s.media) wrong.push(`${s.sid}: ${stored}/${s.media} MMS media stored`);
      }
    }
    const tipItems = ledger.sms.filter((s) => s.expect === 'tip');
    const distinct = new Set(tipItems.map((s) => tipOf.get(s.sid)).filter(Boolean)).size;
    if (distinct !== tipItems.length) wrong.push(`${tipItems.length} first texts made ${distinct} distinct tips`);
    const redeliveries = ledger.sms.reduce((n, s) => n + s.redeliveries, 0);
    checks.push(
      check(`SMS/MMS: one submission per MessageSid (${redeliveries} redeliveries)`, ledger.sms.length, ledger.sms.length - missing.length, missing),
    );
    checks.push(check('SMS/MMS: tip, thread message or keyword as sent', ledger.sms.length, ledger.sms.length - wrong.length, wrong));
    const redelivered = ledger.sms.filter((s) => s.answers.length > 1);
    const differing = redelivered
      .filter((s) => new Set(s.answers).size > 1)
      .map((s) => `${s.sid}: ${s.answers.length} answers, ${new Set(s.answers).size} different`);
    checks.push(
      check(
        'SMS redeliveries answered exactly like the first delivery (same reply, same reference)',
        redelivered.length,
        redelivered.length - differing.length,
        differing,
      ),
    );
    void madeTips;
  }

  checks.push(...(await reconcileGateway(db, ledger, o.gatewayPosts)));

  // --- voice ---------------------------------------------------------------------------------
  {
    const problems: string[] = [];
    let keys = 0;
    let good = 0;
    for (const c of ledger.calls) {
      const rows = Object.keys(c.keys).map((k) => ({ k, rows: byKey.get(`VOICE|${k}`) ?? [] }));
      keys += rows.length;
      const bad = rows.filter((r) => r.rows.length !== 1);
      if (bad.length) {
        problems.push(`${c.callSid}: ${bad.map((b) => `${b.k.split(':')[0]}=${b.rows.length}`).join(', ')} submissions`);
        continue;
      }
      const all = rows.map((r) => r.rows[0]);
      const tipIds = new Set(all.map((s) => s.tip_id));
      const states = new Set(all.map((s) => s.state));
      if (tipIds.size !== 1 || tipIds.has(null) || states.size !== 1 || !states.has('PROCESSED')) {
        problems.push(`${c.callSid} (${c.order.join('>')}): tips ${[...tipIds].join('/')}, states ${[...states].join('/')}`);
        continue;
      }
      const tipId = [...tipIds][0]!;
      const inbound = msgs.filter((m) => m.tip_id === tipId && m.direction === 'INBOUND');
      if (c.recorded) {
        const audio = attachments.filter((a) => a.tip_id === tipId && a.source_key === `recording:${c.recordingSid}`);
        const transcript = inbound.filter((m) => m.body.includes(c.token));
        if (audio.length !== 1 || audio[0].state !== 'STORED' || transcript.length !== 1) {
          problems.push(
            `${c.callSid} (${c.order.join('>')}): ${audio.length} recordings (${audio.map((a) => a.state).join('/')}), ${transcript.length} transcripts`,
          );
          continue;
        }
      } else if (inbound.length !== 1 || inbound[0].kind !== 'missed-call') {
        problems.push(`${c.callSid} (missed): ${inbound.length} messages (${inbound.map((m) => m.kind).join('/')})`);
        continue;
      }
      good++;
    }
    checks.push(check(`Voice: each call's callbacks stored once, on exactly one tip (${keys} callback keys)`, ledger.calls.length, good, problems));
  }

  // --- email ---------------------------------------------------------------------------------
  const emailTips = new Map<string, string>();
  {
    const emailSubs = (
      await db.query<{ id: string; token: string }>(
        `SELECT s.id::text, t.token FROM submission s, unnest($1::text[]) AS t(token)
       WHERE s.channel = 'EMAIL' AND s.raw IS NOT NULL
         AND (position(convert_to(t.token, 'UTF8') in s.raw) > 0 OR position(convert_to(lower(t.token), 'UTF8') in s.raw) > 0)`,
        [ledger.emails.map((e) => e.token)],
      )
    ).rows;
    const subsByToken = new Map<string, string[]>();
    for (const r of emailSubs) subsByToken.set(r.token, [...(subsByToken.get(r.token) ?? []), r.id]);
    const subById = new Map(subs.map((s) => [s.id, s]));
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const e of ledger.emails) {
      const ids = new Set(subsByToken.get(e.token) ?? []);
      // A message the server could not even hand over is kept under its Message-ID without bytes.
      if (e.messageId) for (const s of byKey.get(`EMAIL|${e.messageId}`) ?? []) ids.add(s.id);
      if (ids.size !== 1) {
        missing.push(`${e.kind} ${e.token} (${e.via}): ${ids.size} submissions`);
        continue;
      }
      const sub = subById.get([...ids][0])!;
      const m = inboundBySub.get(sub.id) ?? [];
      const where = `${e.kind} ${e.token}`;
      if (e.expect === 'skip') {
        if (sub.state !== 'SKIPPED' || m.length) wrong.push(`${where}: state ${sub.state}, ${m.length} messages`);
        continue;
      }
      if (e.expect === 'poison') {
        const fine = (sub.state === 'QUARANTINED' && m.length === 0) || (sub.state === 'PROCESSED' && m.length === 1);
        if (!fine) wrong.push(`${where}: state ${sub.state}, ${m.length} messages`);
        else if (sub.state === 'PROCESSED') emailTips.set(e.token, m[0].tip_id);
        continue;
      }
      if (sub.state !== 'PROCESSED' || m.length !== 1) {
        wrong.push(`${where}: state ${sub.state}, ${m.length} messages${sub.last_error ? `, ${sub.last_error.slice(0, 100)}` : ''}`);
        continue;
      }
      const msg = m[0];
      if (e.expectText && !msg.body.includes(e.expectText)) wrong.push(`${where}: the decoded text is not in the message`);
      if (e.expect === 'thread' && msg.tip_id !== e.threadTipId) wrong.push(`${where}: joined tip ${msg.tip_id}, expected ${e.threadTipId}`);
      if (e.expect === 'tip') emailTips.set(e.token, msg.tip_id);
      if (e.attachments) {
        const stored = attachments.filter((a) => a.submission_id === sub.id && a.state === 'STORED').length;
        if (stored !== e.attachments) wrong.push(`${where}: ${stored}/${e.attachments} attachments stored`);
      }
    }
    const kinds = [...new Set(ledger.emails.map((e) => e.kind))].map((k) => `${ledger.emails.filter((e) => e.kind === k).length} ${k}`).join(', ');
    checks.push(check(`Email: one submission per message (${kinds})`, ledger.emails.length, ledger.emails.length - missing.length, missing));
    checks.push(
      check(
        'Email: tip, thread reply, skipped or quarantined as sent; text decoded',
        ledger.emails.length,
        ledger.emails.length - wrong.length,
        wrong,
      ),
    );
  }

  const web = await reconcileWeb(db, ledger, o.sms);
  checks.push(...web.checks);

  // --- totals --------------------------------------------------------------------------------
  {
    const expectedTips =
      web.tips +
      ledger.sms.filter((s) => s.expect === 'tip').length +
      ledger.gateway.filter((g) => g.expect === 'tip').length +
      ledger.calls.length +
      ledger.emails.filter((e) => e.expect === 'tip').length +
      ledger.emails.filter((e) => e.expect === 'poison' && emailTips.has(e.token)).length +
      (o.otherTips ?? 0);
    checks.push(check('Tips in the database (no stray or duplicate tips)', expectedTips, tips.length, [], tips.length === expectedTips));
    // Every tip's reading (tip.read, queued with the tip) ran: none left unread.
    const unread = tips.filter((t) => !t.read);
    checks.push(
      check(
        'Tips never read (tip.read) after the drain',
        0,
        unread.length,
        unread.map((t) => `${t.channel} ${t.reference}`),
      ),
    );
    const stuck = subs.filter((s) => s.state === 'RECEIVED');
    checks.push(
      check(
        'Submissions still waiting (RECEIVED) after the drain',
        0,
        stuck.length,
        stuck.map((s) => `${s.channel} ${s.external_id}`),
      ),
    );
    const unknown = subs.filter(
      (s) =>
        s.state === 'QUARANTINED' &&
        !ledger.emails.some((e) => e.expect === 'poison' && (e.messageId === s.external_id || s.external_id.startsWith('sha256:'))),
    );
    checks.push(
      check(
        'Quarantined submissions other than poison mail',
        0,
        unknown.length,
        unknown.map((s) => `${s.channel} ${s.external_id}: ${s.last_error?.slice(0, 100)}`),
      ),
    );
  }

  // --- owners --------------------------------------------------------------------------------
  {
    const races = ledger.api.claimRaces;
    const problems = races.filter((r) => r.winners.length > 1).map((r) => `tip ${r.tipId}: ${r.winners.length} reporters got 200`);
    const doubles = (
      await db.query<{ tip_id: string; n: number }>(
        `SELECT tip_id::text, count(DISTINCT actor_id)::int AS n FROM audit_event WHERE action = 'tip.claimed' GROUP BY tip_id HAVING count(DISTINCT actor_id) > 1`,
      )
    ).rows;
    problems.push(...doubles.map((d) => `tip ${d.tip_id}: claimed by ${d.n} reporters in the audit trail`));
    const held = (
      await db.query<{ id: string; assignee_id: string | null; status: string }>(
        `SELECT id::text, assignee_id::text, status::text FROM tip WHERE id = ANY($1::uuid[])`,
        [races.map((r) => r.tipId)],
      )
    ).rows;
    for (const r of races) {
      const t = held.find((h) => h.id === r.tipId);
      if (r.winners.length === 1 && t?.assignee_id !== r.winners[0]) problems.push(`tip ${r.tipId}: the winner is not the owner`);
      if (r.onlyWinner && r.winners.some((w) => w !== r.onlyWinner)) problems.push(`tip ${r.tipId}: a reporter took a lead assigned to a colleague`);
    }
    const contested = races.filter((r) => r.reporters > 1).length;
    checks.push(check(`Claims: no tip has two owners (${contested} concurrent claim races)`, 0, problems.length, problems));
  }

  // --- outbound ------------------------------------------------------------------------------
  {
    const byId = new Map<string, number>();
    for (const m of o.smtp) {
      const id = m.parsed.messageId ?? '';
      if (id) byId.set(id, (byId.get(id) ?? 0) + 1);
    }
    const ackRe = new RegExp(`^<?ack\\.([0-9a-f-]{36})@${o.ackDomain.replace(/\./g, '\\.')}>?$`);
    // An acknowledgement is counted by its Message-ID, as mail clients do: the same Message-ID
    // arriving twice (an SMTP retry after a crash) shows as one message; two Message-IDs for
    // one tip are two acknowledgements.
    const ackIdsPerTip = new Map<string, Set<string>>();
    for (const id of byId.keys()) {
      const tip = id.match(ackRe)?.[1];
      if (tip) ackIdsPerTip.set(tip, (ackIdsPerTip.get(tip) ?? new Set()).add(id));
    }
    const acksPerTip = new Map([...ackIdsPerTip].map(([tip, ids]) => [tip, ids.size]));
    const twice = [...acksPerTip].filter(([, n]) => n > 1).map(([tip, n]) => `tip ${tip}: ${n} different acknowledgements`);
    const sameIdAgain = [...byId].filter(([id, n]) => n > 1 && ackRe.test(id));
    const staffMail = new Map<string, number>();
    for (const m of o.smtp) {
      if (ackRe.test(m.parsed.messageId ?? '')) continue;
      const k = `${m.envelopeTo.join(',')}|${m.parsed.subject}`;
      staffMail.set(k, (staffMail.get(k) ?? 0) + 1);
    }
    const staffTwice = [...staffMail].filter(([, n]) => n > 1);
    checks.push(
      check(
        `Email acknowledgements: at most one per tip, by Message-ID (${acksPerTip.size} tips acknowledged, ${o.smtp.length} mails in all)`,
        0,
        twice.length,
        twice,
      ),
    );
    checks.push({
      name: 'Email acknowledgements delivered again under the same Message-ID (SMTP retry after a crash)',
      expected: '-',
      actual: sameIdAgain.length,
      ok: true,
      info: true,
      problems: sameIdAgain.map(([id, n]) => `${id} x${n}`),
    });
    checks.push({
      name: 'Staff emails (assignments) delivered more than once',
      expected: 0,
      actual: staffTwice.length,
      ok: true,
      info: true,
      problems: staffTwice.map(([k, n]) => `"${k.split('|')[1]}" x${n}`),
    });
    const ackable = [...emailTips.entries()].filter(([token]) => ledger.emails.find((e) => e.token === token)?.expect === 'tip');
    const noAck = ackable.filter(([, tip]) => !acksPerTip.has(tip)).map(([token, tip]) => `${token} (tip ${tip})`);
    checks.push(
      check('Email acknowledgements: every new email tip got one (after the outage)', ackable.length, ackable.length - noAck.length, noAck),
    );

    const smsCount = new Map<string, number>();
    for (const s of o.sms) smsCount.set(`${s.to}|${s.body}`, (smsCount.get(`${s.to}|${s.body}`) ?? 0) + 1);
    const smsTwice = [...smsCount]
      .filter(([, n]) => n > 1)
      .map(([k, n]) => `${k.split('|')[1].match(/T-\d{6}-\d{4}/)?.[0] ?? 'sms'} sent ${n} times`);
    const recorded = ledger.calls.filter((c) => c.recorded);
    const voiceTipRefs = new Map<string, string>();
    for (const c of recorded) {
      const sub = byKey.get(`VOICE|call:${c.callSid}`)?.[0];
      const ref = sub?.tip_id ? tipById.get(sub.tip_id)?.reference : undefined;
      if (ref) voiceTipRefs.set(c.callSid, ref);
    }
    const ackMissing = recorded.filter((c) => {
      const ref = voiceTipRefs.get(c.callSid);
      return !ref || !o.sms.some((s) => s.to === c.from && s.body.includes(ref));
    });
    checks.push(check(`SMS acknowledgements (Twilio REST): none sent twice (${o.sms.length} sent)`, 0, smsTwice.length, smsTwice));
    checks.push(
      check(
        'SMS acknowledgements: every voicemail caller got one',
        recorded.length,
        recorded.length - ackMissing.length,
        ackMissing.map((c) => c.callSid),
      ),
    );
  }

  // --- privacy: erasures and blocks during traffic ---------------------------------------------
  {
    const p = ledger.privacy;
    const problems = [...p.problems];
    for (const e of p.erasures) {
      const where = `erasure of tipster ${e.tipsterId}`;
      const left = (
        await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tipster WHERE id = $1::uuid OR (phone = $2 AND created_at < $3)`, [
          e.tipsterId,
          e.phone,
          new Date(e.startedAt),
        ])
      ).rows[0].n;
      if (left) problems.push(`${where}: the tipster row is still there`);
      // Submissions stored before the erasure began (and processed) hold no trace of the number.
      const kept = (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM submission
           WHERE received_at < $2 AND state <> 'RECEIVED' AND (sender = $1 OR params::text LIKE '%' || $1 || '%')`,
          [e.phone, new Date(e.startedAt)],
        )
      ).rows[0].n;
      if (kept) problems.push(`${where}: ${kept} earlier submissions still carry the number`);
      const later = e.laterSid ? byKey.get(`SMS|${e.laterSid}`)?.[0] : undefined;
      if (e.laterSid && later?.tip_id && e.tipIds.includes(later.tip_id)) problems.push(`${where}: the next text joined an erased tip`);
    }
    for (const s of ledger.sms.filter((x) => x.blocked)) {
      const sub = byKey.get(`SMS|${s.sid}`)?.[0];
      if (!sub) continue;
      if (sub.last_error !== 'blocked sender' || sub.tip_id)
        problems.push(`${s.sid} (blocked): ${sub.state} ${sub.last_error ?? ''}, tip ${sub.tip_id ?? '-'}`);
      if (s.answers.some((a) => a !== '')) problems.push(`${s.sid} (blocked): answered with a message`);
    }
    checks.push(
      check(
        `Privacy: erased numbers gone from earlier data, later texts open new tips, blocked texts stored without tip or answer (${p.erasures.length} erasures, ${p.blocks} blocks, ${p.unblocks} unblocks)`,
        0,
        problems.length,
        problems,
      ),
    );
  }

  // --- webhook answers ------------------------------------------------------------------------
  {
    const byOutcome = { ok: 0, s5xx: 0, s4xx: 0, error: 0 };
    const lies: string[] = [];
    const rejected: string[] = [];
    for (const a of o.attempts) {
      if (a.outcome.kind === 'error') byOutcome.error++;
      else if (a.outcome.status >= 500) byOutcome.s5xx++;
      else if (a.outcome.status >= 400) {
        byOutcome.s4xx++;
        rejected.push(`${a.path} ${a.key}: ${a.outcome.status}`);
      } else {
        byOutcome.ok++;
        const channel = a.path.endsWith('/sms-gateway') ? 'SMS_GATEWAY' : a.path.endsWith('/sms') ? 'SMS' : 'VOICE';
        if (!byKey.has(`${channel}|${a.key}`)) lies.push(`${a.path} ${a.key} answered ${a.outcome.status} but nothing is stored`);
      }
    }
    checks.push(
      check(
        `Webhooks: every 2xx stored its data (${byOutcome.ok} 2xx, ${byOutcome.s5xx} 5xx, ${byOutcome.error} connection errors/timeouts)`,
        0,
        lies.length,
        lies,
      ),
    );
    checks.push(check('Webhooks: no signed, valid delivery refused with a 4xx', 0, rejected.length, rejected));
    const undelivered = [
      ...ledger.sms.filter((s) => !s.accepted).map((s) => `SMS ${s.sid}`),
      ...ledger.calls.flatMap((c) =>
        Object.entries(c.keys)
          .filter(([, ok]) => !ok)
          .map(([k]) => `voice ${k}`),
      ),
      ...ledger.emails.filter((e) => !e.via).map((e) => `email ${e.token}`),
    ];
    checks.push(check('Deliveries the senders gave up on (never accepted)', 0, undelivered.length, undelivered));
  }

  const dead = (
    await db.query<{ kind: string; count: number; reason: string }>(
      `SELECT kind, count(*)::int AS count, left(coalesce(last_error, ''), 160) AS reason FROM job WHERE state = 'DEAD' GROUP BY kind, left(coalesce(last_error, ''), 160) ORDER BY count DESC`,
    )
  ).rows;
  checks.push({ name: 'Dead jobs (listed below with reasons)', expected: '-', actual: dead.reduce((n, d) => n + d.count, 0), ok: true, info: true });
  return { checks, dead };
}

/** A plain-text table: one row per check, failures marked, the first problems listed under it. */
export function formatChecks(checks: Check[], dead: DeadJob[]): string {
  const rows = checks.map((c) => [c.info ? 'info' : c.ok ? 'PASS' : 'FAIL', c.name, String(c.expected), String(c.actual)]);
  const widths = [
    4,
    Math.max(5, ...rows.map((r) => r[1].length)),
    Math.max(8, ...rows.map((r) => r[2].length)),
    Math.max(6, ...rows.map((r) => r[3].length)),
  ];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(['', 'Check', 'Expected', 'Actual']), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const i of checks.keys()) {
    out.push(line(rows[i]));
  }
  const problems = checks.filter((c) => (!c.ok || c.info) && c.problems?.length);
  for (const c of problems) {
    out.push('', `${c.ok ? 'info' : 'FAIL'} ${c.name}:`);
    for (const p of c.problems!) out.push(`  - ${p}`);
  }
  if (dead.length) {
    out.push(
      '',
      plural(
        dead.reduce((n, d) => n + d.count, 0),
        'dead job(s):',
      ),
    );
    for (const d of dead) out.push(`  - ${d.kind} x${d.count}: ${d.reason}`);
  }
  return out.join('\n');
}
