import { Prisma, type Tx } from '../db/prisma.js';

// The privacy module's raw SQL: statements over many tables at once (erasure, retention),
// array parameters and keyset pages that Prisma's query API cannot say.
//
// Erasure is generic over channels: it works on submission, message and tipster columns and
// on free text, never on a channel's parameter names, so WeChat, SMS-gateway and web-form
// submissions are covered the same way as email, SMS and voice.

const CLOSED = Prisma.sql`('PUBLISHED', 'DISMISSED', 'MERGED')`;
/** The SMS webhook's per-sender lock (src/channels/twilio/sms-intake.service.ts, SMS_SENDER_LOCK). */
const SMS_SENDER_LOCK = 4104;

export const ERASED = '[erased]';

/** A regular expression that matches any of the needles (compared without case). */
export function needlePattern(needles: string[]): string | null {
  const clean = [...new Set(needles.filter((n) => n.length >= 5))];
  if (!clean.length) return null;
  return clean.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

export interface TipsterRow {
  id: string;
  phone: string | null;
  email: string | null;
  wechatOpenId: string | null;
  displayName: string | null;
  smsOptOut: boolean;
  createdAt: Date;
}

/** By the unique indexes: tipster emails are stored in lower case (findOrCreateTipster), as lookup forms are. */
export function findTipsters(tx: Tx, forms: string[]): Promise<TipsterRow[]> {
  return tx.$queryRaw<TipsterRow[]>`
    SELECT id::text, phone, email, wechat_open_id AS "wechatOpenId", display_name AS "displayName", sms_opt_out AS "smsOptOut", created_at AS "createdAt"
    FROM tipster
    WHERE phone = ANY(${forms}::text[]) OR email = ANY(${forms}::text[]) OR wechat_open_id = ANY(${forms}::text[])
    ORDER BY created_at`;
}

/** Every tip a tipster is linked to: as the tip's sender or through a merge. */
export async function tipIdsOf(tx: Tx, tipsterIds: string[]): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM tip WHERE tipster_id = ANY(${tipsterIds}::uuid[])
    UNION SELECT tip_id::text FROM tip_tipster WHERE tipster_id = ANY(${tipsterIds}::uuid[])`;
  return rows.map((r) => r.id);
}

/** What a submission of these contacts looks like: its sender, or the contact inside its parameters or raw bytes. */
function carriesContact(senders: string[], pattern: string | null) {
  const text = pattern
    ? Prisma.sql`OR concat_ws(' ', s.sender, s.params::text, s.meta::text) ~* ${pattern}
                 OR (s.raw IS NOT NULL AND encode(s.raw, 'escape') ~* ${pattern})`
    : Prisma.empty;
  return Prisma.sql`(s.sender = ANY(${senders}::text[]) OR lower(s.sender) = ANY(${senders}::text[]) ${text})`;
}

export interface HeldSubmission {
  id: string;
  channel: string;
  externalId: string;
  state: string;
  receivedAt: Date;
  tipId: string | null;
  sender: string | null;
  params: unknown;
  meta: unknown;
  rawBytes: number | null;
}

/** Submissions of these contacts, wherever they went (tips, SKIPPED keywords, blocked senders, quarantine). */
export function submissionsOf(tx: Tx, tipIds: string[], senders: string[], pattern: string | null): Promise<HeldSubmission[]> {
  return tx.$queryRaw<HeldSubmission[]>`
    SELECT s.id::text, s.channel::text, s.external_id AS "externalId", s.state::text, s.received_at AS "receivedAt", s.tip_id::text AS "tipId",
           s.sender, s.params, s.meta, octet_length(s.raw) AS "rawBytes"
    FROM submission s
    WHERE (s.sender = ANY(${senders}::text[]) OR lower(s.sender) = ANY(${senders}::text[])
           OR (s.tip_id = ANY(${tipIds}::uuid[]) AND ${carriesContact(senders, pattern)}))
    ORDER BY s.received_at, s.id`;
}

export interface EraseScope {
  /** Tips whose senders' contact data goes. */
  tipIds: string[];
  /** Tipster rows deleted (their phone, email, OpenID and name go with them). */
  tipsterIds: string[];
  /** Exact spellings of the erased contacts (submission.sender, message.to_address). */
  senders: string[];
  /** Regular expression over free text for the erased contacts (needlePattern). */
  pattern: string | null;
  /** Retention: every submission and outbound address of the tips. A request: only those of the erased contacts. */
  wholeTips: boolean;
  at: Date;
}

export interface EraseCounts {
  tipsters: number;
  submissions: number;
  messages: number;
  texts: number;
  jobs: number;
  tips: number;
}

/** Serializes with the SMS webhook's routing of texts from these numbers (no tip is made for a row being deleted). */
export async function lockSenders(tx: Tx, phones: string[]) {
  for (const p of [...new Set(phones)].sort()) await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SMS_SENDER_LOCK}::int, hashtext(${p}))`;
}

