import type { Deps } from '../../deps.js';
import { Prisma, type Tx } from '../../db/prisma.js';
import { detectLanguage, resolveMerged, searchTextOf } from '../../tips/threading.js';
import { nextReference, REFERENCE_RE, referenceDay } from '../../tips/reference.js';
import { storeSubmissionIn, type NewSubmission, type Stored } from '../submissions.js';
import { parseKeyword, TWILIO_HANDLED, type SmsKeyword, type SmsParams } from './twilio.schema.js';
import type { SmsReply } from './sms-replies.js';
import { BLOCKED_REASON, isBlocked } from '../../privacy/blocks.js';

// The SMS webhook's transaction. The answer must carry the tip's reference code, so the
// webhook decides here whether the text opens a tip or joins one and, for a new tip,
// makes the tip row (reference, sender, text) at once; the normalize job fills in the rest.

/** Namespace for per-sender advisory locks (the second key is hashtext(phone)). */
const SMS_SENDER_LOCK = 4104;

export type SmsRoute = 'new' | 'followup' | 'reference';

export interface SmsMeta {
  keyword: SmsKeyword | null;
  route?: SmsRoute;
  idempotencyToken?: string;
}

export interface SmsAccepted {
  submissionId: string;
  created: boolean;
  outcome: 'stored' | 'skipped' | 'duplicates';
  reply: SmsReply;
}

/**
 * storeSubmission with a webhook's patience: Twilio does not redeliver an SMS answered with
 * an error, so under load the transaction waits for a connection (up to 10 s, inside
 * Twilio's 15 s budget) rather than failing fast with a 500 and losing the text.
 */
export function storeWebhookSubmission(deps: Deps, input: NewSubmission, then?: (tx: Tx, stored: Stored) => Promise<void>): Promise<Stored> {
  return deps.prisma.$transaction((tx) => storeSubmissionIn(tx, input, then), { maxWait: 10_000, timeout: 12_000 });
}

const isControl = (k: SmsKeyword | null): k is 'stop' | 'start' | 'help' => k === 'stop' || k === 'start' || k === 'help';

const LEADING_REFERENCE_RE = new RegExp(`^${REFERENCE_RE.source.replace('\\b', '')}`, 'i');

/** Leading reference code ("T-260321-0042 楼下还在漏") addressing an existing tip. */
export function leadingReference(text: string): string | null {
  const m = text.trimStart().match(LEADING_REFERENCE_RE);
  return m ? `T-${m[1]}-${m[2]}`.toUpperCase() : null;
}

export async function acceptSms(deps: Deps, p: SmsParams, rawParams: Record<string, unknown>, idempotencyToken?: string): Promise<SmsAccepted> {
  const kw = parseKeyword(p.Body);
  const control = isControl(kw.keyword);
  let reply: SmsReply = { kind: 'none' };
  const meta: SmsMeta = { keyword: kw.keyword, ...(idempotencyToken ? { idempotencyToken } : {}) };
  // A blocked sender's text is stored (SKIPPED) and answered with nothing.
  const blocked = !control && (await isBlocked(deps.prisma, p.From));
  const reserved = control || blocked ? null : await preallocateReference(deps, p.MessageSid, p.From, p.Body, kw.keyword);
  const stored = await storeWebhookSubmission(
    deps,
    {
      channel: 'SMS',
      externalId: p.MessageSid,
      params: rawParams,
      meta,
      sender: p.From,
      sizeBytes: Buffer.byteLength(p.Body),
      // Keywords are recorded, never turned into tips.
      state: control || blocked ? 'SKIPPED' : 'RECEIVED',
      lastError: control ? `${kw.keyword} keyword` : blocked ? BLOCKED_REASON : null,
    },
    async (tx, s) => {
      if (!s.created) reply = await replayReply(tx, deps, s.id, kw.keyword, kw.word);
      else if (blocked) return;
      else if (control) reply = await applyKeyword(tx, deps, s.id, p.From, kw.keyword as 'stop' | 'start' | 'help', kw.word);
      else reply = await openOrJoin(tx, deps, s.id, p.From, p.Body, kw.keyword, kw.rest, reserved);
    },
  );
  return {
    submissionId: stored.id,
    created: stored.created,
    outcome: !stored.created ? 'duplicates' : control || blocked ? 'skipped' : 'stored',
    reply,
  };
}

async function applyKeyword(
  tx: Tx,
  deps: Deps,
  submissionId: string,
  from: string,
  keyword: 'stop' | 'start' | 'help',
  word: string,
): Promise<SmsReply> {
  const now = deps.clock.now();
  if (keyword !== 'help') {
    const out = keyword === 'stop';
    await tx.$executeRaw`
      INSERT INTO tipster (phone, sms_opt_out, opt_out_at) VALUES (${from}, ${out}, ${out ? now : null}::timestamptz)
      ON CONFLICT (phone) DO UPDATE SET sms_opt_out = EXCLUDED.sms_opt_out, opt_out_at = EXCLUDED.opt_out_at`;
  }
  await tx.$executeRaw`UPDATE submission SET processed_at = ${now}::timestamptz WHERE id = ${submissionId}::uuid`;
  return controlReply(keyword, word);
}

