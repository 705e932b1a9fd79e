import type { Channel } from '../generated/prisma/enums.js';
import type { Tx } from '../db/prisma.js';
import { TIP_READ_JOB } from '../queue/kinds.js';
import { JOB_CHANNEL } from '../queue/sql.js';
import { DESK_CHANNEL } from '../audit/sql.js';
import { referenceDay } from './reference.js';
import { insertAck, insertFollowUp, insertTip, queueReading, type AckInsert, type InboundMessageRow } from './sql/threading.js';

// What every intake channel does once a submission is understood: find the tipster,
// open a tip or add to one, write the audit trail. Runs inside the normalizer's transaction,
// which holds the submission's lock: one statement per step, the reading left to a job.

export interface TipsterInput {
  phone?: string | null;
  email?: string | null;
  wechatOpenId?: string | null;
  displayName?: string | null;
}

export async function findOrCreateTipster(tx: Tx, input: TipsterInput) {
  const phone = input.phone?.trim() || null;
  const email = input.email?.trim().toLowerCase() || null;
  const wechatOpenId = input.wechatOpenId?.trim() || null;
  if (!phone && !email && !wechatOpenId) return null;
  const where = phone ? { phone } : email ? { email } : { wechatOpenId: wechatOpenId! };
  const existing = await tx.tipster.findUnique({ where });
  if (existing) {
    if (!existing.displayName && input.displayName) {
      return tx.tipster.update({ where: { id: existing.id }, data: { displayName: input.displayName } });
    }
    return existing;
  }
  // Concurrent first contacts from one number race here; the loser reads the winner's row.
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO tipster (phone, email, wechat_open_id, display_name) VALUES (${phone}, ${email}, ${wechatOpenId}, ${input.displayName ?? null})
    ON CONFLICT DO NOTHING RETURNING id::text`;
  if (rows[0]) return tx.tipster.findUniqueOrThrow({ where: { id: rows[0].id } });
  return tx.tipster.findUniqueOrThrow({ where });
}

export interface NewTipInput {
  channel: Channel;
  subject?: string | null;
  body: string;
  fullBody?: string | null;
  language?: string | null;
  tipsterId?: string | null;
  submissionId: string;
  receivedAt: Date;
  timeZone: string;
  emailMessageId?: string | null;
  messageKind?: string;
  externalId?: string | null;
  /** A tip row made earlier (e.g. by a webhook that had to answer with its reference): filled in, keeping its reference. */
  reservedTipId?: string | null;
  /** The reference a webhook gave out for this tip (submission.reference): the new tip gets it. */
  reference?: string | null;
  /** A location the channel supplied (a WeChat location label, a form's location field): wins over the text. */
  location?: string | null;
}

export function detectLanguage(text: string): string {
  const han = (text.match(/[\u3400-\u9fff]/g) ?? []).length;
  const latin = (text.match(/[a-zA-Z]/g) ?? []).length;
  if (han === 0 && latin === 0) return 'und';
  return han * 2 >= latin ? 'zh' : 'en';
}

export const searchTextOf = (t: { reference: string; subject?: string | null; body: string; title?: string | null; location?: string | null }) =>
  [t.reference, t.title, t.subject, t.location, t.body].filter(Boolean).join('\n').slice(0, 20_000);

/**
 * Opens a tip (or fills in the webhook's reserved row) with its first message, audit and desk
 * events, in one statement. The reading (place, tokens, incidents, suggestion, duplicate) is the
 * tip.read job's, queued in the same statement: CPU and round trips intake need not spend.
 */
export async function createTipFromSubmission(tx: Tx, input: NewTipInput) {
  const tip = await insertTip(tx, {
    reservedTipId: input.reservedTipId ?? null,
    reference: input.reference ?? null,
    day: referenceDay(input.receivedAt, input.timeZone),
    language: input.language ?? detectLanguage(`${input.subject ?? ''}\n${input.body}`),
    tipsterId: input.tipsterId ?? null,
    location: input.location?.trim() || null,
    message: inboundRow(input),
    readJob: TIP_READ_JOB,
    notify: NOTIFY,
  });
  return { tip, message: { id: tip.messageId } };
}

const NOTIFY = { desk: DESK_CHANNEL, jobs: JOB_CHANNEL };

type InboundMessageInput = Pick<
  NewTipInput,
  'submissionId' | 'channel' | 'subject' | 'body' | 'fullBody' | 'emailMessageId' | 'messageKind' | 'externalId' | 'receivedAt'
>;

/** The inbound Message row of a submission, whether it opens a tip or joins one. */
const inboundRow = (input: InboundMessageInput): InboundMessageRow => ({
  submissionId: input.submissionId,
  channel: input.channel,
  subject: input.subject ?? null,
  body: input.body,
  fullBody: input.fullBody ?? null,
  emailMessageId: input.emailMessageId ?? null,
  kind: input.messageKind ?? 'message',
  externalId: input.externalId ?? null,
  receivedAt: input.receivedAt,
});

/** A follow-up joins the tip; its search tokens come from the tip.read job. Returns the tip as it was. */
export async function addInboundMessage(
  tx: Tx,
  tipId: string,
  input: Omit<NewTipInput, 'timeZone' | 'language' | 'tipsterId'> & { tipsterId?: string | null },
) {
  const tip = await insertFollowUp(tx, {
    tipId,
    tipsterId: input.tipsterId ?? null,
    message: inboundRow(input),
    readJob: TIP_READ_JOB,
    notify: NOTIFY,
  });
  return { tip, message: { id: tip.messageId } };
}

/** A webhook's acknowledgement (sent by API) on the tip it was about; its send job is woken at commit. */
export function queueAck(tx: Tx, a: Omit<AckInsert, 'jobsChannel'>) {
  return insertAck(tx, { ...a, jobsChannel: NOTIFY.jobs });
}

/** The tip's text changed after it was read (a voicemail's transcript): read it again. */
export function readAgain(tx: Tx, tipId: string) {
  return queueReading(tx, { tipId, readJob: TIP_READ_JOB, notify: NOTIFY });
}

/** A tip that was merged points at its survivor; follow-ups go to the survivor. */
export async function resolveMerged(tx: Tx, tipId: string): Promise<string> {
  let id = tipId;
  for (let i = 0; i < 10; i++) {
    const t = await tx.tip.findUnique({ where: { id }, select: { mergedIntoId: true } });
    if (!t?.mergedIntoId) return id;
    id = t.mergedIntoId;
  }
  return id;
}
