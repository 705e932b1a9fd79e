import type { Deps } from '../deps.js';
import type { Channel } from '../generated/prisma/enums.js';
import { blockHashesOf } from '../privacy/blocks.js';
import { NORMALIZE_JOB } from '../queue/kinds.js';
import { parseKeyword, type SmsKeyword } from '../tips/keywords.js';
import { referenceDay } from '../tips/reference.js';
import { leadingReference, type Contact, type Route } from '../tips/routing.js';
import {
  acceptMessageStatement,
  decideStoredStatement,
  storeMessageStatement,
  type AcceptMessageRow,
  type AckSpec,
  type StoreMessageParams,
} from './sql.js';

export type { AckSpec } from './sql.js';

// The fast path of every messaging webhook (Twilio SMS, the SMS gateway, WeChat): everything
// the answer needs in ONE statement and one durable commit — the submission (idempotent on
// channel + external id; written once, with the decision), the block check, its normalize job, the
// routing decision and, for a new tip, the day's next reference code kept on the submission
// (submission.reference) — then the workers are woken after the commit. No tip row: the normalize
// job makes the tip with that reference (a tip row has some seventeen indexes), and queues an
// acknowledgement the channel sends by API (decided here, kept in meta.ack) with the tip's message.
// A second message from the same contact joins the first's tip even before it is made.
// docs/reliability.md ("Intake fast path") describes it.

export interface ContactMessage {
  channel: Channel;
  /** The provider's id of the message: a redelivery with the same id stores nothing. */
  externalId: string;
  contact: Contact;
  /** The message text as received (keywords and a leading reference code are read from it). */
  body: string;
  /** Everything the provider sent, kept in submission.params for the normalize job. */
  params: unknown;
  /** Extra fields for submission.meta (the keyword and the route are added). */
  meta?: Record<string, unknown>;
  sizeBytes?: number;
  /** Messages per hour from one contact beyond which they are stored but marked rate-limited. */
  ratePerHour: number;
  /** Whether STOP/START/HELP are keywords on this channel (they are recorded, never tips). */
  controlKeywords?: boolean;
  /** Record it without a tip for this reason (e.g. a WeChat event); a block or a keyword goes first. */
  skip?: string | null;
  /** The acknowledgement to queue with it when the webhook's answer cannot carry one. */
  ack?: AckSpec | null;
  /**
   * Only queue `ack` when a database connection is held at or after this time (epoch ms,
   * deps.clock): an answer that would come too late goes out by API instead (WeChat).
   */
  ackOnlyAfter?: number;
}

export interface AcceptedMessage {
  submissionId: string;
  /** False for a redelivery: the fields below are what the first delivery stored. */
  created: boolean;
  keyword: SmsKeyword | null;
  /** The keyword as written (e.g. 退订), for the answer. */
  word: string;
  /** Whether the message was a STOP/START/HELP keyword (no tip, no job). */
  control: boolean;
  route: Route | null;
  /** The reference code of the tip it opens or joins (the tip itself may not be made yet). */
  reference: string | null;
  /** The tip it joins when that tip exists; null for a new tip (the normalize job makes it) or a pending one. */
  tipId: string | null;
  rateLimited: boolean;
  optedOut: boolean;
  /** Why it made no tip: a keyword ('stop keyword'), 'blocked sender' or the caller's skip; null when routed. */
  skipped: string | null;
  /** submission.meta as stored (a redelivery reads the first delivery's flags from it). */
  meta: Record<string, unknown> | null;
  /** This delivery queued the acknowledgement (a keyword's answer at once; a tip's with the tip, by the normalize job). */
  acked: boolean;
}

const isControl = (k: SmsKeyword | null): k is 'stop' | 'start' | 'help' => k === 'stop' || k === 'start' || k === 'help';

/** The message's keyword as the decision reads it: STOP/START/HELP (when the channel has them) and NEW/新. */
function keywordOf(m: ContactMessage) {
  const kw = parseKeyword(m.body);
  const control = (m.controlKeywords ?? true) && isControl(kw.keyword);
  return { kw, control, keyword: control || kw.keyword === 'new' ? kw.keyword : null };
}

