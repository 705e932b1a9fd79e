// Everything the soak sent, with what each item should have become. The reconciliation
// compares this ledger with the database, the SMTP capture and the Twilio fake.

export type SmsExpect = 'tip' | 'thread' | 'skip';

export interface SmsItem {
  sid: string;
  from: string;
  token: string;
  expect: SmsExpect;
  /** For a thread message: the SMS whose tip it must join. */
  threadOf?: string;
  media: number;
  /** Extra deliveries of the same MessageSid (sequential re-sends and concurrent twins). */
  redeliveries: number;
  /** A 2xx came back for at least one delivery. */
  accepted: boolean;
  /** The reference code the TwiML answer carried. */
  reference?: string;
  /** Every 2xx answer's TwiML text: a redelivery must be answered exactly like the first. */
  answers: string[];
  /** Sent while the number was blocked: stored SKIPPED ('blocked sender'), no tip, an empty answer. */
  blocked?: boolean;
}

/** A tipster erased during traffic (soak/privacy-traffic.ts). */
export interface Erasure {
  phone: string;
  tipsterId: string;
  /** The tipster's tips when it was erased. */
  tipIds: string[];
  /** Just before the erase call: submissions stored earlier must have lost the number. */
  startedAt: number;
  counts?: Record<string, number>;
  /** The text the same number sent afterwards: it must open a new tip. */
  laterSid?: string;
}

export interface PrivacyStats {
  erasures: Erasure[];
  blocks: number;
  unblocks: number;
  /** Numbers no longer used for follow-ups (being or having been erased). */
  retired: Set<string>;
  problems: string[];
}

/** One SMS to the hotline's own number, forwarded by the gateway phone (sms:received). */
export interface GatewayItem {
  /** The event id: the same on every redelivery. */
  eventId: string;
  /** The sender as stored (E.164); the phone reports it without +86. */
  from: string;
  token: string;
  expect: SmsExpect;
  threadOf?: string;
  redeliveries: number;
  accepted: boolean;
}

export interface CallItem {
  callSid: string;
  from: string;
  recorded: boolean;
  recordingSid?: string;
  transcriptionSid?: string;
  token: string;
  /** Submission external ids this call's callbacks store, and whether each got a 2xx. */
  keys: Record<string, boolean>;
  order: string[];
}

export type EmailExpect = 'tip' | 'thread' | 'skip' | 'poison';

export interface EmailItem {
  kind: 'utf8' | 'gbk' | 'big5' | 'attachment' | 'reply' | 'auto-reply' | 'poison';
  messageId: string | null;
  from: string;
  token: string;
  expect: EmailExpect;
  /** Text that must appear, decoded, in the tip or message body. */
  expectText?: string;
  /** For a reply: the tip it answers (from the acknowledgement's Message-ID). */
  threadTipId?: string;
  attachments: number;
  /** How it reached the mailbox: IMAP APPEND, or dropped into the maildir while IMAP was down. */
  via: 'append' | 'maildir' | null;
}

export type WebExpect = 'tip' | 'followup' | 'honeypot';

export interface WebItem {
  /** The Idempotency-Key every delivery of this post carries. */
  key: string;
  token: string;
  expect: WebExpect;
  photos: number;
  phone?: string;
  /** For a follow-up: the web tip (its key) whose status link it was posted to. */
  threadOf?: string;
  redeliveries: number;
  accepted: boolean;
  reference?: string;
  statusUrl?: string;
  /** Every 201 answer's JSON: a retried post must be answered exactly like the first. */
  answers: string[];
}

export interface ClaimRace {
  tipId: string;
  reporters: number;
  /** Distinct reporters that got a 2xx. */
  winners: string[];
  /** A lead assigned to this reporter: nobody else may win. */
  onlyWinner?: string;
  statuses: (number | string)[];
}

export interface ApiStats {
  calls: number;
  byStatus: Record<string, number>;
  connectionErrors: number;
  categorized: number;
  assigned: number;
  claimRaces: ClaimRace[];
}

export interface Ledger {
  sms: SmsItem[];
  gateway: GatewayItem[];
  calls: CallItem[];
  emails: EmailItem[];
  web: WebItem[];
  api: ApiStats;
  phones: Set<string>;
  emailAddresses: Set<string>;
  privacy: PrivacyStats;
}

export function newLedger(): Ledger {
  return {
    sms: [],
    gateway: [],
    calls: [],
    emails: [],
    web: [],
    api: { calls: 0, byStatus: {}, connectionErrors: 0, categorized: 0, assigned: 0, claimRaces: [] },
    phones: new Set(),
    emailAddresses: new Set(),
    privacy: { erasures: [], blocks: 0, unblocks: 0, retired: new Set(), problems: [] },
  };
}
