import type { Deps } from '../../deps.js';
import type { Tx } from '../../db/prisma.js';
import { preallocateReference, routeByContact, type Route } from '../../tips/routing.js';
import { storeSubmissionIn, type NewSubmission, type Stored } from '../submissions.js';
import { parseKeyword, TWILIO_HANDLED, type SmsKeyword, type SmsParams } from './twilio.schema.js';
import type { SmsReply } from './sms-replies.js';
import { BLOCKED_REASON, isBlocked } from '../../privacy/blocks.js';

// The SMS webhook's transaction. The answer must carry the tip's reference code, so the
// webhook decides here whether the text opens a tip or joins one and, for a new tip,
// makes the tip row (reference, sender, text) at once; the normalize job fills in the rest.

export type SmsRoute = Route;

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

export async function acceptSms(deps: Deps, p: SmsParams, rawParams: Record<string, unknown>, idempotencyToken?: string): Promise<SmsAccepted> {
  const kw = parseKeyword(p.Body);
  const control = isControl(kw.keyword);
  let reply: SmsReply = { kind: 'none' };
  const meta: SmsMeta = { keyword: kw.keyword, ...(idempotencyToken ? { idempotencyToken } : {}) };
  // A blocked sender's text is stored (SKIPPED) and answered with nothing.
  const blocked = !control && (await isBlocked(deps.prisma, p.From));
  const contact = { kind: 'phone', value: p.From } as const;
  const reserved =
    control || blocked
      ? null
      : await preallocateReference(deps, { channel: 'SMS', externalId: p.MessageSid, contact, body: p.Body, keyword: kw.keyword });
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
  const t = await routeByContact(tx, deps, {
    channel: 'SMS',
    contact: { kind: 'phone', value: from },
    body,
    keyword,
    rest,
    ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
    reference,
    submissionId,
  });
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