/** What the decision reads of a message: its keyword, a leading reference, the sender's block hashes, the clock's day. */
function decisionInputs(deps: Deps, m: ContactMessage) {
  const { kw, control, keyword } = keywordOf(m);
  const isNew = keyword === 'new';
  const now = deps.clock.now();
  const days = deps.config.SMS_FOLLOWUP_DAYS;
  return {
    kw,
    keyword,
    control,
    decision: {
      contactKind: m.contact.kind,
      control: control ? (keyword as 'stop' | 'start' | 'help') : null,
      isNew,
      reference: isNew ? null : leadingReference(m.body),
      ratePerHour: m.ratePerHour,
      followupDays: days,
      followupCutoff: new Date(now.getTime() - days * 86_400_000),
      now,
      day: referenceDay(now, deps.config.TIMEZONE),
      blockHashes: control ? [] : blockHashesOf(m.contact.value),
      skip: m.skip ?? null,
    },
  };
}

/** The submission's row and its normalize job, as both the deciding and the undecided store write them. */
function submissionFields(m: ContactMessage, keyword: SmsKeyword | null): StoreMessageParams {
  return {
    channel: m.channel,
    externalId: m.externalId,
    params: m.params,
    meta: { ...m.meta, keyword },
    sizeBytes: m.sizeBytes ?? Buffer.byteLength(m.body),
    contact: m.contact.value,
    jobKind: NORMALIZE_JOB,
    jobMaxAttempts: 5,
  };
}

/** Stores and routes one message from a contact; resolves once it is committed. */
export async function acceptContactMessage(deps: Deps, m: ContactMessage): Promise<AcceptedMessage> {
  const { kw, keyword, control, decision } = decisionInputs(deps, m);
  const params = { ...decision, ...submissionFields(m, keyword) };
  let row: AcceptMessageRow;
  if (m.ack && m.ackOnlyAfter !== undefined) {
    // Lateness is judged once a connection is ours: waiting for one is the usual delay.
    const client = await deps.pool.connect();
    try {
      row = await acceptMessageStatement(client, { ...params, ack: deps.clock.now().getTime() >= m.ackOnlyAfter ? m.ack : null });
    } finally {
      client.release();
    }
  } else {
    row = await acceptMessageStatement(deps.pool, { ...params, ack: m.ack ?? null });
  }
  // Committed: now the workers may look (a NOTIFY inside would have serialized the commits).
  if (row.created && row.state === 'RECEIVED') deps.jobWakeups.poke(NORMALIZE_JOB);
  // A keyword's answer is queued by the statement itself; a tip's comes with the normalize job.
  if (row.acked && m.ack && control) deps.jobWakeups.poke(m.ack.job);
  return accepted(row, { keyword, word: kw.word, control });
}

function accepted(row: AcceptMessageRow, k: { keyword: SmsKeyword | null; word: string; control: boolean }): AcceptedMessage {
  return {
    submissionId: row.submission_id,
    created: row.created,
    keyword: k.keyword,
    word: k.word,
    control: k.control,
    route: row.route,
    reference: row.reference,
    tipId: row.tip_id,
    rateLimited: row.rate_limited,
    optedOut: row.opted_out,
    skipped: row.state === 'SKIPPED' ? (row.reason ?? 'skipped') : null,
    meta: row.meta,
    acked: row.acked,
  };
}

/**
 * The undecided store, for a webhook whose answer carries no reference code (the SMS gateway's): the
 * submission and its normalize job in one statement, nothing else. The normalize job decides it
 * first (decideStoredMessage): the same rules, the same SQL, a moment later and off the webhook's
 * path. Resolves once committed; submissionId is null for a redelivery, which stores nothing.
 * `keyword` is the message's keyword as read for the row (a webhook answering a keyword needs it).
 */
export async function storeContactMessage(
  deps: Deps,
  m: ContactMessage,
): Promise<{ submissionId: string | null; created: boolean; keyword: ReturnType<typeof keywordOf> }> {
  const keyword = keywordOf(m);
  const id = await storeMessageStatement(deps.pool, submissionFields(m, keyword.keyword));
  if (id) deps.jobWakeups.poke(NORMALIZE_JOB);
  return { submissionId: id, created: id !== null, keyword };
}

/**
 * Decides a stored, undecided message as acceptContactMessage would have at its arrival (its rate
 * count reads the hour before it arrived) and writes the decision onto the submission: committed
 * before it returns, so a second message from the contact sees it. created is false when it was
 * decided already; null when the submission is gone.
 */
export async function decideStoredMessage(deps: Deps, submissionId: string, m: ContactMessage): Promise<AcceptedMessage | null> {
  const { kw, keyword, control, decision } = decisionInputs(deps, m);
  const row = await decideStoredStatement(deps.pool, { ...decision, submissionId, ack: m.ack ?? null });
  if (!row) return null;
  if (row.acked && m.ack && control) deps.jobWakeups.poke(m.ack.job);
  return accepted(row, { keyword, word: kw.word, control });
}