function controlReply(keyword: 'stop' | 'start' | 'help', word: string): SmsReply {
  // HELP is always answered (carrier rules; the sender asked). Twilio answers its standard
  // English opt-out/in keywords itself; a second answer would only confuse.
  if (keyword === 'help') return { kind: 'help' };
  if (keyword === 'stop' && !TWILIO_HANDLED.has(word)) return { kind: 'stop' };
  return { kind: 'none' };
}

interface SenderRow {
  tipsterId: string;
  optOut: boolean;
  recent: number;
  openTipId: string | null;
  openReference: string | null;
}

/**
 * The tipster's newest open tip active within SMS_FOLLOWUP_DAYS (a LATERAL subquery on `ts`).
 * Newest by creation, not by last activity: activity is bumped by the normalize job, so
 * ordering on it would make the choice depend on how far the queue has got.
 */
function openTipOf(deps: Deps) {
  const days = deps.config.SMS_FOLLOWUP_DAYS;
  const cutoff = new Date(deps.clock.now().getTime() - days * 86_400_000);
  return Prisma.sql`LATERAL (
      SELECT t.id, t.reference FROM tip t
      WHERE ${days}::int > 0
        AND (t.tipster_id = ts.id OR t.id IN (SELECT tip_id FROM tip_tipster WHERE tipster_id = ts.id))
        AND t.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED')
        AND t.last_activity_at >= ${cutoff}::timestamptz
      ORDER BY t.created_at DESC LIMIT 1)`;
}

/**
 * One round trip: the sender's tipster row (made on first contact), texts in the last hour
 * (for the rate limit; includes this one) and their newest open tip.
 */
async function senderState(tx: Tx, deps: Deps, from: string): Promise<SenderRow> {
  const rows = await tx.$queryRaw<SenderRow[]>`
    WITH found AS (SELECT id, sms_opt_out FROM tipster WHERE phone = ${from}),
    made AS (
      INSERT INTO tipster (phone) SELECT ${from} WHERE NOT EXISTS (SELECT 1 FROM found)
      ON CONFLICT DO NOTHING RETURNING id, sms_opt_out),
    ts AS (SELECT * FROM found UNION ALL SELECT * FROM made)
    SELECT ts.id::text AS "tipsterId", ts.sms_opt_out AS "optOut",
      (SELECT count(*)::int FROM submission WHERE sender = ${from} AND channel = 'SMS' AND received_at > now() - interval '1 hour') AS recent,
      o.id::text AS "openTipId", o.reference AS "openReference"
    FROM ts LEFT JOIN ${openTipOf(deps)} o ON true`;
  if (rows[0]) return rows[0];
  // Another path (a call from the same number) made the tipster between our read and insert.
  const t = await tx.tipster.findUniqueOrThrow({ where: { phone: from }, select: { id: true, smsOptOut: true } });
  return { tipsterId: t.id, optOut: t.smsOptOut, recent: 0, openTipId: null, openReference: null };
}

/**
 * The day's reference counter is one row; bumping it inside the webhook's transaction would
 * hold its lock through every commit's disk flush and serialize all new tips. So a text that
 * will most likely open a tip takes its number first, in its own statement committed without
 * waiting for the flush. That is still safe: the tip that uses the number commits durably
 * later, which flushes the write-ahead log past the bump; a crash before that loses only an
 * unused number. A wrong guess (rare races) leaves a gap in the day's numbers, nothing worse.
 */
async function preallocateReference(deps: Deps, messageSid: string, from: string, body: string, keyword: SmsKeyword | null): Promise<string | null> {
  if (keyword !== 'new' && leadingReference(body)) return null;
  const at = deps.clock.now();
  const day = referenceDay(at, deps.config.TIMEZONE);
  // One round trip: no number for a redelivery or for a sender with an open tip (a follow-up).
  const rows = await deps.prisma.$queryRaw<{ last: number }[]>`
    WITH skip AS (
      SELECT ${keyword !== 'new'}::boolean AND (
        EXISTS (SELECT 1 FROM submission WHERE channel = 'SMS' AND external_id = ${messageSid})
        OR EXISTS (SELECT 1 FROM tipster ts JOIN ${openTipOf(deps)} o ON true WHERE ts.phone = ${from})) AS yes)
    INSERT INTO tip_reference_counter (day, last)
    SELECT ${day}, 1 FROM skip, (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit WHERE NOT skip.yes
    ON CONFLICT (day) DO UPDATE SET last = tip_reference_counter.last + 1
    RETURNING last`;
  return rows[0] ? `T-${day}-${String(rows[0].last).padStart(4, '0')}` : null;
}

