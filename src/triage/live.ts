import type { Response } from 'express';
import pg from 'pg';
import type { Deps } from '../deps.js';
import { DESK_CHANNEL } from '../audit/sql.js';
import { deskEventsAfter, lastDeskEventId } from './sql.js';

// The desk's live stream: server-sent events that tell every open dashboard a tip changed, so
// nobody polls. Any API process can serve any browser: each process LISTENs on tipdesk_desk
// (the NOTIFY is sent in the transaction that makes the change, so only committed changes are
// announced) and reads the desk_event rows after the last id each browser has seen. An event
// carries a tip id and an action, never content: the browser fetches the tip with its own
// rights. A browser that reconnects sends Last-Event-ID and gets what it missed.

const KEEPALIVE_MS = 15_000;
const REPLAY_LIMIT = 500;

interface Subscriber {
  res: Response;
  lastId: bigint;
  keepalive: NodeJS.Timeout;
}

export class LiveHub {
  private readonly subs = new Set<Subscriber>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private pumping = false;
  private again = false;
  private closed = false;

  constructor(private readonly deps: Pick<Deps, 'prisma' | 'databaseUrl' | 'logger'>) {}

  /** Streams to `res` from `lastEventId` (exclusive; null = from now) until the browser goes away. */
  async subscribe(res: Response, lastEventId: bigint | null): Promise<void> {
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // Listening and the starting point come before the answer: a change made as soon as the
    // browser sees the stream open is after `lastId` and is sent.
    await this.listen();
    const sub: Subscriber = {
      res,
      lastId: lastEventId ?? (await lastDeskEventId(this.deps.prisma)),
      keepalive: setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS),
    };
    this.subs.add(sub);
    res.flushHeaders();
    res.write(`retry: 3000\n: stream from ${sub.lastId}\n\n`);
    res.on('close', () => this.drop(sub));
    // Replay what the browser missed while it was away.
    this.pump();
  }

  /** Ends every stream and the LISTEN connection (before the server and the database stop). */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.subs]) s.res.end();
    this.subs.clear();
    await this.release();
  }

  private drop(sub: Subscriber) {
    clearInterval(sub.keepalive);
    this.subs.delete(sub);
    // The LISTEN connection lives only while someone watches.
    if (this.subs.size === 0) void this.release();
  }

  private async release() {
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => {});
  }

  private listen(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= (async () => {
      const c = new pg.Client({ connectionString: this.deps.databaseUrl, application_name: 'tipdesk-live' });
      c.on('notification', () => this.pump());
      c.on('error', (err) => {
        // A lost connection: reconnect while anyone watches, then catch up from the rows.
        this.deps.logger.warn({ err: err.message }, 'live stream lost its LISTEN connection; reconnecting');
        if (this.client === c) this.client = null;
        void c.end().catch(() => {});
        setTimeout(() => {
          if (this.subs.size > 0) void this.listen().then(() => this.pump());
        }, 1000).unref();
      });
      await c.connect();
      await c.query(`LISTEN ${DESK_CHANNEL}`);
      this.client = c;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** One read of the new rows for all streams; notifications that arrive meanwhile cause one more. */
  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.again = false;
          if (this.subs.size === 0) break;
          const from = [...this.subs].reduce((m, s) => (s.lastId < m ? s.lastId : m), [...this.subs][0].lastId);
          const rows = await deskEventsAfter(this.deps.prisma, from, REPLAY_LIMIT);
          for (const s of this.subs) {
            for (const r of rows) {
              if (r.id <= s.lastId) continue;
              s.res.write(`id: ${r.id}\nevent: tip\ndata: ${JSON.stringify({ tipId: r.tipId, action: r.action })}\n\n`);
              s.lastId = r.id;
            }
          }
          if (rows.length === REPLAY_LIMIT) this.again = true;
        } while (this.again);
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'live stream could not read desk events');
      } finally {
        this.pumping = false;
      }
    })();
  }
}

/** Last-Event-ID as the browser sends it (header) or as a query parameter; anything else starts from now. */
export function parseLastEventId(header: string | undefined, query: unknown): bigint | null {
  const v = header ?? (typeof query === 'string' ? query : undefined);
  return v && /^\d{1,18}$/.test(v) ? BigInt(v) : null;
}
