import type { Deps } from '../deps.js';
import { Prisma, type Tx } from '../db/prisma.js';
import { Channel } from '../generated/prisma/enums.js';
import type { SmsKeyword } from './keywords.js';
import { nextReference, REFERENCE_RE } from './reference.js';
import { z } from 'zod';
import { PermanentJobError } from '../errors.js';
import { addInboundMessage, createTipFromSubmission, detectLanguage, queueAck, resolveMerged, searchTextOf, type NewTipInput } from './threading.js';

// Where a message from a known contact goes, for every messaging channel (SMS through Twilio
// or the hotline's own phone, WeChat): NEW/新 opens a tip; a leading reference code addresses
// that tip; otherwise the contact's open tip active within SMS_FOLLOWUP_DAYS joins the thread;
// otherwise a new tip. Webhooks decide this in their intake statement (intake_accept_message, the
// same rules in SQL: src/channels/accept-message.ts) because their answer must carry the tip's
// reference code; this is the normalize job's copy, for submissions stored without a decision.

/** A tipster's address on a messaging channel: the tipster row is found by it. */
export type Contact = { kind: 'phone'; value: string } | { kind: 'wechat'; value: string };

/** tipster column per contact kind (a fixed list: never user input in SQL). */
const COLUMN = { phone: Prisma.raw('phone'), wechat: Prisma.raw('wechat_open_id') } as const;

/** Namespace for per-contact advisory locks (the second key is hashtext(contact)). */
const CONTACT_LOCK = 4104;

export type Route = 'new' | 'followup' | 'reference';

/**
 * The webhook's routing decision as the normalize job reads it (intake_accept_message stored it):
 * route 'new' with the reference code the webhook gave out (the tip is made now), or the tip a
 * follow-up joins. tipId is also set for route 'new' on a tip row made earlier (by routeByContact,
 * or by a webhook before the tip moved to this job).
 */
export interface Decision {
  route: Route;
  tipId: string | null;
  reference: string | null;
}

/** What submission.meta holds of the decision. */
export interface DecisionMeta {
  route?: Route;
  /** A follow-up to a tip whose opening message was not normalized yet: that tip's code. */
  pendingReference?: string;
}

/**
 * The stored decision, or null when there is none to follow: stored without one (e.g. retried
 * from quarantine), or the pending tip it joins was never made (its opener quarantined). Then the
 * caller decides again with routeByContact. The normalize job has normalized a pending tip's opener
 * first (src/channels/normalize.job.ts), so its tip exists when it can.
 */
export async function decidedTarget(
  tx: Tx,
  claimed: { tipId: string | null; reference: string | null },
  meta: DecisionMeta,
): Promise<Decision | null> {
  const route = meta.route;
  if (!route) return null;
  if (claimed.tipId) return { route, tipId: claimed.tipId, reference: null };
  if (route === 'new') return claimed.reference ? { route, tipId: null, reference: claimed.reference } : null;
  if (!meta.pendingReference) return null;
  const t = await tx.tip.findUnique({ where: { reference: meta.pendingReference }, select: { id: true } });
  return t ? { route, tipId: t.id, reference: null } : null;
}

/** An acknowledgement the webhook decided on (submission.meta.ack), sent by API once the tip exists. */
const PendingAckSchema = z.object({
  job: z.string(),
  maxAttempts: z.number().int(),
  channel: z.enum(Channel),
  uniquePrefix: z.string(),
  body: z.string(),
});
export type PendingAck = z.infer<typeof PendingAckSchema> & { to: string };

