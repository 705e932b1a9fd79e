import type { Deps } from '../../deps.js';
import type { Tx } from '../../db/prisma.js';
import type { DecisionMeta, Route } from '../../tips/routing.js';
import { acceptContactMessage } from '../accept-message.js';
import { storeSubmissionIn, type NewSubmission, type Stored } from '../submissions.js';
import { TWILIO_HANDLED, type SmsKeyword, type SmsParams } from './twilio.schema.js';
import type { SmsReply } from './sms-replies.js';

// The SMS webhook's work. The answer must carry the tip's reference code, so the webhook
// decides whether the text opens a tip or joins one and, for a new tip, makes the tip row
// (reference, sender, text) at once — all in one statement (acceptContactMessage); the
// normalize job fills in the rest.

export type SmsRoute = Route;

export interface SmsMeta extends DecisionMeta {
  keyword: SmsKeyword | null;
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

export async function acceptSms(deps: Deps, p: SmsParams, rawParams: Record<string, unknown>, idempotencyToken?: string): Promise<SmsAccepted> {
  // A blocked sender's text is stored (SKIPPED 'blocked sender', checked in the same statement)
  // and answered with nothing; it makes no tip.
  const a = await acceptContactMessage(deps, {
    channel: 'SMS',
    externalId: p.MessageSid,
    contact: { kind: 'phone', value: p.From },
    body: p.Body,
    params: rawParams,
    ...(idempotencyToken ? { meta: { idempotencyToken } } : {}),
    ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
  });
  // A redelivery answers exactly as the first delivery did, from what the first one stored.
  let reply: SmsReply;
  if (a.control) reply = controlReply(a.keyword as 'stop' | 'start' | 'help', a.word);
  else if (a.skipped || !a.reference || !a.route) reply = { kind: 'none' };
  else reply = tipReply(a.route, a.reference, a.rateLimited, a.optedOut);
  return { submissionId: a.submissionId, created: a.created, outcome: !a.created ? 'duplicates' : a.skipped ? 'skipped' : 'stored', reply };
}

function controlReply(keyword: 'stop' | 'start' | 'help', word: string): SmsReply {
  // HELP is always answered (carrier rules; the sender asked). Twilio answers its standard
  // English opt-out/in keywords itself; a second answer would only confuse.
  if (keyword === 'help') return { kind: 'help' };
  if (keyword === 'stop' && !TWILIO_HANDLED.has(word)) return { kind: 'stop' };
  return { kind: 'none' };
}

function tipReply(route: SmsRoute, reference: string, rateLimited: boolean, optedOut: boolean): SmsReply {
  // Floods get no auto-reply; opted-out numbers get nothing at all.
  if (rateLimited || optedOut) return { kind: 'none' };
  return { kind: route === 'new' ? 'new' : 'followup', reference };
}
