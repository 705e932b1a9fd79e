// npx tsx bench/email-profile.ts [--messages 400] [--concurrency 1] [--statements] [--batch 0]
// Where a normalized email's time goes, without IMAP: the bench's varied mail is stored straight
// into a scratch database, then every submission is normalized by the real job handler. Prints
// the parse time alone (CPU) and the handler's time per message; run under `node --cpu-prof`
// (NODE_OPTIONS=--cpu-prof) to see by function. --batch N: the mailbox worker's way, one
// normalize-email-batch job per N stored emails (0: the one-message job per email).
import { parseArgs } from 'node:util';
import { parseEmail } from '../src/channels/email/email.parse.js';
import { normalizeSubmissionJob } from '../src/channels/normalize.job.js';
import { normalizeEmailBatchJob } from '../src/channels/email/email.batch.js';
import { countStatements, statementReport, storedMail } from './stored-mail.js';

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
const { deps, config, raws, ids, close } = await storedMail({ prefix: 'tipdesk_profile_email', messages: N, perTransaction: 100 });
try {
  const t0 = performance.now();
  for (const raw of raws) await parseEmail(raw, { maxAttachmentBytes: config.ATTACHMENT_MAX_BYTES });
  const parseMs = (performance.now() - t0) / N;
  // Warm the language kit (segmenter, places) so the first message does not carry it.
  await deps.language.kit(deps.prisma as never).catch(() => undefined);

  // --statements: what the job sends to PostgreSQL per message, by statement (first 70 characters).
  const counter = args.statements ? countStatements() : null;
  const ctx = { id: 'prof', kind: 'normalize', attempt: 1, maxAttempts: 5, signal: new AbortController().signal };
  const t = performance.now();
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
  if (counter) {
    counter.stop();
    // The job's and the queue-free handler's statements; no claim/complete.
    console.log(statementReport(counter.sent, N, 'message'));
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
} finally {
  await close();
}
