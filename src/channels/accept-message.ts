import type { Deps } from '../deps.js';
import type { Channel } from '../generated/prisma/enums.js';
import { NORMALIZE_JOB } from '../queue/kinds.js';
import { parseKeyword, type SmsKeyword } from '../tips/keywords.js';
import { referenceDay } from '../tips/reference.js';
import { leadingReference, type Contact, type Route } from '../tips/routing.js';
import { detectLanguage } from '../tips/threading.js';
import { acceptMessageStatement } from './sql.js';

// The fast path of every messaging webhook (Twilio SMS today; WeChat, the SMS gateway and
// the web form can call it too): everything the answer needs in ONE statement and one durable
// commit — the submission (idempotent on channel + external id), its normalize job, the
// tipster, the routing decision and, for a new tip, the tip row with its reference code — then
// the workers are woken after the commit. The rest (messages, categories, attachments, audit)
// is the normalize job's, which reads meta.route and the submission's tip_id as before.
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
  reference: string | null;
  tipId: string | null;
  rateLimited: boolean;
  optedOut: boolean;
}

const isControl = (k: SmsKeyword | null): k is 'stop' | 'start' | 'help' => k === 'stop' || k === 'start' || k === 'help';

/** Stores and routes one message from a contact; resolves once it is committed. */
export async function acceptContactMessage(deps: Deps, m: ContactMessage): Promise<AcceptedMessage> {
  const kw = parseKeyword(m.body);
  const control = (m.controlKeywords ?? true) && isControl(kw.keyword);
  const keyword = control || kw.keyword === 'new' ? kw.keyword : null;
  const isNew = keyword === 'new';
  const text = isNew ? kw.rest : m.body;
  const now = deps.clock.now();
  const days = deps.config.SMS_FOLLOWUP_DAYS;
  const row = await acceptMessageStatement(deps.pool, {
    channel: m.channel,
    externalId: m.externalId,
    params: m.params,
    meta: { ...m.meta, keyword },
    sizeBytes: m.sizeBytes ?? Buffer.byteLength(m.body),
    contactKind: m.contact.kind,
    contact: m.contact.value,
    control: control ? (keyword as 'stop' | 'start' | 'help') : null,
    isNew,
    reference: isNew ? null : leadingReference(m.body),
    text,
    language: detectLanguage(text),
    ratePerHour: m.ratePerHour,
    followupDays: days,
    followupCutoff: new Date(now.getTime() - days * 86_400_000),
    now,
    day: referenceDay(now, deps.config.TIMEZONE),
    jobKind: NORMALIZE_JOB,
    jobMaxAttempts: 5,
  });
  // Committed: now the workers may look (a NOTIFY inside would have serialized the commits).
  if (row.created && !control) deps.jobWakeups.poke(NORMALIZE_JOB);
  return {
    submissionId: row.submission_id,
    created: row.created,
    keyword,
    word: kw.word,
    control,
    route: row.route,
    reference: row.reference,
    tipId: row.tip_id,
    rateLimited: row.rate_limited,
    optedOut: row.opted_out,
  };
}