/** One erasure, inside the caller's transaction. Submissions still RECEIVED (in flight) are left to be processed. */
export async function eraseScope(tx: Tx, s: EraseScope): Promise<EraseCounts> {
  const { tipIds, pattern } = s;
  const subs = await tx.$executeRaw`
    UPDATE submission s SET raw = NULL, params = NULL, sender = NULL,
      -- Metadata without the contact (an SMS's keyword and route) stays: a redelivery is answered as before.
      meta = CASE WHEN ${s.wholeTips} OR s.meta::text ~* ${pattern}::text THEN NULL ELSE s.meta END,
      last_error = CASE WHEN ${pattern}::text IS NOT NULL THEN regexp_replace(s.last_error, ${pattern}, ${ERASED}, 'gi') ELSE s.last_error END
    WHERE s.state <> 'RECEIVED'
      AND (s.raw IS NOT NULL OR s.params IS NOT NULL OR s.sender IS NOT NULL OR (s.meta IS NOT NULL AND (${s.wholeTips} OR s.meta::text ~* ${pattern}::text)))
      AND ((s.tip_id = ANY(${tipIds}::uuid[]) AND (${s.wholeTips} OR ${carriesContact(s.senders, pattern)}))
           OR s.sender = ANY(${s.senders}::text[]) OR lower(s.sender) = ANY(${s.senders}::text[]))`;

  const toErased = pattern
    ? Prisma.sql`(lower(m.to_address) = ANY(${s.senders}::text[]) OR m.to_address = ANY(${s.senders}::text[]) OR m.to_address ~* ${pattern})`
    : Prisma.sql`(lower(m.to_address) = ANY(${s.senders}::text[]) OR m.to_address = ANY(${s.senders}::text[]))`;
  // Nothing more goes out to an erased address; provider errors (which quote it) go with it.
  // Messages to a tipster are on the tipster's tips (merges move them and the link), so the
  // search stays on the tips' index instead of reading the whole message table.
  const msgs = await tx.$executeRaw`
    UPDATE message m SET to_address = NULL, delivery_error = NULL,
      delivery_state = CASE WHEN m.delivery_state = 'QUEUED' THEN 'SUPPRESSED'::"DeliveryState" ELSE m.delivery_state END
    WHERE m.to_address IS NOT NULL AND m.tip_id = ANY(${tipIds}::uuid[]) AND (${s.wholeTips} OR ${toErased})`;

  let texts = 0;
  let jobs = 0;
  if (pattern) {
    // The contact typed into a story or quoted in a mail's history: replaced, the rest of the text stays.
    const rx = (col: Prisma.Sql) => Prisma.sql`${col} = regexp_replace(${col}, ${pattern}, ${ERASED}, 'gi')`;
    const hit = (cols: Prisma.Sql[]) =>
      Prisma.join(
        cols.map((c) => Prisma.sql`${c} ~* ${pattern}`),
        ' OR ',
      );
    const c = (n: string) => Prisma.raw(n);
    texts += await tx.$executeRaw`
      UPDATE message SET ${Prisma.join([c('subject'), c('body'), c('full_body'), c('delivery_error'), c('email_message_id')].map(rx), ', ')}
      WHERE tip_id = ANY(${tipIds}::uuid[]) AND (${hit([c('subject'), c('body'), c('full_body'), c('delivery_error'), c('email_message_id')])})`;
    texts += await tx.$executeRaw`
      UPDATE tip SET ${Prisma.join([c('subject'), c('body'), c('title'), c('location'), c('search_text')].map(rx), ', ')}
      WHERE id = ANY(${tipIds}::uuid[]) AND (${hit([c('subject'), c('body'), c('title'), c('location'), c('search_text')])})`;
    // The words and search tokens read from the text (src/tips/language) hold the number too:
    // those that carry it go; the desk's word counts lose it.
    const keep = (col: string) => Prisma.sql`${c(col)} = ARRAY(SELECT x FROM unnest(${c(col)}) x WHERE x !~* ${pattern})`;
    const holds = (col: string) => Prisma.sql`array_to_string(${c(col)}, ' ') ~* ${pattern}`;
    texts += await tx.$executeRaw`
      UPDATE tip SET ${keep('search_tokens')}, ${keep('content_words')}, ${keep('location_words')}
      WHERE id = ANY(${tipIds}::uuid[]) AND (${holds('search_tokens')} OR ${holds('content_words')} OR ${holds('location_words')})`;
    await tx.$executeRaw`DELETE FROM word_df WHERE word ~* ${pattern}`;
    texts += await tx.$executeRaw`
      UPDATE note SET ${rx(c('body'))} WHERE tip_id = ANY(${tipIds}::uuid[]) AND body ~* ${pattern}`;
    texts += await tx.$executeRaw`
      UPDATE attachment SET ${Prisma.join([c('filename'), c('error')].map(rx), ', ')}
      WHERE tip_id = ANY(${tipIds}::uuid[]) AND (${hit([c('filename'), c('error')])})`;
    texts += await tx.$executeRaw`
      UPDATE audit_event SET before = regexp_replace(before::text, ${pattern}, ${ERASED}, 'gi')::jsonb,
                             after = regexp_replace(after::text, ${pattern}, ${ERASED}, 'gi')::jsonb
      WHERE tip_id = ANY(${tipIds}::uuid[]) AND (before::text ~* ${pattern} OR after::text ~* ${pattern})`;
    texts += await tx.$executeRaw`
      UPDATE intake_source SET ${rx(c('last_error'))} WHERE last_error ~* ${pattern}`;
    // Send jobs carry the address in their payload, failed ones in their error: a queued one is
    // not sent any more (its message is SUPPRESSED above); a running one finishes.
    jobs = await tx.$executeRaw`
      DELETE FROM job WHERE state <> 'RUNNING' AND (payload::text ~* ${pattern} OR last_error ~* ${pattern})`;
  }

  await tx.$executeRaw`DELETE FROM tip_tipster WHERE tipster_id = ANY(${s.tipsterIds}::uuid[])`;
  const tipsters = await tx.$executeRaw`DELETE FROM tipster WHERE id = ANY(${s.tipsterIds}::uuid[])`;
  const tips = await tx.$executeRaw`
    UPDATE tip SET contact_erased_at = ${s.at}::timestamptz WHERE id = ANY(${tipIds}::uuid[]) AND contact_erased_at IS NULL`;
  return { tipsters, submissions: subs, messages: msgs, texts, jobs, tips };
}

