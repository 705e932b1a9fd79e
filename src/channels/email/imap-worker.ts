import { createHash, randomUUID } from 'node:crypto';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import pg from 'pg';
import type { Config } from '../../config.js';
import type { Deps } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { recordSource } from '../intake-sources.js';
import { pgTransaction } from '../../db/raw-tx.js';
import { storeSubmissionIn, type NewSubmission } from '../submissions.js';
import { ownAddresses } from './email.ack.js';
import { parseHeaderBlock, quickHeaders } from './email.parse.js';
import type { EmailMeta } from './email.schema.js';

// Watches the tip mailbox and turns every message into a stored Submission.
//
// Order of work for each message: download -> store (Submission + normalize job + counters, one
// transaction) -> flag \Seen or move -> advance the cursor (UIDVALIDITY + last UID). A crash
// anywhere re-fetches from the cursor and the Submission's unique key (Message-ID, or the hash
// of the raw bytes) turns the second store into a no-op. The \Seen flag is a courtesy for people
// looking at the mailbox; the worker never reads it, so another client reading the inbox
// changes nothing.
//
// imapflow deadlocks if a command is issued while a fetch() iterator is open, so the worker
// only uses fetchAll()/download(), which finish before the next command is sent.
//
// Only one process polls a mailbox: the holder of a PostgreSQL session advisory lock. The
// others stand by and take over when the holder's database session ends.

export const IMAP_CLIENT_NAME = 'Tipdesk';
const IMAP_CLIENT_VERSION = '0.1.0';

export function mailboxSourceId(config: Pick<Config, 'IMAP_USER' | 'IMAP_HOST' | 'IMAP_MAILBOX'>): string {
  return `imap:${config.IMAP_USER}@${config.IMAP_HOST}/${config.IMAP_MAILBOX}`;
}

export type ImapWorkerState = 'stopped' | 'standby' | 'connecting' | 'active' | 'backoff';

export interface ImapWorkerOptions {
  deps: Deps;
  /** Test hook: runs after a message is stored and before it is flagged or moved. */
  hooks?: { afterStore?: (uid: number) => Promise<void> | void };
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How often a stand-by worker tries to take the mailbox over. */
  standbyMs?: number;
  /** Downloads that killed the connection this many times make the message quarantined. */
  maxFetchAttempts?: number;
  /** Messages up to this size are fetched many to one FETCH; larger ones are streamed one by one. */
  smallMessageBytes?: number;
  batchBytes?: number;
  batchMessages?: number;
  stopGraceMs?: number;
}

interface Planned {
  uid: number;
  size: number;
  internalDate: string | null;
  flags: string[];
}

type Fetched =
  | { kind: 'raw'; item: Planned; raw: Buffer }
  | { kind: 'oversized'; item: Planned; header: Buffer | null; size: number }
  | { kind: 'poison'; item: Planned; reason: string }
  | { kind: 'gone'; item: Planned };

interface Outgoing {
  f: Exclude<Fetched, { kind: 'gone' }>;
  input: NewSubmission;
  /** Logged once the record is stored. */
  note?: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** "1:3,7,9:12" from sorted UIDs: one short command however many messages. */
export function sequenceSet(uids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length;) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j] + 1) j++;
    parts.push(i === j ? String(uids[i]) : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function headerBlock(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  return raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 64 * 1024));
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** A 64-bit advisory lock key per mailbox, stable across processes and versions. */
function lockKey(sourceId: string): string {
  return createHash('sha256').update(`tipdesk:imap:${sourceId}`).digest().readBigInt64BE(0).toString();
}

export class ImapWorker {
  readonly sourceId: string;
  private readonly deps: Deps;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly o: Required<Omit<ImapWorkerOptions, 'deps' | 'hooks'>>;
  private readonly hooks: NonNullable<ImapWorkerOptions['hooks']>;
  private _state: ImapWorkerState = 'stopped';
  private stopping = false;
  private loopDone?: Promise<void>;
  private wakers = new Set<() => void>();
  private client: ImapFlow | null = null;
  private lockConn: pg.Client | null = null;
  private lockHeld = false;
  private mailArrived = false;
  private readonly fetchFailures = new Map<string, number>();

