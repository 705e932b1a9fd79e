import type { Deps } from '../../deps.js';
import type { Tx } from '../../db/prisma.js';
import { PermanentJobError } from '../../errors.js';
import { randomUUID } from 'node:crypto';
import { jobPayloads, SEND_EMAIL_JOB } from '../../queue/kinds.js';
import { findReference, referenceDay } from '../../tips/reference.js';
import { addInboundMessage, createTipFromSubmission, findOrCreateTipster, resolveMerged } from '../../tips/threading.js';
import { recordSource } from '../intake-sources.js';
import type { Normalizer } from '../types.js';
import { markProcessed } from '../submissions.js';
import { ackMessageId, ackSubject, ackText, mayAcknowledge } from './email.ack.js';
import { parseEmail, type ParsedEmail } from './email.parse.js';
import { BLOCKED_REASON } from '../../privacy/blocks.js';
import { contactHash, parseContact } from '../../privacy/contact.js';
import { emailIntakeStart, ensureReferenceSequence, finishEmailTip, type EmailIntakeStart, type EmailTipFinish } from './sql.js';
import { EmailMetaSchema } from './email.schema.js';

// One stored email becomes a new tip (with one acknowledgement), a message on the tip it
// answers, or a SKIPPED submission (auto-replies, bounces, list mail). All writes of one
// message happen in one transaction; the submission row is locked first, so a job that runs
// twice finds the work done and leaves.

/** Message-ID in both spellings: with angle brackets (ours) and without (other writers). */
const idForms = (ids: string[]) => [...new Set(ids.flatMap((id) => [id, id.replace(/^<|>$/g, '')]))];

/** The tip a reply belongs to: a Message-ID it references, else the reference code in its subject (following merges). */
async function threadTip(tx: Tx, mail: ParsedEmail, start: EmailIntakeStart): Promise<string | null> {
  const follow = (t: { tipId: string; mergedIntoId: string | null }) => (t.mergedIntoId ? resolveMerged(tx, t.mergedIntoId) : t.tipId);
  // Nearest ancestor first (In-Reply-To, then References from the newest).
  for (const id of mail.threadIds) {
    const hit = start.known.find((h) => h.emailMessageId === id || h.emailMessageId === id.replace(/^<|>$/g, ''));
    if (hit) return follow(hit);
  }
  return start.byReference ? follow(start.byReference) : null;
}

/** The sender's contact hash for the blocked-sender check (null: no contact, never blocked). */
export function senderHash(address: string | null): string | null {
  const c = address ? parseContact(address) : null;
  return c ? contactHash(c) : null;
}

/** Days (per database) whose reference sequence this process has seen exist. */
const readyDays = new Set<string>();

export async function referenceSequenceReady(deps: Deps, at: Date): Promise<void> {
  const day = referenceDay(at, deps.config.TIMEZONE);
  const key = `${deps.databaseUrl}|${day}`;
  if (readyDays.has(key)) return;
  await ensureReferenceSequence(deps.pool, day);
  if (readyDays.size > 64) readyDays.clear();
  readyDays.add(key);
}

