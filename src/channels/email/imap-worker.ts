import type { ImapFlow } from 'imapflow';
import type { Config } from '../../config.js';
import type { Deps } from '../../deps.js';
import type { Logger } from '../../logger.js';
import { recordSource } from '../intake-sources.js';
import { describeError, ensureMailbox, markDone, newImapClient } from './imap-connection.js';
import { cursorAfter, loadCursor, saveCursor, searchRange, uidsAbove } from './imap-cursor.js';
import { download, type Fetched } from './imap-fetch.js';
import { FetchFailures, planBatches, plannedItems, sequenceSet, type Planned } from './imap-fetch-plan.js';
import { MailboxLock } from './imap-lock.js';
import { BatchStore, type Outgoing, type Present } from './imap-store.js';

/** A downloaded batch on its way into the database. */
interface InStore {
  batch: Planned[];
  fetched: Fetched[];
  present: Present[];
  storing: Promise<Outgoing[]>;
}

// Watches the tip mailbox and turns every message into a stored Submission.
//
// Order of work for each message: download -> store (Submission + normalize job + counters, one
// transaction) -> flag \Seen or move -> advance the cursor (UIDVALIDITY + last UID). A crash
// anywhere re-fetches from the cursor and the Submission's unique key (Message-ID, or the hash
// of the raw bytes) turns the second store into a no-op. The \Seen flag is a courtesy for people
// looking at the mailbox; the worker never reads it, so another client reading the inbox
// changes nothing.
//
// The pieces live beside this file: imap-lock.ts (one poller per mailbox), imap-connection.ts
// (the client and mailbox commands), imap-cursor.ts, imap-fetch-plan.ts (pure batching),
// imap-fetch.ts (downloading) and imap-store.ts (storing a batch).

