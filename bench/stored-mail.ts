import pg from 'pg';
import { quickHeaders } from '../src/channels/email/email.parse.js';
import { storeSubmissionIn } from '../src/channels/submissions.js';
import { loadConfig, type Config } from '../src/config.js';
import { pgTransaction } from '../src/db/raw-tx.js';
import { closeDeps, createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/logger.js';
import { seedRules } from '../src/tips/categorize.js';
import { benchDatabase, type BenchDatabase } from './bench-db.js';
import { variedMail } from './email-mail.js';

// The set-up the profiles share (bench/email-profile.ts, bench/tip-read-profile.ts): a scratch
// database with the seeded rules, Deps on it, and the bench's varied mail stored as RECEIVED email
// submissions (each with its normalize job), without IMAP.

export interface StoredMail {
  db: BenchDatabase;
  config: Config;
  deps: Deps;
  /** The mail, in the order stored. */
  raws: Buffer[];
  /** Submission ids, in the order of `raws`. */
  ids: string[];
  /** Closes Deps and drops the database. */
  close(): Promise<void>;
}

export async function storedMail(opts: {
  prefix: string;
  messages: number;
  /**
   * Submissions stored per transaction. A submission's received_at is its transaction's now(), and
   * so its tip's creation time: the tip reading profile stores all in one (every tip at one instant,
   * so its readings do not depend on how fast the machine stored them).
   */
  perTransaction: number;
}): Promise<StoredMail> {
  const db = await benchDatabase(opts.prefix);
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      SMTP_URL: 'smtp://127.0.0.1:1',
      MAIL_FROM: 'x <a@b.cn>',
    });
    const deps = createDeps(config, db.url, { logger: createLogger('warn') });
    await seedRules(deps.prisma);
    const earlier: string[] = [];
    const raws = Array.from({ length: opts.messages }, (_, i) => variedMail(i, earlier));
    const conn = new pg.Client({ connectionString: db.url });
    await conn.connect();
    const ids: string[] = [];
    try {
      for (let i = 0; i < raws.length; i += opts.perTransaction) {
        await pgTransaction(conn, async (tx) => {
          for (const [k, raw] of raws.slice(i, i + opts.perTransaction).entries()) {
            const h = quickHeaders(raw.subarray(0, raw.indexOf('\r\n\r\n')));
            const s = await storeSubmissionIn(tx, {
              channel: 'EMAIL',
              externalId: h.messageId ?? `c:${i + k}`,
              raw,
              sender: h.from,
              meta: { source: 'prof' },
            });
            ids.push(s.id);
          }
        });
      }
    } finally {
      await conn.end();
    }
    return {
      db,
      config,
      deps,
      raws,
      ids,
      async close() {
        await closeDeps(deps);
        await db.drop();
      },
    };
  } catch (e) {
    await db.drop();
    throw e;
  }
}

/**
 * Counts what the process sends to PostgreSQL from now on, by statement (its first 70 characters):
 * Prisma's statements too, since its adapter speaks `pg`. `stop()` puts the driver back.
 */
export function countStatements(): { sent: Map<string, number>; stop(): void } {
  const sent = new Map<string, number>();
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
    const q = a[0] as string | { text?: string };
    const text = (typeof q === 'string' ? q : (q?.text ?? '?')).replace(/\s+/g, ' ').trim().slice(0, 70);
    sent.set(text, (sent.get(text) ?? 0) + 1);
    return query.apply(this, a);
  } as typeof pg.Client.prototype.query;
  return {
    sent,
    stop() {
      pg.Client.prototype.query = query as typeof pg.Client.prototype.query;
    },
  };
}

/** The counted statements, per unit (message, reading), most frequent first. */
export function statementReport(sent: Map<string, number>, n: number, unit: string): string {
  const total = [...sent.values()].reduce((a, b) => a + b, 0);
  return [
    `statements per ${unit}: ${(total / n).toFixed(1)}`,
    ...[...sent].sort((a, b) => b[1] - a[1]).map(([text, k]) => `${(k / n).toFixed(2).padStart(6)}  ${text}`),
  ].join('\n');
}
