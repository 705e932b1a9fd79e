import { randomUUID } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { pgTransaction } from '../../db/raw-tx.js';
import { BLOCKED_REASON } from '../../privacy/blocks.js';
import type { JobDefinition } from '../../queue/job.js';
import { jobPayloads, NORMALIZE_EMAIL_BATCH_JOB, NORMALIZE_JOB, SEND_EMAIL_JOB, TIP_READ_JOB } from '../../queue/kinds.js';
import { findReference, referenceDay } from '../../tips/reference.js';
import { detectLanguage } from '../../tips/threading.js';
import { DESK_CHANNEL } from '../../audit/sql.js';
import { recordSource } from '../intake-sources.js';
import { mayAcknowledge } from './email.ack.js';
import { acknowledgement, referenceSequenceReady, senderHash } from './email.normalize.js';
import { parseEmail, type ParsedEmail } from './email.parse.js';
import { EmailMetaSchema } from './email.schema.js';
import {
  emailIntakeBatch,
  handOffToSingleJobs,
  insertEmailAcks,
  loadEmailBatch,
  type BatchAttachment,
  type BatchOutcome,
  type BatchRow,
  type BatchSubmission,
} from './sql.js';

// The emails of one stored IMAP batch become tips together: each is parsed once, then all of them
// go to PostgreSQL in one statement (email_intake_batch: per message, in order, what
// email.normalize.ts does for one) plus one for the acknowledgements, in one transaction. The
// guarantees are the one-message job's: a submission already done is left alone (a retried batch
// makes no second tip), a reply finds the tip of an email earlier in the same batch, and anything
// the batch cannot finish goes to the one-message normalize job (retries, then quarantine):
// mail without raw bytes or too large to load with the batch, a message whose writes failed (its
// own subtransaction rolls back, the others commit), and the whole batch if its transaction fails.

const done = (state: string) => state === 'PROCESSED' || state === 'SKIPPED';

/** What the one-message job would be given for the submissions the batch cannot take. */
const SINGLE = { kind: NORMALIZE_JOB, maxAttempts: 5 };

interface Parsed {
  sub: BatchSubmission & { raw: Buffer };
  mail: ParsedEmail;
  source: string;
}

/** The batch's rows, attachments and attachment bytes for email_intake_batch. */
function batchInput(deps: Deps, parsed: Parsed[]) {
  const rows: BatchRow[] = [];
  const attachments: BatchAttachment[] = [];
  const blobs: Buffer[] = [];
  const max = deps.config.ATTACHMENT_MAX_BYTES;
  for (const [i, { sub, mail }] of parsed.entries()) {
    const body = mail.body;
    rows.push({
      i,
      id: sub.id,
      auto: mail.autoReason,
      hash: mail.autoReason ? null : senderHash(mail.from.address),
      email: mail.from.address?.trim().toLowerCase() || null,
      name: mail.from.name,
      ids: mail.threadIds,
      ref: findReference(mail.subject),
      mid: mail.messageId,
      subject: mail.subject,
      body,
      full: mail.fullText !== body ? mail.fullText : null,
      lang: detectLanguage(`${mail.subject ?? ''}\n${body}`),
      day: referenceDay(sub.receivedAt, deps.config.TIMEZONE),
      note: mail.parseError,
      natt: mail.autoReason ? 0 : mail.attachments.length,
    });
    if (mail.autoReason) continue;
    for (const [k, a] of mail.attachments.entries()) {
      if (a.content) blobs.push(a.content.length === 1 ? a.content[0] : Buffer.concat(a.content));
      attachments.push({
        i,
        id: randomUUID(),
        n: k + 1,
        filename: a.filename,
        type: a.contentType,
        size: a.size,
        sha: a.sha256,
        inline: a.inline,
        cid: a.contentId,
        dangerous: a.dangerous,
        kind: a.kind,
        blob: a.content ? blobs.length : null,
        error: a.content ? null : `larger than ATTACHMENT_MAX_BYTES (${a.size} > ${max} bytes); kept in the raw message only`,
      });
    }
  }
  return { rows, attachments, blobs };
}

