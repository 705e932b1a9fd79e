// npx tsx bench/email-profile.ts [--messages 400] [--concurrency 1] [--statements] [--batch 0]
// Where a normalized email's time goes, without IMAP: the bench's varied mail is stored straight
// into a scratch database, then every submission is normalized by the real job handler. Prints
// the parse time alone (CPU) and the handler's time per message; run under `node --cpu-prof`
// (NODE_OPTIONS=--cpu-prof) to see by function. --batch N: the mailbox worker's way, one
// normalize-email-batch job per N stored emails (0: the one-message job per email).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { closeDeps, createDeps } from '../src/deps.js';
import { parseEmail, quickHeaders } from '../src/channels/email/email.parse.js';
import { normalizeSubmissionJob } from '../src/channels/normalize.job.js';
import { normalizeEmailBatchJob } from '../src/channels/email/email.batch.js';
import { storeSubmissionIn } from '../src/channels/submissions.js';
import { pgTransaction } from '../src/db/raw-tx.js';
import { createLogger } from '../src/logger.js';
import { seedRules } from '../src/tips/categorize.js';
import { benchDatabase } from './bench-db.js';
import { variedMail } from './email-mail.js';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '1' },
    statements: { type: 'boolean', default: false },
    batch: { type: 'string', default: '0' },
  },
});
const N = Number(args.messages);
const C = Number(args.concurrency);
const B = Number(args.batch);
const db = await benchDatabase('tipdesk_profile_email');
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
  const raws = Array.from({ length: N }, (_, i) => variedMail(i, earlier));

  let t = performance.now();
  for (const raw of raws) await parseEmail(raw, { maxAttachmentBytes: config.ATTACHMENT_MAX_BYTES });
  const parseMs = (performance.now() - t) / N;

  const conn = new pg.Client({ connectionString: db.url });
  await conn.connect();
  const ids: string[] = [];
  for (let i = 0; i < raws.length; i += 100) {
    await pgTransaction(conn, async (tx) => {
      for (const [k, raw] of raws.slice(i, i + 100).entries()) {
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
  await conn.end();
  // Warm the language kit (segmenter, places) so the first message does not carry it.
  await deps.language.kit(deps.prisma as never).catch(() => undefined);

  // --statements: what the job sends to PostgreSQL per message, by statement (first 70 characters).
  const sent = new Map<string, number>();
  if (args.statements) {
    const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
    pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
      const q = a[0] as string | { text?: string };
      const text = (typeof q === 'string' ? q : (q?.text ?? '?')).replace(/\s+/g, ' ').trim().slice(0, 70);
      sent.set(text, (sent.get(text) ?? 0) + 1);
      return query.apply(this, a);
    } as typeof pg.Client.prototype.query;
  }
  const ctx = { id: 'prof', kind: 'normalize', attempt: 1, maxAttempts: 5, signal: new AbortController().signal };
  t = performance.now();
  const cpu0 = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < ids.length) {
        if (B > 0) {
          const submissionIds = ids.slice(next, (next += B));
          await normalizeEmailBatchJob.handler(deps, { submissionIds }, ctx);
        } else await normalizeSubmissionJob.handler(deps, { submissionId: ids[next++] }, ctx);
      }
    }),
  );
  const wall = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${N} messages${B > 0 ? ` in batches of ${B}` : ''}: parseEmail alone ${parseMs.toFixed(2)} ms/msg; normalize job (concurrency ${C}) ${(wall / N).toFixed(2)} ms/msg wall, ` +
      `${((cpu.user + cpu.system) / 1000 / N).toFixed(2)} ms/msg CPU in this process, ${(N / (wall / 1000)).toFixed(1)} msgs/s`,
  );
  if (args.statements) {
    const total = [...sent.values()].reduce((a, b) => a + b, 0);
    console.log(`statements per message: ${(total / N).toFixed(1)} (the job's and the queue-free handler's; no claim/complete)`);
    for (const [text, n] of [...sent].sort((a, b) => b[1] - a[1])) console.log(`${(n / N).toFixed(2).padStart(6)}  ${text}`);
  }
  // What the run made, to compare the two ways: submissions by state, rows by table, jobs by kind.
  const made = await deps.pool.query<{ what: string; n: number }>(`
    SELECT 'submission ' || state AS what, count(*)::int AS n FROM submission GROUP BY state
    UNION ALL SELECT 'tip', count(*)::int FROM tip UNION ALL SELECT 'message ' || direction, count(*)::int FROM message GROUP BY direction
    UNION ALL SELECT 'attachment ' || state, count(*)::int FROM attachment GROUP BY state UNION ALL SELECT 'attachment_blob', count(*)::int FROM attachment_blob
    UNION ALL SELECT 'audit ' || action, count(*)::int FROM audit_event GROUP BY action UNION ALL SELECT 'desk_event', count(*)::int FROM desk_event
    UNION ALL SELECT 'tipster', count(*)::int FROM tipster UNION ALL SELECT 'tip_tipster', count(*)::int FROM tip_tipster
    UNION ALL SELECT 'job ' || kind, count(*)::int FROM job WHERE kind <> 'normalize-submission' GROUP BY kind ORDER BY 1`);
  console.log(made.rows.map((r) => `${r.what}: ${r.n}`).join('; '));
  await closeDeps(deps);
} finally {
  await db.drop();
}
