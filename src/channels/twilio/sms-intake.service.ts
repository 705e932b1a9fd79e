import type { Deps } from '../../deps.js';
import type { Tx } from '../../db/prisma.js';
import type { DecisionMeta, Route } from '../../tips/routing.js';
import type { Submission } from '../../generated/prisma/client.js';
import { acceptContactMessage, storeContactMessage, type ContactMessage } from '../accept-message.js';
import { twilioAck } from './sms-outbound.service.js';
import { storeSubmissionIn, type NewSubmission, type Stored } from '../submissions.js';
import { storedSmsParams, TWILIO_HANDLED, type SmsKeyword, type SmsParams } from './twilio.schema.js';
import type { SmsReply } from './sms-replies.js';

// The SMS webhook's work. With TWILIO_SMS_ACK=twiml (the default) the answer carries the tip's
// reference code, so the webhook decides whether the text opens a tip or joins one, and takes a
// new tip's code, in one statement (acceptContactMessage); the normalize job makes the tip. With
// TWILIO_SMS_ACK=api the webhook only stores the text and its job (storeContactMessage); the job
// decides it (decideTwilioSms) and queues the acknowledgement with the tip, sent by the REST API.

export type SmsRoute = Route;

export interface SmsMeta extends DecisionMeta {
  keyword: SmsKeyword | null;
  idempotencyToken?: string;
}

export interface SmsAccepted {
  /** null for a redelivery stored undecided (TWILIO_SMS_ACK=api): the first delivery's row stands. */
  submissionId: string | null;
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
  const message = smsMessage(deps, p, rawParams, idempotencyToken ? { idempotencyToken } : undefined);
  if (deps.config.TWILIO_SMS_ACK === 'api') {
    // Acknowledged by API from the normalize job, which decides the text (decideTwilioSms): the
    // answer needs no decision, only a keyword's words (the same for a redelivery).
    const stored = await storeContactMessage(deps, message);
    const k = stored.keyword;
    const reply: SmsReply = k.control ? controlReply(k.keyword as 'stop' | 'start' | 'help', k.kw.word) : { kind: 'none' };
    return { submissionId: stored.submissionId, created: stored.created, outcome: stored.created ? 'stored' : 'duplicates', reply };
  }
  // A blocked sender's text is stored (SKIPPED 'blocked sender', checked in the same statement)
  // and answered with nothing; it makes no tip.
  const a = await acceptContactMessage(deps, message);
  // A redelivery answers exactly as the first delivery did, from what the first one stored.
  let reply: SmsReply;
  if (a.control) reply = controlReply(a.keyword as 'stop' | 'start' | 'help', a.word);
  else if (a.skipped || !a.reference || !a.route) reply = { kind: 'none' };
  else reply = tipReply(a.route, a.reference, a.rateLimited, a.optedOut);
  return { submissionId: a.submissionId, created: a.created, outcome: !a.created ? 'duplicates' : a.skipped ? 'skipped' : 'stored', reply };
}

function smsMessage(deps: Deps, p: SmsParams, rawParams: unknown, meta?: Record<string, unknown>): ContactMessage {
  return {
    channel: 'SMS',
    externalId: p.MessageSid,
    contact: { kind: 'phone', value: p.From },
    body: p.Body,
    params: rawParams,
    ...(meta ? { meta } : {}),
    ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
    // With TWILIO_SMS_ACK=api the tip's acknowledgement is queued with it (decided with the text).
    ack: deps.config.TWILIO_SMS_ACK === 'api' ? twilioAck(deps.config, p.From) : null,
  };
}

/** The adapter's `decide`: a text stored undecided (TWILIO_SMS_ACK=api), for the normalize job to decide. */
export function decideTwilioSms(deps: Deps, sub: Submission): ContactMessage {
  return smsMessage(deps, storedSmsParams(sub.params), sub.params);
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