/** UIDs whose metadata one FETCH asks for. */
const METADATA_SLICE = 500;

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
  /**
   * A batch of small messages closes at this many bytes (or batchMessages messages). Two batches
   * are in hand at most (one being stored, the next downloading), so this bounds the memory.
   */
  batchBytes?: number;
  batchMessages?: number;
  stopGraceMs?: number;
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
  private readonly lock: MailboxLock;
  private readonly batches: BatchStore;
  private mailArrived = false;
  private readonly fetchFailures = new FetchFailures();

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
      batchBytes: 1024 * 1024,
      batchMessages: 250,
      stopGraceMs: 10_000,
      ...Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k !== 'deps' && k !== 'hooks')),
    } as typeof this.o;
    this.lock = new MailboxLock({
      databaseUrl: this.deps.databaseUrl,
      sourceId: this.sourceId,
      log: this.log,
      onLost: () => {
        this.client?.close();
        this.wake();
      },
    });
    this.batches = new BatchStore({ sourceId: this.sourceId, config: this.config, lock: this.lock, log: this.log });
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
        mine = await this.lock.acquire();
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
        if (!this.lock.isHeld) continue; // lost the lock: not an IMAP problem, go back to stand-by
        attempt++;
        const message = describeError(err);
        this.log.warn({ err: message, attempt }, 'mailbox session failed; reconnecting');
        await recordSource(this.deps.prisma, this.sourceId, 'EMAIL', { lastError: message, lastErrorAt: this.deps.clock.now() }).catch(() => {});
      }
      if (this.stopping) break;
      if (attempt > 0) {
        this._state = 'backoff';
        await this.sleep(this.backoffMs(attempt));
      }
    }
    await this.lock.release();
    this._state = 'stopped';
  }

  // --- one IMAP session ----------------------------------------------------------------------

  private async session(onHealthy: () => void): Promise<void> {
    this._state = 'connecting';
    const client = newImapClient(this.config);
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
      if (this.config.IMAP_PROCESSED_MAILBOX) await ensureMailbox(client, this.config.IMAP_PROCESSED_MAILBOX, this.log);
      await client.mailboxOpen(this.config.IMAP_MAILBOX);
      this._state = 'active';
      this.log.info({ idle: client.capabilities.has('IDLE'), server: client.serverInfo?.name ?? null }, 'mailbox opened');
      while (!this.stopping && this.lock.isHeld) {
        this.mailArrived = false;
        await this.sync(client);
        onHealthy();
        if (this.stopping || !this.lock.isHeld) break;
        if (!this.mailArrived) await this.waitForMail(client);
        if (!client.usable && !this.stopping && this.lock.isHeld) {
          throw new Error(client.byeReason ? `server closed the connection: ${client.byeReason}` : 'the connection to the IMAP server closed');
        }
      }
    } finally {
      this.client = null;
      if (client.usable) await client.logout().catch(() => client.close());
      else client.close();
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

  // --- fetching and storing ------------------------------------------------------------------

  /** Everything above the cursor, oldest first, in batches. */
  private async sync(client: ImapFlow): Promise<void> {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('mailbox is not open');
    const uidValidity = mailbox.uidValidity;
    const lastUid = await loadCursor(this.deps.prisma, this.sourceId, uidValidity, this.log);
    const found = await client.search({ uid: searchRange(lastUid) }, { uid: true });
    if (found === false || found === undefined) throw new Error('the server refused UID SEARCH');
    const uids = uidsAbove(found, lastUid);
    await recordSource(this.deps.prisma, this.sourceId, 'EMAIL', { lastPollAt: this.deps.clock.now(), pending: uids.length });

    let done = 0;
    // Downloads and stores overlap: while one batch is stored (the database), the next one is
    // downloaded (IMAP). The IMAP connection still runs one command at a time (the previous
    // batch is flagged only once the next download is done) and so does the lock's database
    // connection (one store at a time). In memory: at most the batch being stored and the one
    // being downloaded.
    let inStore: InStore | null = null;
    try {
      for (let i = 0; i < uids.length && !this.stopping && this.lock.isHeld; i += METADATA_SLICE) {
        const slice = uids.slice(i, i + METADATA_SLICE);
        const metas = await client.fetchAll(sequenceSet(slice), { uid: true, size: true, internalDate: true, flags: true }, { uid: true });
        const items = plannedItems(slice, metas);
        for (const batch of planBatches(items, this.o, (uid) => this.fetchFailures.get(uidValidity, uid))) {
          if (this.stopping || !this.lock.isHeld) break;
          const fetched = await this.download(client, batch, uidValidity);
          if (inStore) done += await this.finish(client, inStore, uidValidity);
          inStore = this.startStore(batch, fetched, uidValidity);
        }
      }
      if (inStore) done += await this.finish(client, inStore, uidValidity);
      inStore = null;
    } catch (err) {
      // Never leave a store running on the lock's connection into the next session.
      await inStore?.storing.catch(() => undefined);
      throw err;
    }
    await recordSource(this.deps.prisma, this.sourceId, 'EMAIL', { lastSuccessAt: this.deps.clock.now(), pending: Math.max(0, uids.length - done) });
  }

  private download(client: ImapFlow, batch: Planned[], uidValidity: bigint): Promise<Fetched[]> {
    return download(client, batch, uidValidity, {
      failures: this.fetchFailures,
      log: this.log,
      maxMessageBytes: this.config.IMAP_MAX_MESSAGE_BYTES,
      maxFetchAttempts: this.o.maxFetchAttempts,
      smallMessageBytes: this.o.smallMessageBytes,
    });
  }

  /** Starts storing a downloaded batch; finish() waits for it. */
  private startStore(batch: Planned[], fetched: Fetched[], uidValidity: bigint): InStore {
    const present = fetched.filter((f): f is Present => f.kind !== 'gone');
    const storing = this.batches.storeBatch(present, uidValidity);
    // Awaited in finish() (or when the session fails); until then a failure must not count as unhandled.
    storing.catch(() => undefined);
    return { batch, fetched, present, storing };
  }

  /** Once the batch is stored: flag or move it, then advance the cursor past it. Returns its size. */
  private async finish(client: ImapFlow, s: InStore, uidValidity: bigint): Promise<number> {
    const out = await s.storing;
    for (const o of out) {
      if (o.note) this.log.warn({ uid: o.f.item.uid, size: o.input.sizeBytes ?? undefined }, o.note);
      await this.hooks.afterStore?.(o.f.item.uid);
    }
    await markDone(
      client,
      s.present.map((f) => f.item.uid),
      this.config.IMAP_PROCESSED_MAILBOX,
      this.log,
    );
    this.fetchFailures.clear(
      uidValidity,
      s.fetched.map((f) => f.item.uid),
    );
    await saveCursor(this.deps.prisma, this.sourceId, uidValidity, cursorAfter(s.batch.map((b) => b.uid)));
    return s.batch.length;
  }
}