/**
 * The next tips retention must erase: closed before the cutoff, not yet erased (locked; other
 * sweeps skip them). NO KEY UPDATE: a webhook linking a submission to the tip (a key-share lock)
 * is not blocked, so it cannot deadlock with the sender locks the erasure takes next.
 */
export async function dueForRetention(tx: Tx, cutoff: Date, limit: number): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM tip
    WHERE contact_erased_at IS NULL AND closed_at < ${cutoff}::timestamptz AND status IN ${CLOSED}
    ORDER BY closed_at LIMIT ${limit}
    FOR NO KEY UPDATE SKIP LOCKED`;
  return rows.map((r) => r.id);
}

/** Tipsters of these tips none of whose tips is open or closed within the retention period. */
export function expiredTipsters(tx: Tx, tipIds: string[], cutoff: Date): Promise<TipsterRow[]> {
  return tx.$queryRaw<TipsterRow[]>`
    WITH linked AS (
      SELECT tipster_id FROM tip WHERE id = ANY(${tipIds}::uuid[]) AND tipster_id IS NOT NULL
      UNION SELECT tipster_id FROM tip_tipster WHERE tip_id = ANY(${tipIds}::uuid[]))
    SELECT ts.id::text, ts.phone, ts.email, ts.wechat_open_id AS "wechatOpenId", ts.display_name AS "displayName",
           ts.sms_opt_out AS "smsOptOut", ts.created_at AS "createdAt"
    FROM tipster ts JOIN linked l ON l.tipster_id = ts.id
    WHERE NOT EXISTS (
      SELECT 1 FROM tip t
      WHERE (t.tipster_id = ts.id OR t.id IN (SELECT tip_id FROM tip_tipster WHERE tipster_id = ts.id))
        AND (t.closed_at IS NULL OR t.closed_at >= ${cutoff}::timestamptz))`;
}

/**
 * Submissions that never became a tip (keywords, auto-replies, blocked senders, quarantine)
 * received before the cutoff: their sender and bytes go too.
 */
export function eraseOrphanSubmissions(tx: Tx, cutoff: Date): Promise<number> {
  return tx.$executeRaw`
    UPDATE submission SET raw = NULL, params = NULL, meta = NULL, sender = NULL
    WHERE tip_id IS NULL AND state IN ('SKIPPED', 'QUARANTINED') AND received_at < ${cutoff}::timestamptz
      AND (raw IS NOT NULL OR params IS NOT NULL OR meta IS NOT NULL OR sender IS NOT NULL)`;
}

/** Tipsters with no tip at all (keyword-only senders) first seen before the cutoff; opted-out numbers stay so they are never texted. */
export function eraseTiplessTipsters(tx: Tx, cutoff: Date): Promise<number> {
  return tx.$executeRaw`
    DELETE FROM tipster ts
    WHERE ts.created_at < ${cutoff}::timestamptz AND NOT ts.sms_opt_out
      AND NOT EXISTS (SELECT 1 FROM tip WHERE tipster_id = ts.id)
      AND NOT EXISTS (SELECT 1 FROM tip_tipster WHERE tipster_id = ts.id)`;
}

export interface AccessRow {
  id: string;
  createdAt: Date;
  userId: string | null;
  userName: string | null;
  tipsterId: string;
  tipId: string | null;
  tipReference: string | null;
  purpose: string;
}

/** Access records, newest first, one keyset page (created_at, id). */
export function accessPage(tx: Tx, limit: number, after: { c: Date; i: string } | null, tipsterId?: string): Promise<AccessRow[]> {
  const conds = [
    after ? Prisma.sql`(a.created_at, a.id) < (${after.c}::timestamptz, ${after.i}::uuid)` : Prisma.sql`true`,
    tipsterId ? Prisma.sql`a.tipster_id = ${tipsterId}::uuid` : Prisma.sql`true`,
  ];
  return tx.$queryRaw<AccessRow[]>`
    SELECT a.id::text, a.created_at AS "createdAt", a.user_id::text AS "userId", u.display_name AS "userName",
           a.tipster_id::text AS "tipsterId", a.tip_id::text AS "tipId", t.reference AS "tipReference", a.purpose
    FROM contact_access a LEFT JOIN app_user u ON u.id = a.user_id LEFT JOIN tip t ON t.id = a.tip_id
    WHERE ${Prisma.join(conds, ' AND ')}
    ORDER BY a.created_at DESC, a.id DESC LIMIT ${limit}`;
}

export async function isBlockedHash(tx: Tx, hash: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ one: number }[]>`SELECT 1 AS one FROM contact_block WHERE contact_hash = ${hash} LIMIT 1`;
  return rows.length > 0;
}

export async function tipsterById(tx: Tx, id: string, lock = false): Promise<TipsterRow | null> {
  const rows = await tx.$queryRaw<TipsterRow[]>`
    SELECT id::text, phone, email, wechat_open_id AS "wechatOpenId", display_name AS "displayName", sms_opt_out AS "smsOptOut", created_at AS "createdAt"
    FROM tipster WHERE id = ${id}::uuid ${lock ? Prisma.sql`FOR UPDATE` : Prisma.empty}`;
  return rows[0] ?? null;
}

export interface HeldTip {
  id: string;
  reference: string;
  channel: string;
  status: string;
  subject: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

export function tipsByIds(tx: Tx, ids: string[]): Promise<HeldTip[]> {
  return tx.$queryRaw<HeldTip[]>`
    SELECT id::text, reference, channel::text, status::text, subject, created_at AS "createdAt", closed_at AS "closedAt"
    FROM tip WHERE id = ANY(${ids}::uuid[]) ORDER BY created_at, id`;
}

export interface HeldMessage {
  id: string;
  tipId: string;
  direction: string;
  channel: string;
  kind: string;
  subject: string | null;
  body: string;
  toAddress: string | null;
  deliveryState: string;
  createdAt: Date;
}

/** Their inbound messages (from their submissions) and what we sent to their addresses. */
export function messagesOf(tx: Tx, tipIds: string[], submissionIds: string[], senders: string[]): Promise<HeldMessage[]> {
  return tx.$queryRaw<HeldMessage[]>`
    SELECT id::text, tip_id::text AS "tipId", direction::text, channel::text, kind, subject, body, to_address AS "toAddress",
           delivery_state::text AS "deliveryState", created_at AS "createdAt"
    FROM message
    WHERE submission_id = ANY(${submissionIds}::uuid[])
       OR (tip_id = ANY(${tipIds}::uuid[]) AND (to_address = ANY(${senders}::text[]) OR lower(to_address) = ANY(${senders}::text[])))
    ORDER BY created_at, id`;
}