/** The acknowledgement stored with a submission, addressed to its sender; null when none is due. */
export function pendingAckOf(sub: { meta: unknown; sender: string | null }): PendingAck | null {
  const raw = (sub.meta as { ack?: unknown } | null)?.ack;
  if (raw === undefined || !sub.sender) return null;
  const parsed = PendingAckSchema.safeParse(raw);
  if (!parsed.success)
    throw new PermanentJobError(`submission acknowledgement is invalid: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return { ...parsed.data, to: sub.sender };
}

/**
 * Where a routed message lands: route 'new' opens its tip (with the reference the webhook gave
 * out, or filling in a tip row made earlier); a follow-up (or a reply by reference) joins its tip,
 * followed through merges to the survivor. The webhook's acknowledgement, if one is due, is queued
 * on that tip in the same transaction.
 */
export async function landRouted(
  tx: Tx,
  d: Decision,
  input: Omit<NewTipInput, 'reservedTipId' | 'reference'>,
  ack: PendingAck | null = null,
): Promise<{ tipId: string; messageId: string }> {
  let landed: { tipId: string; messageId: string };
  if (d.route === 'new') {
    const { tip, message } = await createTipFromSubmission(tx, { ...input, reservedTipId: d.tipId, reference: d.reference });
    landed = { tipId: tip.id, messageId: message.id };
  } else {
    if (!d.tipId) throw new Error(`a ${d.route} has no tip to join`);
    const target = await resolveMerged(tx, d.tipId);
    landed = { tipId: target, messageId: (await addInboundMessage(tx, target, input)).message.id };
  }
  if (ack) await queueAck(tx, { tipId: landed.tipId, ...ack });
  return landed;
}

const LEADING_REFERENCE_RE = new RegExp(`^${REFERENCE_RE.source.replace('\\b', '')}`, 'i');

/** Leading reference code ("T-260321-0042 楼下还在漏") addressing an existing tip. */
export function leadingReference(text: string): string | null {
  const m = text.trimStart().match(LEADING_REFERENCE_RE);
  return m ? `T-${m[1]}-${m[2]}`.toUpperCase() : null;
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
        -- Each branch through its index; written as (tipster_id = … OR id IN (…)) the planner walks
        -- every tip by created_at and filters (a contact without an open tip scanned the whole table).
        AND t.id IN (SELECT x.id FROM tip x WHERE x.tipster_id = ts.id UNION SELECT tt.tip_id FROM tip_tipster tt WHERE tt.tipster_id = ts.id)
        AND t.status NOT IN ('PUBLISHED', 'DISMISSED', 'MERGED')
        AND t.last_activity_at >= ${cutoff}::timestamptz
      ORDER BY t.created_at DESC LIMIT 1)`;
}

interface SenderRow {
  tipsterId: string;
  optOut: boolean;
  recent: number;
  openTipId: string | null;
  openReference: string | null;
}

/**
 * One round trip: the contact's tipster row (made on first contact), messages in the last hour
 * on this channel (for the rate limit; includes this one) and their newest open tip.
 */
async function senderState(tx: Tx, deps: Deps, channel: Channel, contact: Contact): Promise<SenderRow> {
  const col = COLUMN[contact.kind];
  const rows = await tx.$queryRaw<SenderRow[]>`
    WITH found AS (SELECT id, sms_opt_out FROM tipster WHERE ${col} = ${contact.value}),
    made AS (
      INSERT INTO tipster (${col}) SELECT ${contact.value} WHERE NOT EXISTS (SELECT 1 FROM found)
      ON CONFLICT DO NOTHING RETURNING id, sms_opt_out),
    ts AS (SELECT * FROM found UNION ALL SELECT * FROM made)
    SELECT ts.id::text AS "tipsterId", ts.sms_opt_out AS "optOut",
      (SELECT count(*)::int FROM submission WHERE sender = ${contact.value} AND channel = ${channel}::"Channel" AND received_at > now() - interval '1 hour') AS recent,
      o.id::text AS "openTipId", o.reference AS "openReference"
    FROM ts LEFT JOIN ${openTipOf(deps)} o ON true`;
  if (rows[0]) return rows[0];
  // Another path (a call from the same number) made the tipster between our read and insert.
  const t = await tx.$queryRaw<{ id: string; optOut: boolean }[]>`
    SELECT id::text, sms_opt_out AS "optOut" FROM tipster WHERE ${col} = ${contact.value}`;
  return { tipsterId: t[0].id, optOut: t[0].optOut, recent: 0, openTipId: null, openReference: null };
}

export interface RouteTarget {
  tipId: string;
  reference: string;
  route: Route;
  tipsterId: string;
  rateLimited: boolean;
  optedOut: boolean;
}

export interface RouteInput {
  channel: Channel;
  contact: Contact;
  body: string;
  keyword: SmsKeyword | null;
  /** The text after a NEW/新 keyword. */
  rest: string;
  /** Messages per hour from one contact beyond which they are stored but marked rate-limited. */
  ratePerHour: number;
}

/** Routes a message; serialized per contact so two quick messages from a new contact make one tip, not two. */
export async function routeByContact(tx: Tx, deps: Deps, o: RouteInput): Promise<RouteTarget> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CONTACT_LOCK}::int, hashtext(${o.contact.value}))`;
  const s = await senderState(tx, deps, o.channel, o.contact);
  const base = { tipsterId: s.tipsterId, rateLimited: s.recent > o.ratePerHour, optedOut: s.optOut };
  if (o.keyword !== 'new') {
    const ref = leadingReference(o.body);
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
  const text = o.keyword === 'new' ? o.rest : o.body;
  const reference = await nextReference(tx, now, deps.config.TIMEZONE);
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO tip (reference, channel, body, language, tipster_id, search_text, created_at, last_activity_at)
    VALUES (${reference}, ${o.channel}::"Channel", ${text}, ${detectLanguage(text)}, ${s.tipsterId}::uuid,
            ${searchTextOf({ reference, body: text })}, ${now}::timestamptz, ${now}::timestamptz)
    RETURNING id::text`;
  return { ...base, tipId: rows[0].id, reference, route: 'new' };
}