export interface SmsTarget {
  tipId: string;
  reference: string;
  route: SmsRoute;
  tipsterId: string;
  rateLimited: boolean;
  optedOut: boolean;
  /** The submission already points at the tip (done in the same statement as a new tip). */
  linked?: boolean;
}

/**
 * Where a text goes: NEW/新 opens a tip; a leading reference code addresses that tip;
 * otherwise the sender's open tip active within SMS_FOLLOWUP_DAYS; otherwise a new tip.
 * Serialized per sender so two quick texts from a new number make one tip, not two.
 */
export async function routeSms(
  tx: Tx,
  deps: Deps,
  from: string,
  body: string,
  keyword: SmsKeyword | null,
  rest: string,
  opts: { reference?: string | null; submissionId?: string } = {},
): Promise<SmsTarget> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SMS_SENDER_LOCK}::int, hashtext(${from}))`;
  const s = await senderState(tx, deps, from);
  const base = { tipsterId: s.tipsterId, rateLimited: s.recent > deps.config.SMS_RATE_LIMIT_PER_HOUR, optedOut: s.optOut };
  if (keyword !== 'new') {
    const ref = leadingReference(body);
    if (ref) {
      const t = await tx.tip.findUnique({ where: { reference: ref }, select: { id: true } });
      if (t) {
        const id = await resolveMerged(tx, t.id);
        const target = id === t.id ? { reference: ref } : await tx.tip.findUniqueOrThrow({ where: { id }, select: { reference: true } });
        return { ...base, tipId: id, reference: target.reference, route: 'reference' };
      }
    }
    if (s.openTipId) return { ...base, tipId: s.openTipId, reference: s.openReference!, route: 'followup' };
  }
  const now = deps.clock.now();
  const text = keyword === 'new' ? rest : body;
  const reference = opts.reference ?? (await nextReference(tx, now, deps.config.TIMEZONE));
  // The tip row and the submission's link to it in one statement.
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH t AS (
      INSERT INTO tip (reference, channel, body, language, tipster_id, search_text, created_at, last_activity_at)
      VALUES (${reference}, 'SMS'::"Channel", ${text}, ${detectLanguage(text)}, ${s.tipsterId}::uuid,
              ${searchTextOf({ reference, body: text })}, ${now}::timestamptz, ${now}::timestamptz)
      RETURNING id),
    linked AS (
      UPDATE submission SET tip_id = (SELECT id FROM t), rate_limited = ${base.rateLimited},
        meta = COALESCE(meta, '{}'::jsonb) || '{"route":"new"}'::jsonb
      WHERE id = ${opts.submissionId ?? null}::uuid)
    SELECT id::text FROM t`;
  return { ...base, tipId: rows[0].id, reference, route: 'new', linked: Boolean(opts.submissionId) };
}

async function openOrJoin(
  tx: Tx,
  deps: Deps,
  submissionId: string,
  from: string,
  body: string,
  keyword: SmsKeyword | null,
  rest: string,
  reference: string | null,
): Promise<SmsReply> {
  const t = await routeSms(tx, deps, from, body, keyword, rest, { reference, submissionId });
  if (!t.linked) {
    await tx.$executeRaw`
      UPDATE submission SET tip_id = ${t.tipId}::uuid, rate_limited = ${t.rateLimited},
        meta = COALESCE(meta, '{}'::jsonb) || jsonb_build_object('route', ${t.route}::text)
      WHERE id = ${submissionId}::uuid`;
  }
  return tipReply(t.route, t.reference, t.rateLimited, t.optedOut);
}

function tipReply(route: SmsRoute, reference: string, rateLimited: boolean, optedOut: boolean): SmsReply {
  // Floods get no auto-reply; opted-out numbers get nothing at all.
  if (rateLimited || optedOut) return { kind: 'none' };
  return { kind: route === 'new' ? 'new' : 'followup', reference };
}

/** A redelivery answers exactly as the first delivery did, from what the first one stored. */
async function replayReply(tx: Tx, _deps: Deps, submissionId: string, keyword: SmsKeyword | null, word: string): Promise<SmsReply> {
  const rows = await tx.$queryRaw<{ rateLimited: boolean; route: SmsRoute | null; reference: string | null; optOut: boolean | null }[]>`
    SELECT s.rate_limited AS "rateLimited", s.meta->>'route' AS route, t.reference, ts.sms_opt_out AS "optOut"
    FROM submission s LEFT JOIN tip t ON t.id = s.tip_id LEFT JOIN tipster ts ON ts.phone = s.sender
    WHERE s.id = ${submissionId}::uuid`;
  const r = rows[0];
  if (!r) return { kind: 'none' };
  if (isControl(keyword)) return controlReply(keyword, word);
  if (!r.reference || !r.route) return { kind: 'none' };
  return tipReply(r.route, r.reference, r.rateLimited, Boolean(r.optOut));
}
