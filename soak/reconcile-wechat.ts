import type pg from 'pg';
import type { Check } from './reconcile.js';
import type { WechatAttempt, WechatItem } from './wechat-traffic.js';

// The WeChat part of the reconciliation: one submission per MsgId (or event), each message on the
// right tip, photos stored, redeliveries answered alike, late acknowledgements sent once, every 2xx
// stored, nothing refused. Returns the tips WeChat traffic must have made, for the overall count.

const check = (name: string, expected: number | string, actual: number | string, problems: string[] = []): Check => ({
  name,
  expected,
  actual,
  ok: problems.length === 0,
  problems: problems.slice(0, 8),
});

export async function reconcileWechat(
  db: pg.Client,
  o: { items: WechatItem[]; attempts: WechatAttempt[]; sent: { touser: string; content: string }[] },
): Promise<{ checks: Check[]; tips: number }> {
  const subs = (
    await db.query<{ id: string; external_id: string; state: string; tip_id: string | null; last_error: string | null }>(
      `SELECT id::text, external_id, state::text, tip_id::text, last_error FROM submission WHERE channel = 'WECHAT'`,
    )
  ).rows;
  const byKey = new Map<string, typeof subs>();
  for (const s of subs) byKey.set(s.external_id, [...(byKey.get(s.external_id) ?? []), s]);
  const msgs = (
    await db.query<{ submission_id: string; tip_id: string; body: string }>(
      `SELECT submission_id::text, tip_id::text, body FROM message WHERE direction = 'INBOUND' AND channel = 'WECHAT' AND submission_id IS NOT NULL`,
    )
  ).rows;
  const stored = (
    await db.query<{ submission_id: string; n: number }>(
      `SELECT submission_id::text, count(*)::int AS n FROM attachment WHERE state = 'STORED' AND submission_id IS NOT NULL GROUP BY 1`,
    )
  ).rows;
  const storedBySub = new Map(stored.map((a) => [a.submission_id, a.n]));
  const checks: Check[] = [];

  const missing: string[] = [];
  const wrong: string[] = [];
  const tipOf = new Map<string, string | null>();
  for (const it of o.items) {
    const rows = byKey.get(it.key) ?? [];
    if (rows.length !== 1) missing.push(`${it.key}: ${rows.length} submissions`);
    else tipOf.set(it.key, rows[0].tip_id);
  }
  for (const it of o.items) {
    const sub = byKey.get(it.key)?.[0];
    if (!sub) continue;
    const m = msgs.filter((x) => x.submission_id === sub.id);
    if (it.expect === 'skip') {
      if (sub.state !== 'SKIPPED' || sub.tip_id || m.length) wrong.push(`${it.key} (event): state ${sub.state}, ${m.length} messages`);
      continue;
    }
    if (sub.state !== 'PROCESSED' || !sub.tip_id || m.length !== 1 || m[0].tip_id !== sub.tip_id) {
      wrong.push(`${it.key} (${it.expect}): state ${sub.state}, ${m.length} messages${sub.last_error ? `, ${sub.last_error.slice(0, 80)}` : ''}`);
      continue;
    }
    if (it.token && !m[0].body.includes(it.token)) wrong.push(`${it.key}: message text lost its token`);
    if (it.expect === 'thread' && tipOf.get(it.threadOf!) !== sub.tip_id)
      wrong.push(`${it.key}: joined ${sub.tip_id}, expected ${tipOf.get(it.threadOf!)}`);
    if (it.media && (storedBySub.get(sub.id) ?? 0) !== it.media) wrong.push(`${it.key}: ${storedBySub.get(sub.id) ?? 0}/${it.media} photos stored`);
  }
  const openers = o.items.filter((i) => i.expect === 'tip');
  const distinct = new Set(openers.map((i) => tipOf.get(i.key)).filter(Boolean)).size;
  if (distinct !== openers.length) wrong.push(`${openers.length} first messages made ${distinct} distinct tips`);
  const redeliveries = o.items.reduce((n, i) => n + i.redeliveries, 0);
  checks.push(
    check(`WeChat: one submission per MsgId or event (${redeliveries} redeliveries)`, o.items.length, o.items.length - missing.length, missing),
  );
  checks.push(check('WeChat: tip, thread message or event as sent', o.items.length, o.items.length - wrong.length, wrong));

  // A late answer is `success` (the acknowledgement goes by API); every reply that was said must match.
  const said = o.items.filter((i) => i.answers.filter((a) => a !== 'success').length > 1);
  const differing = said
    .filter((i) => new Set(i.answers.filter((a) => a !== 'success')).size > 1)
    .map((i) => `${i.key}: ${new Set(i.answers).size} different answers`);
  checks.push(
    check('WeChat redeliveries answered exactly like the first (same passive reply)', said.length, said.length - differing.length, differing),
  );
  const noRef = openers.filter((i) => i.accepted && !i.reference && !o.sent.some((s) => s.touser === i.openId && /T-\d{6}-\d{4}/.test(s.content)));
  checks.push(
    check(
      'WeChat: every new tip’s reference reached the sender (passive reply, or API when late)',
      openers.length,
      openers.length - noRef.length,
      noRef.map((i) => i.key),
    ),
  );
  const seen = new Map<string, number>();
  for (const s of o.sent) seen.set(`${s.touser}|${s.content}`, (seen.get(`${s.touser}|${s.content}`) ?? 0) + 1);
  const twice = [...seen.entries()].filter(([, n]) => n > 1).map(([k, n]) => `${k.split('|')[1].slice(0, 30)}… sent ${n} times`);
  checks.push(check(`WeChat customer-service messages: none sent twice (${o.sent.length} sent)`, 0, twice.length, twice));

  const lies = o.attempts
    .filter((a) => a.outcome.kind === 'status' && a.outcome.status === 200 && !byKey.has(a.key))
    .map((a) => `${a.key} answered 200, nothing stored`);
  const refused = o.attempts
    .filter((a) => a.outcome.kind === 'status' && a.outcome.status >= 400 && a.outcome.status < 500)
    .map((a) => `${a.key}: ${(a.outcome as { status: number }).status}`);
  const undelivered = o.items.filter((i) => !i.accepted).map((i) => i.key);
  const n5xx = o.attempts.filter((a) => a.outcome.kind === 'error' || a.outcome.status >= 500).length;
  checks.push(check(`WeChat pushes: every 200 stored its data (${o.attempts.length} attempts, ${n5xx} 5xx/errors)`, 0, lies.length, lies));
  checks.push(
    check('WeChat pushes: none refused with a 4xx, none given up on', 0, refused.length + undelivered.length, [...refused, ...undelivered]),
  );
  return { checks, tips: openers.length };
}
