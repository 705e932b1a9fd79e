import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import { pgTransaction } from '../../db/raw-tx.js';
import type { Logger } from '../../logger.js';
import type { Tx } from '../../db/prisma.js';
import { enqueue } from '../../queue/enqueue.js';
import { NORMALIZE_EMAIL_BATCH_JOB } from '../../queue/kinds.js';
import { recordSource } from '../intake-sources.js';
import { storeSubmissionIn, type NewSubmission, type Stored } from '../submissions.js';
import { parseHeaderBlock, quickHeaders } from './email.parse.js';
import { emailContentHash, storeEmailSubmission, withContentHash } from './email.identity.js';
import type { EmailMeta } from './email.schema.js';
import { describeError } from './imap-connection.js';
import { headerBlock, type Fetched } from './imap-fetch.js';
import type { MailboxLock } from './imap-lock.js';
import { BATCH_RAW_BYTES, insertEmailSubmissions } from './sql.js';

// Storing a downloaded batch: one Submission per message, one normalize job for the batch's
// emails (email.batch.ts) and the source's counters, in one transaction; a message the database refuses is kept quarantined.

export type Present = Exclude<Fetched, { kind: 'gone' }>;

export interface Outgoing {
  f: Present;
  input: NewSubmission;
  /** Set for mail stored under its Message-ID: that id with other content is a new message. */
  contentHash?: string;
  /** Logged once the record is stored. */
  note?: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export class BatchStore {
  constructor(
    private readonly o: {
      sourceId: string;
      config: Pick<Config, 'IMAP_MAILBOX' | 'IMAP_MAX_MESSAGE_BYTES'>;
      lock: MailboxLock;
      log: Logger;
    },
  ) {}

  /** Stores the batch's messages in one commit; after a failure, each one alone. Returns what was stored. */
  async storeBatch(present: Present[], uidValidity: bigint): Promise<Outgoing[]> {
    const out: Outgoing[] = [];
    for (const f of present) out.push(await this.outgoing(f, uidValidity));
    try {
      await this.store(out);
    } catch (err) {
      if (!this.o.lock.isHeld) throw err;
      for (const o of out) await this.storeAlone(o, uidValidity);
    }
    return out;
  }

  private meta(f: Fetched, uidValidity: bigint, extra: Partial<EmailMeta> = {}): EmailMeta {
    return {
      source: this.o.sourceId,
      mailbox: this.o.config.IMAP_MAILBOX,
      uidValidity: uidValidity.toString(),
      uid: f.item.uid,
      size: f.kind === 'raw' ? f.raw.length : f.kind === 'oversized' ? f.size : f.item.size,
      internalDate: f.item.internalDate,
      flags: f.item.flags,
      ...extra,
    };
  }

  /**
   * Submissions + normalize jobs + counters in one transaction on the worker's own connection
   * (the one holding the mailbox lock): raw bytes go to PostgreSQL as a binary parameter
   * instead of through the Prisma client, which needs about eight times their size in memory.
   * A batch of small messages shares one commit.
   */
  private store(items: Outgoing[]) {
    const conn = this.o.lock.connection;
    if (!conn || !this.o.lock.isHeld) throw new Error('no longer holding the mailbox lock');
    return pgTransaction(conn, async (tx) => {
      const counts = { seen: 0, stored: 0, duplicates: 0, quarantined: 0 };
      const batch: string[] = [];
      const rows = items.map((it) => {
        // Mail small enough to load with its batch is normalized with it (one job for the batch);
        // a larger one keeps a job of its own, which reads its bytes in pieces.
        const batched = (it.input.raw?.length ?? Infinity) <= BATCH_RAW_BYTES;
        const input = { ...it.input, normalizeJob: !batched };
        return { it, batched, input: it.contentHash ? withContentHash({ ...input, contentHash: it.contentHash }) : input };
      });
      // The batch's new mail (and records without bytes, which queue nothing) in one statement;
      // the first of each external id only, so that a second mail with the same id in the batch is
      // compared with it below, as one at a time did.
      const once = new Set<string>();
      const together = rows.filter(
        (r) => (r.batched || r.input.state === 'QUARANTINED') && !once.has(r.input.externalId) && once.add(r.input.externalId),
      );
      const inserted = await insertEmailSubmissions(
        conn,
        together.map(({ input: s }) => ({
          channel: s.channel,
          externalId: s.externalId,
          raw: s.raw ?? null,
          meta: s.meta,
          sender: s.sender ?? null,
          sizeBytes: s.sizeBytes ?? s.raw?.length ?? 0,
          state: s.state ?? 'RECEIVED',
          lastError: s.lastError ?? null,
        })),
      );
      const mine = new Set(together);
      for (const r of rows) {
        const { it, batched, input } = r;
        const id = mine.has(r) ? inserted.get(input.externalId) : undefined;
        // Not inserted above (already stored, a larger mail, a second with the same id): one at a time.
        const stored: Stored =
          id !== undefined
            ? { id, created: true, state: input.state ?? 'RECEIVED', tipId: null }
            : it.contentHash
              ? await storeEmailSubmission(tx, { ...it.input, normalizeJob: !batched, contentHash: it.contentHash })
              : await storeSubmissionIn(tx, input);
        counts.seen++;
        if (!stored.created) counts.duplicates++;
        else if (it.input.state === 'QUARANTINED') counts.quarantined++;
        else counts.stored++;
        if (batched && stored.created && stored.state === 'RECEIVED') batch.push(stored.id);
      }
      if (batch.length) await enqueue(tx as unknown as Tx, NORMALIZE_EMAIL_BATCH_JOB, { submissionIds: batch }, { maxAttempts: 5 });
      await recordSource(tx, this.o.sourceId, 'EMAIL', { counts });
    });
  }

  /** Whether storing works at all: a tiny submission stored and rolled back. Tells a bad message from a bad database. */
  private async storingWorks(): Promise<boolean> {
    const conn = this.o.lock.connection;
    if (!conn) return false;
    const probe = new Error('probe');
    try {
      await pgTransaction(conn, async (tx) => {
        await storeSubmissionIn(tx, {
          channel: 'EMAIL',
          externalId: `probe:${randomUUID()}`,
          raw: Buffer.from('Subject: probe\r\n\r\nprobe\r\n'),
          meta: { probe: true },
        });
        throw probe;
      });
      return false;
    } catch (err) {
      return err === probe;
    }
  }

  /** What gets stored for a fetched message: the raw mail, or a record of why there is none. */
  private async outgoing(f: Present, uidValidity: bigint): Promise<Outgoing> {
    if (f.kind === 'poison') {
      const input: NewSubmission = {
        channel: 'EMAIL',
        externalId: `imap:${this.o.sourceId}:${uidValidity}:${f.item.uid}`,
        raw: null,
        meta: this.meta(f, uidValidity),
        state: 'QUARANTINED',
        lastError: f.reason,
      };
      return { f, input, note: 'message quarantined: the server could not send it' };
    }
    if (f.kind === 'oversized') {
      const h = f.header ? await parseHeaderBlock(f.header) : { messageId: null, from: null, subject: null };
      const externalId = h.messageId ?? `sha256:${sha256(Buffer.concat([f.header ?? Buffer.alloc(0), Buffer.from(`:${f.size}`)]))}`;
      const reason = `message of ${mb(f.size)} is over the ${mb(this.o.config.IMAP_MAX_MESSAGE_BYTES)} limit (IMAP_MAX_MESSAGE_BYTES): not downloaded; only its headers were read, it stays in the mailbox (UID ${f.item.uid})`;
      const meta = this.meta(f, uidValidity, { messageId: h.messageId, subject: h.subject });
      return {
        f,
        input: { channel: 'EMAIL', externalId, raw: null, sizeBytes: f.size, meta, sender: h.from, state: 'QUARANTINED', lastError: reason },
        contentHash: h.messageId ? emailContentHash(Buffer.concat([f.header ?? Buffer.alloc(0), Buffer.from(`\r\n\r\nsize:${f.size}`)])) : undefined,
        note: 'oversized message recorded without its body',
      };
    }
    const h = quickHeaders(headerBlock(f.raw));
    const meta = this.meta(f, uidValidity, { messageId: h.messageId });
    return {
      f,
      input: { channel: 'EMAIL', externalId: h.messageId ?? `sha256:${sha256(f.raw)}`, raw: f.raw, meta, sender: h.from },
      contentHash: h.messageId ? emailContentHash(f.raw) : undefined,
    };
  }

  /** One message on its own, after its batch failed: a message the database refuses is quarantined, raw. */
  private async storeAlone(o: Outgoing, uidValidity: bigint): Promise<void> {
    try {
      await this.store([o]);
    } catch (err) {
      // When the database refuses every store (down, full, a bad deployment), give up the batch
      // and retry from the cursor later. When it refuses only this message, keep the message
      // raw under its hash, quarantined with the reason, and go on with the next one.
      if (o.f.kind !== 'raw' || !(await this.storingWorks())) throw err;
      const reason = `could not be stored: ${describeError(err)}`.slice(0, 1000);
      const input: NewSubmission = {
        channel: 'EMAIL',
        externalId: `sha256:${sha256(o.f.raw)}`,
        raw: o.f.raw,
        meta: this.meta(o.f, uidValidity),
        state: 'QUARANTINED',
        lastError: reason,
      };
      // Even the raw bytes may be what the database refuses: then the record goes in without them.
      await this.store([{ f: o.f, input }]).catch(() =>
        this.store([{ f: o.f, input: { ...input, raw: null, sizeBytes: o.f.kind === 'raw' ? o.f.raw.length : 0 } }]),
      );
      this.o.log.warn({ uid: o.f.item.uid, err: describeError(err) }, 'message quarantined: it could not be stored');
    }
  }
}