  constructor(opts: ImapWorkerOptions) {
    this.deps = opts.deps;
    this.config = opts.deps.config;
    this.sourceId = mailboxSourceId(this.config);
    this.hooks = opts.hooks ?? {};
    this.log = opts.deps.logger.child({ component: 'imap', source: this.sourceId });
    this.o = {
      backoffBaseMs: 1000,
      backoffCapMs: 5 * 60_000,
      standbyMs: 5000,
      maxFetchAttempts: 3,
      smallMessageBytes: 1024 * 1024,
      batchBytes: 8 * 1024 * 1024,
      batchMessages: 100,
      stopGraceMs: 10_000,
      ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k !== 'deps' && k !== 'hooks')),
    } as typeof this.o;
  }

  get state(): ImapWorkerState {
    return this._state;
  }

  async start(): Promise<void> {
    if (this.loopDone) return;
    this.stopping = false;
    // The mailbox may be unreachable at start-up: the loop retries, start() does not wait for it.
    this.loopDone = this.run();
    this.log.info({ mailbox: this.config.IMAP_MAILBOX, processedMailbox: this.config.IMAP_PROCESSED_MAILBOX ?? null }, 'email worker started');
  }

  /** Finishes the message in hand (up to the grace period), logs out and gives up the mailbox. */
  async stop(): Promise<void> {
    if (!this.loopDone) return;
    this.stopping = true;
    this.wake();
    const timedOut = await Promise.race([
      this.loopDone.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), this.o.stopGraceMs).unref()),
    ]);
    if (timedOut) this.client?.close();
    await this.loopDone;
    this.loopDone = undefined;
    this.log.info('email worker stopped');
  }

  // --- scheduling ----------------------------------------------------------------------------

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private wake() {
    for (const w of [...this.wakers]) w();
  }

  private backoffMs(attempt: number): number {
    const exp = Math.min(this.o.backoffCapMs, this.o.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return exp * (0.8 + Math.random() * 0.4);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      let mine = false;
      try {
        mine = await this.acquireMailbox();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'could not reach the database for the mailbox lock');
      }
      if (!mine) {
        this._state = 'standby';
        await this.sleep(this.o.standbyMs);
        continue;
      }
      try {
        await this.session(() => (attempt = 0));
      } catch (err) {
        if (this.stopping) break;
        if (!this.lockHeld) continue; // lost the lock: not an IMAP problem, go back to stand-by
        attempt++;
        const message = describe(err);
        this.log.warn({ err: message, attempt }, 'mailbox session failed; reconnecting');
        await recordSource(this.deps.prisma, this.sourceId, 'EMAIL', { lastError: message, lastErrorAt: this.deps.clock.now() }).catch(() => {});
      }
      if (this.stopping) break;
      if (attempt > 0) {
        this._state = 'backoff';
        await this.sleep(this.backoffMs(attempt));
      }
    }
    await this.releaseMailbox();
    this._state = 'stopped';
  }

  // --- leadership ----------------------------------------------------------------------------

  private async acquireMailbox(): Promise<boolean> {
    if (this.lockHeld && this.lockConn) return true;
    if (!this.lockConn) {
      // keepAlive: a database that vanished without closing the socket must not leave two pollers.
      const c = new pg.Client({ connectionString: this.deps.databaseUrl, application_name: 'tipdesk-imap-lock', keepAlive: true });
      const lost = () => {
        if (this.lockConn !== c) return;
        this.lockConn = null;
        if (this.lockHeld) {
          this.lockHeld = false;
          this.log.warn('lost the database session holding the mailbox lock; standing by');
          this.client?.close();
          this.wake();
        }
      };
      c.on('error', lost);
      c.on('end', lost);
      await c.connect();
      this.lockConn = c;
    }
    const { rows } = await this.lockConn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [lockKey(this.sourceId)]);
    this.lockHeld = rows[0]?.ok === true;
    if (this.lockHeld) this.log.info('holding the mailbox lock: this process polls the mailbox');
    return this.lockHeld;
  }

  private async releaseMailbox(): Promise<void> {
    const c = this.lockConn;
    this.lockConn = null;
    this.lockHeld = false;
    // Ending the session releases the advisory lock; a stand-by worker takes over.
    await c?.end().catch(() => {});
  }

  // --- one IMAP session ----------------------------------------------------------------------

  private newClient(): ImapFlow {
    const c = this.config;
    const supportEmail = ownAddresses(c)[0];
    return new ImapFlow({
      host: c.IMAP_HOST!,
      port: c.IMAP_PORT,
      secure: c.IMAP_SECURE,
      auth: { user: c.IMAP_USER!, pass: c.IMAP_PASSWORD! },
      // 163.com and other NetEase hosts refuse SELECT ("Unsafe Login") from a client that has not sent ID.
      clientInfo: {
        name: IMAP_CLIENT_NAME,
        version: IMAP_CLIENT_VERSION,
        vendor: IMAP_CLIENT_NAME,
        ...(supportEmail ? { 'support-email': supportEmail } : {}),
      },
      tls: { rejectUnauthorized: c.IMAP_TLS_REJECT_UNAUTHORIZED },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 10 * 60_000,
    });
  }

  private async session(onHealthy: () => void): Promise<void> {
    this._state = 'connecting';
    const client = this.newClient();
    this.client = client;
    client.on('error', (err: Error) => this.log.debug({ err: err.message }, 'imap connection error'));
    client.on('exists', (e: { count: number; prevCount: number }) => {
      if (e.count > e.prevCount) {
        this.mailArrived = true;
        this.wake();
      }
    });
    client.on('close', () => this.wake());
    try {
      await client.connect();
      if (this.config.IMAP_PROCESSED_MAILBOX) await this.ensureMailbox(client, this.config.IMAP_PROCESSED_MAILBOX);
      await client.mailboxOpen(this.config.IMAP_MAILBOX);
      this._state = 'active';
      this.log.info({ idle: client.capabilities.has('IDLE'), server: client.serverInfo?.name ?? null }, 'mailbox opened');
      while (!this.stopping && this.lockHeld) {
        this.mailArrived = false;
        await this.sync(client);
        onHealthy();
        if (this.stopping || !this.lockHeld) break;
        if (!this.mailArrived) await this.waitForMail(client);
        if (!client.usable && !this.stopping && this.lockHeld) {
          throw new Error(client.byeReason ? `server closed the connection: ${client.byeReason}` : 'the connection to the IMAP server closed');
        }
      }
    } finally {
      this.client = null;
      if (client.usable) await client.logout().catch(() => client.close());
      else client.close();
    }
  }

  private async ensureMailbox(client: ImapFlow, path: string) {
    const list = await client.list();
    if (!list.some((m) => m.path === path)) {
      await client.mailboxCreate(path).catch((err: Error) => this.log.warn({ err: err.message, path }, 'could not create the processed-mail folder'));
    }
  }

  /** IDLE until the server reports new mail (or the poll interval passes); plain waiting on servers without IDLE. */
  private async waitForMail(client: ImapFlow): Promise<void> {
    let ms = this.config.IMAP_POLL_SECONDS * 1000;
    if (client.capabilities.has('IDLE')) {
      // Ended by the next command the worker sends (imapflow writes DONE first) or by logout.
      void client.idle().catch(() => undefined);
      // Servers drop sessions idle for 30 minutes (RFC 9051) and NAT boxes sooner: renew IDLE well before.
      ms = Math.min(ms, 5 * 60_000);
    }
    await this.sleep(ms);
  }

  // --- fetching ------------------------------------------------------------------------------

  private async loadCursor(uidValidity: bigint): Promise<number> {
    const cursor = await this.deps.prisma.mailboxCursor.findUnique({ where: { mailbox: this.sourceId } });
    if (cursor && cursor.uidValidity === uidValidity) return Number(cursor.lastUid);
    if (cursor) {
      // Every UID changed meaning: start again from the first message; the Submission unique
      // key recognises what was stored before, so nothing becomes a second tip.
      this.log.warn({ was: cursor.uidValidity.toString(), now: uidValidity.toString() }, 'UIDVALIDITY changed; resynchronising the whole mailbox');
    }
    await this.saveCursor(this.deps.prisma, uidValidity, 0);
    return 0;
  }

  private async saveCursor(db: Pick<Deps['prisma'], '$executeRaw'>, uidValidity: bigint, lastUid: number) {
    await db.$executeRaw`
      INSERT INTO mailbox_cursor (mailbox, uid_validity, last_uid, updated_at) VALUES (${this.sourceId}, ${uidValidity}::bigint, ${lastUid}::bigint, now())
      ON CONFLICT (mailbox) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, last_uid = EXCLUDED.last_uid, updated_at = now()`;
  }

  /** Everything above the cursor, oldest first, in batches. */
  private async sync(client: ImapFlow): Promise<void> {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('mailbox is not open');
    const uidValidity = mailbox.uidValidity;
    const lastUid = await this.loadCursor(uidValidity);
    const found = await client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
    if (found === false || found === undefined) throw new Error('the server refused UID SEARCH');
    // "N:*" also matches the highest UID when it is below N.
    const uids = found.filter((u) => u > lastUid).sort((a, b) => a - b);
    await recordSource(this.deps.prisma, this.sourceId, 'EMAIL', { lastPollAt: this.deps.clock.now(), pending: uids.length });

    let done = 0;
    for (let i = 0; i < uids.length && !this.stopping && this.lockHeld; i += 500) {
      const slice = uids.slice(i, i + 500);
      const metas = await client.fetchAll(sequenceSet(slice), { uid: true, size: true, internalDate: true, flags: true }, { uid: true });
      const byUid = new Map(metas.map((m) => [m.uid, m]));
      const items: Planned[] = slice.map((uid) => {
        const m = byUid.get(uid);
        const date = m?.internalDate;
        return { uid, size: m?.size ?? -1, internalDate: date ? new Date(date).toISOString() : null, flags: m ? [...(m.flags ?? [])] : [] };
      });
      for (const batch of this.plan(items, uidValidity)) {
        if (this.stopping || !this.lockHeld) break;
        await this.processBatch(client, batch, uidValidity);
        done += batch.length;
      }
    }
    await recordSource(this.deps.prisma, this.sourceId, 'EMAIL', { lastSuccessAt: this.deps.clock.now(), pending: Math.max(0, uids.length - done) });
  }

  private failures(uidValidity: bigint, uid: number) {
    return this.fetchFailures.get(`${uidValidity}:${uid}`) ?? 0;
  }

  /** Small messages go many to a FETCH; large, suspect or oversized ones alone. */
  private plan(items: Planned[], uidValidity: bigint): Planned[][] {
    const batches: Planned[][] = [];
    let cur: Planned[] = [];
    let bytes = 0;
    const flush = () => {
      if (cur.length) batches.push(cur);
      cur = [];
      bytes = 0;
    };
    for (const it of items) {
      const small = it.size >= 0 && it.size <= this.o.smallMessageBytes && this.failures(uidValidity, it.uid) === 0;
      if (!small) {
        flush();
        batches.push([it]);
        continue;
      }
      if (cur.length >= this.o.batchMessages || bytes + it.size > this.o.batchBytes) flush();
      cur.push(it);
      bytes += it.size;
    }
    flush();
    return batches;
  }

  private async download(client: ImapFlow, batch: Planned[], uidValidity: bigint): Promise<Fetched[]> {
    const limit = this.config.IMAP_MAX_MESSAGE_BYTES;
    const countFailure = () => {
      for (const it of batch) this.fetchFailures.set(`${uidValidity}:${it.uid}`, this.failures(uidValidity, it.uid) + 1);
    };
    if (batch.length === 1) {
      const it = batch[0];
      if (it.size < 0) return [{ kind: 'gone', item: it }];
      const tries = this.failures(uidValidity, it.uid);
      if (tries >= this.o.maxFetchAttempts) {
        return [
          {
            kind: 'poison',
            item: it,
            reason: `the IMAP server failed ${tries} times while sending this message (UID ${it.uid}); it was not downloaded and stays in the mailbox`,
          },
        ];
      }
      if (it.size > limit) return [{ kind: 'oversized', item: it, header: await this.fetchHeader(client, it.uid), size: it.size }];
      if (it.size > this.o.smallMessageBytes || tries > 0) {
        try {
          return [await this.streamOne(client, it, limit)];
        } catch (err) {
          countFailure();
          throw err;
        }
      }
    }
    let got: FetchMessageObject[];
    try {
      got = await client.fetchAll(sequenceSet(batch.map((b) => b.uid)), { uid: true, source: true }, { uid: true });
    } catch (err) {
      countFailure();
      throw err;
    }
    const byUid = new Map(got.map((m) => [m.uid, m.source]));
    return batch.map((item): Fetched => {
      const raw = byUid.get(item.uid);
      return raw ? { kind: 'raw', item, raw } : { kind: 'gone', item };
    });
  }

  /** Streams one message into one buffer of its announced size, giving up (and dropping the bytes) past the size limit. */
  private async streamOne(client: ImapFlow, it: Planned, limit: number): Promise<Fetched> {
    const dl = await client.download(String(it.uid), undefined, { uid: true, maxBytes: limit + 1, chunkSize: 1024 * 1024 });
    if (!('content' in dl) || !dl.content) return { kind: 'gone', item: it };
    let buf = Buffer.allocUnsafe(Math.min(Math.max(it.size, 0), limit));
    let size = 0;
    let header: Buffer | null = null;
    for await (const chunk of dl.content as AsyncIterable<Buffer>) {
      if (header === null && size + chunk.length > limit) {
        header = Buffer.from(headerBlock(Buffer.concat([buf.subarray(0, Math.min(size, 65_536)), chunk.subarray(0, 65_536)])));
        buf = Buffer.alloc(0);
      }
      if (header === null) {
        if (size + chunk.length > buf.length) {
          // The server announced fewer bytes than it sends: grow, never past the limit.
          const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(buf.length * 2, size + chunk.length)));
          buf.copy(grown, 0, 0, size);
          buf = grown;
        }
        chunk.copy(buf, size);
      }
      size += chunk.length;
    }
    if (header !== null) return { kind: 'oversized', item: it, header, size };
    return { kind: 'raw', item: it, raw: size === buf.length ? buf : buf.subarray(0, size) };
  }

  private async fetchHeader(client: ImapFlow, uid: number): Promise<Buffer | null> {
    try {
      const m = await client.fetchOne(String(uid), { uid: true, headers: true }, { uid: true });
      return m && m.headers ? m.headers : null;
    } catch (err) {
      this.log.warn({ uid, err: describe(err) }, 'could not fetch the headers of an oversized message');
      if (!client.usable) throw err;
      return null;
    }
  }

  // --- storing -------------------------------------------------------------------------------

  private meta(f: Fetched, uidValidity: bigint, extra: Partial<EmailMeta> = {}): EmailMeta {
    return {
      source: this.sourceId,
      mailbox: this.config.IMAP_MAILBOX,
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
    const conn = this.lockConn;
    if (!conn || !this.lockHeld) throw new Error('no longer holding the mailbox lock');
    return pgTransaction(conn, async (tx) => {
      const counts = { seen: 0, stored: 0, duplicates: 0, quarantined: 0 };
      for (const it of items) {
        const stored = await storeSubmissionIn(tx, it.input);
        counts.seen++;
        if (!stored.created) counts.duplicates++;
        else if (it.input.state === 'QUARANTINED') counts.quarantined++;
        else counts.stored++;
      }
      await recordSource(tx, this.sourceId, 'EMAIL', { counts });
    });
  }

  /** Whether storing works at all: a tiny submission stored and rolled back. Tells a bad message from a bad database. */
  private async storingWorks(): Promise<boolean> {
    const conn = this.lockConn;
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
  private async outgoing(f: Exclude<Fetched, { kind: 'gone' }>, uidValidity: bigint): Promise<Outgoing> {
    if (f.kind === 'poison') {
      const input: NewSubmission = {
        channel: 'EMAIL',
        externalId: `imap:${this.sourceId}:${uidValidity}:${f.item.uid}`,
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
      const reason = `message of ${mb(f.size)} is over the ${mb(this.config.IMAP_MAX_MESSAGE_BYTES)} limit (IMAP_MAX_MESSAGE_BYTES): not downloaded; only its headers were read, it stays in the mailbox (UID ${f.item.uid})`;
      const meta = this.meta(f, uidValidity, { messageId: h.messageId, subject: h.subject });
      return {
        f,
        input: { channel: 'EMAIL', externalId, raw: null, sizeBytes: f.size, meta, sender: h.from, state: 'QUARANTINED', lastError: reason },
        note: 'oversized message recorded without its body',
      };
    }
    const h = quickHeaders(headerBlock(f.raw));
    const meta = this.meta(f, uidValidity, { messageId: h.messageId });
    return { f, input: { channel: 'EMAIL', externalId: h.messageId ?? `sha256:${sha256(f.raw)}`, raw: f.raw, meta, sender: h.from } };
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
      const reason = `could not be stored: ${describe(err)}`.slice(0, 1000);
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
      this.log.warn({ uid: o.f.item.uid, err: describe(err) }, 'message quarantined: it could not be stored');
    }
  }

  private async processBatch(client: ImapFlow, batch: Planned[], uidValidity: bigint): Promise<void> {
    const fetched = await this.download(client, batch, uidValidity);
    const present = fetched.filter((f): f is Exclude<Fetched, { kind: 'gone' }> => f.kind !== 'gone');
    const out: Outgoing[] = [];
    for (const f of present) out.push(await this.outgoing(f, uidValidity));
    try {
      await this.store(out);
    } catch (err) {
      if (!this.lockHeld) throw err;
      for (const o of out) await this.storeAlone(o, uidValidity);
    }
    for (const o of out) {
      if (o.note) this.log.warn({ uid: o.f.item.uid, size: o.input.sizeBytes ?? undefined }, o.note);
      await this.hooks.afterStore?.(o.f.item.uid);
    }
    await this.markDone(
      client,
      present.map((f) => f.item.uid),
    );
    for (const f of fetched) this.fetchFailures.delete(`${uidValidity}:${f.item.uid}`);
    await this.saveCursor(this.deps.prisma, uidValidity, Math.max(...batch.map((b) => b.uid)));
  }

  /** Moves processed mail to IMAP_PROCESSED_MAILBOX, or flags it \Seen. */
  private async markDone(client: ImapFlow, uids: number[]): Promise<void> {
    if (!uids.length) return;
    const set = sequenceSet(uids);
    const target = this.config.IMAP_PROCESSED_MAILBOX;
    if (target) {
      const moved = await client.messageMove(set, target, { uid: true });
      if (moved) return;
      this.log.warn({ target }, 'could not move processed mail; flagging it \\Seen instead');
    }
    await client.messageFlagsAdd(set, ['\\Seen'], { uid: true });
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; responseText?: string; code?: string };
  const text = [e?.message, e?.responseText && e.responseText !== e.message ? e.responseText : null].filter(Boolean).join(': ');
  return (text || String(err)).slice(0, 500);
}