export const normalizeEmail: Normalizer = async (deps, submission) => {
  if (!submission.raw) {
    throw new PermanentJobError(submission.lastError ?? 'no raw message was stored for this email (see the reason it was recorded with)');
  }
  const raw = Buffer.from(submission.raw.buffer, submission.raw.byteOffset, submission.raw.byteLength);
  const mail = await parseEmail(raw, { maxAttachmentBytes: deps.config.ATTACHMENT_MAX_BYTES });
  const meta = EmailMetaSchema.safeParse(submission.meta);
  const sourceId = meta.success ? meta.data.source : 'email';
  const receivedAt = submission.receivedAt;

  // The day's reference numbers come from a sequence (no lock held to commit); a new day's
  // sequence is created here, outside the long transaction below, once per process and day.
  if (!mail.autoReason) await referenceSequenceReady(deps, receivedAt);

  const outcome = await deps.prisma.$transaction(
    async (tx) => {
      // One round trip for every read (and the tipster), instead of one each.
      const ids = mail.messageId ? [mail.messageId, ...mail.threadIds] : mail.threadIds;
      const start = await emailIntakeStart(tx, {
        submissionId: submission.id,
        contactHash: senderHash(mail.from.address),
        email: mail.from.address?.trim().toLowerCase() || null,
        displayName: mail.from.name,
        makeTipster: !mail.autoReason,
        messageIds: idForms(ids),
        reference: findReference(mail.subject),
      });
      if (start.state === null || start.state === 'PROCESSED' || start.state === 'SKIPPED') return { kind: 'done-before' as const };

      if (mail.autoReason) {
        await markProcessed(tx, submission.id, null, 'SKIPPED', `not a tip: ${mail.autoReason}`);
        await recordSource(tx, sourceId, 'EMAIL', { counts: { skipped: 1 } });
        return { kind: 'skipped' as const };
      }
      if (start.blocked) {
        await markProcessed(tx, submission.id, null, 'SKIPPED', BLOCKED_REASON);
        await recordSource(tx, sourceId, 'EMAIL', { counts: { skipped: 1 } });
        return { kind: 'blocked' as const };
      }

      // A concurrent first contact from the same address won the insert: read its row.
      const tipsterId =
        start.tipsterId ??
        (mail.from.address ? ((await findOrCreateTipster(tx, { email: mail.from.address, displayName: mail.from.name }))?.id ?? null) : null);
      const known = start.known;
      // A Message-ID already on a message (the same mail forwarded in again) must not be claimed twice.
      const emailMessageId = mail.messageId && !known.some((k) => k.emailMessageId === mail.messageId) ? mail.messageId : null;
      const fullBody = mail.fullText !== mail.body ? mail.fullText : null;
      const threadTipId = await threadTip(tx, mail, start);

      const common = {
        channel: 'EMAIL' as const,
        subject: mail.subject,
        body: mail.body,
        fullBody,
        tipsterId,
        submissionId: submission.id,
        receivedAt,
        emailMessageId,
      };
      let tipId: string;
      let messageId: string;
      let kind: 'thread' | 'tip';
      let ack: EmailTipFinish['ack'] = null;
      if (threadTipId) {
        const { message } = await addInboundMessage(tx, threadTipId, { ...common, messageKind: 'reply' });
        tipId = threadTipId;
        messageId = message.id;
        kind = 'thread';
      } else {
        const { tip, message } = await createTipFromSubmission(tx, { ...common, timeZone: deps.config.TIMEZONE });
        tipId = tip.id;
        messageId = message.id;
        kind = 'tip';
        if (mayAcknowledge(mail.from.address, deps.config)) ack = acknowledgement(deps, tip, mail, mail.from.address);
      }

      for (const [i, a] of mail.attachments.entries()) {
        const att = await tx.attachment.create({
          data: {
            tipId,
            messageId,
            submissionId: submission.id,
            filename: a.filename,
            contentType: a.contentType,
            size: a.size,
            sha256: a.sha256,
            inline: a.inline,
            contentId: a.contentId,
            dangerous: a.dangerous,
            kind: a.kind,
            sourceKey: `mime:${i + 1}`,
            state: a.content ? 'STORED' : 'TOO_LARGE',
            error: a.content
              ? null
              : `larger than ATTACHMENT_MAX_BYTES (${a.size} > ${deps.config.ATTACHMENT_MAX_BYTES} bytes); kept in the raw message only`,
          },
        });
        if (a.content) await writeBlob(tx, att.id, a.content, a.size);
      }
      const queued = await finishEmailTip(tx, { submissionId: submission.id, tipId, note: mail.parseError, processedAt: deps.clock.now(), ack });
      return { kind, tipId, queued };
    },
    // Attachments can be tens of megabytes: the default 5 s would abort an honest transaction.
    { timeout: 120_000, maxWait: 30_000 },
  );
  // Committed: now the workers may send the acknowledgement (a NOTIFY inside would serialize the commits).
  if ('queued' in outcome && outcome.queued) deps.jobWakeups.poke(SEND_EMAIL_JOB);
  deps.logger.info(
    { submission: submission.id, outcome: outcome.kind, tip: 'tipId' in outcome ? outcome.tipId : undefined, attachments: mail.attachments.length },
    'email normalized',
  );
};

const BLOB_PIECE = 2 * 1024 * 1024;

/**
 * Attachment bytes in pieces of 2 MB: a bytea parameter costs the Prisma client about ten times
 * its size in memory, so an 18 MB video sent whole would take some 200 MB, in pieces about 25 MB.
 */
async function writeBlob(tx: Tx, attachmentId: string, chunks: Buffer[], size: number) {
  let written = 0;
  let piece = Buffer.allocUnsafe(Math.min(BLOB_PIECE, size));
  let fill = 0;
  const flush = async () => {
    const data = piece.subarray(0, fill);
    if (written === 0) await tx.attachmentBlob.create({ data: { attachmentId, data: data as Uint8Array<ArrayBuffer> } });
    else await tx.$executeRaw`UPDATE attachment_blob SET data = data || ${data} WHERE attachment_id = ${attachmentId}::uuid`;
    written += fill;
    piece = Buffer.allocUnsafe(Math.min(BLOB_PIECE, size - written));
    fill = 0;
  };
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.length && piece.length > 0;) {
      const n = chunk.copy(piece, fill, at, at + Math.min(chunk.length - at, piece.length - fill));
      fill += n;
      at += n;
      if (fill === piece.length) await flush();
    }
  }
  if (written === 0 || fill > 0) await flush();
}

/** The acknowledgement of a new tip: its OUTBOUND message and, when outbound email is on, its send job. */
export function acknowledgement(
  deps: Deps,
  tip: { id: string; reference: string },
  mail: ParsedEmail,
  to: string,
): NonNullable<EmailTipFinish['ack']> {
  const messageId = randomUUID();
  const emailMessageId = ackMessageId(tip.id, deps.config);
  const subject = ackSubject(mail.subject, tip.reference);
  const text = ackText(tip.reference, deps.config);
  const sending = Boolean(deps.mailer);
  const payload = jobPayloads[SEND_EMAIL_JOB].parse({
    to,
    subject,
    text,
    messageIdHeader: emailMessageId,
    inReplyTo: mail.messageId ?? undefined,
    references: mail.messageId ? [mail.messageId] : undefined,
    threadMessageId: messageId,
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
  });
  return {
    messageId,
    subject,
    text,
    emailMessageId,
    to,
    deliveryState: sending ? 'QUEUED' : 'SUPPRESSED',
    deliveryError: sending ? null : 'outbound email is off (SMTP_URL is not set)',
    // Behind normalization in the queue: after a backlog, new tips come before their acknowledgements.
    job: sending ? { kind: SEND_EMAIL_JOB, payload, uniqueKey: `ack:${tip.id}`, maxAttempts: 8, priority: -1 } : null,
  };
}