/** One transaction for the whole batch. Returns each message's outcome and whether acknowledgements were queued. */
async function writeBatch(deps: Deps, parsed: Parsed[], handOff: string[]): Promise<{ out: BatchOutcome[]; acked: boolean; handedOff: number }> {
  const input = batchInput(deps, parsed);
  const client = await deps.pool.connect();
  let failure: Error | undefined;
  try {
    return await pgTransaction(client, async (tx) => {
      const out = await emailIntakeBatch(client, {
        ...input,
        now: deps.clock.now(),
        blockedReason: BLOCKED_REASON,
        readJob: TIP_READ_JOB,
        deskChannel: DESK_CHANNEL,
      });
      const acks = out.flatMap((o) => {
        const p = parsed[o.i];
        const to = p.mail.from.address;
        return o.outcome === 'tip' && o.tip_id && o.reference && mayAcknowledge(to, deps.config)
          ? [{ tipId: o.tip_id, ack: acknowledgement(deps, { id: o.tip_id, reference: o.reference }, p.mail, to) }]
          : [];
      });
      const acked = acks.length > 0 && (await insertEmailAcks(client, acks)) > 0;
      // Machine mail and blocked senders count as skipped on their mailbox's row, as one message at a time did.
      const skipped = new Map<string, number>();
      for (const o of out)
        if (o.outcome === 'skipped' || o.outcome === 'blocked') skipped.set(parsed[o.i].source, (skipped.get(parsed[o.i].source) ?? 0) + 1);
      for (const [source, n] of skipped) await recordSource(tx, source, 'EMAIL', { counts: { skipped: n } });
      const failed = out.filter((o) => o.outcome === 'failed').map((o) => parsed[o.i].sub.id);
      const handedOff = failed.length + handOff.length ? await handOffToSingleJobs(client, [...failed, ...handOff], SINGLE) : 0;
      return { out, acked, handedOff };
    });
  } catch (err) {
    // The connection may be the trouble: it is closed, not handed back to the pool.
    failure = err as Error;
    throw err;
  } finally {
    client.release(failure);
  }
}

export const normalizeEmailBatchJob: JobDefinition<typeof NORMALIZE_EMAIL_BATCH_JOB, Deps> = {
  id: NORMALIZE_EMAIL_BATCH_JOB,
  payload: jobPayloads[NORMALIZE_EMAIL_BATCH_JOB],
  maxAttempts: 5,
  async handler(deps, { submissionIds }) {
    const subs = (await loadEmailBatch(deps.pool, submissionIds)).filter((s) => !done(s.state));
    if (!subs.length) return;
    // Without bytes here (none kept, or too large to load with the batch): the one-message job.
    const handOff = subs.filter((s) => !s.raw).map((s) => s.id);
    const parsed: Parsed[] = [];
    for (const sub of subs) {
      if (!sub.raw) continue;
      const meta = EmailMetaSchema.safeParse(sub.meta);
      parsed.push({
        sub: sub as Parsed['sub'],
        mail: await parseEmail(sub.raw, { maxAttachmentBytes: deps.config.ATTACHMENT_MAX_BYTES }),
        source: meta.success ? meta.data.source : 'email',
      });
    }
    // The day's reference sequence is made outside the transaction (see email.normalize.ts).
    const days = new Map(
      parsed.filter((p) => !p.mail.autoReason).map((p) => [referenceDay(p.sub.receivedAt, deps.config.TIMEZONE), p.sub.receivedAt]),
    );
    for (const at of days.values()) await referenceSequenceReady(deps, at);

    let result: Awaited<ReturnType<typeof writeBatch>>;
    try {
      result = await writeBatch(deps, parsed, handOff);
    } catch (err) {
      // The batch as a whole failed (the statement, the connection): each message goes to the
      // one-message job, with its own retries and quarantine. If even that fails, the batch is retried.
      const n = await handOffToSingleJobs(deps.pool, submissionIds, SINGLE);
      deps.jobWakeups.poke(NORMALIZE_JOB);
      deps.logger.warn(
        { submissions: submissionIds.length, handedOff: n, err: (err as Error).message },
        'email batch failed; normalizing its messages one by one',
      );
      return;
    }
    const { out, acked, handedOff } = result;
    // Committed: now wake the workers (a NOTIFY inside would serialize the commits).
    if (out.some((o) => o.outcome === 'tip' || o.outcome === 'thread')) deps.jobWakeups.poke(TIP_READ_JOB);
    if (acked) deps.jobWakeups.poke(SEND_EMAIL_JOB);
    if (handedOff) deps.jobWakeups.poke(NORMALIZE_JOB);
    const count = (k: BatchOutcome['outcome']) => out.filter((o) => o.outcome === k).length;
    for (const o of out.filter((x) => x.outcome === 'failed')) {
      deps.logger.warn({ submission: parsed[o.i].sub.id, err: o.error }, 'email could not be normalized in its batch; handed to the one-message job');
    }
    deps.logger.info(
      {
        emails: parsed.length,
        tips: count('tip'),
        threads: count('thread'),
        skipped: count('skipped') + count('blocked'),
        doneBefore: count('done'),
        handedOff,
      },
      'email normalized',
    );
  },
};
