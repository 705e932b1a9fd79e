// npx tsx bench/tip-read-profile.ts [--messages 400] [--statements] [--profile FILE]
// Where a tip reading's (tip.read) CPU goes, without IMAP or the queue: the bench's varied mail is
// stored into a scratch database and normalized by the batch job (as bench/email.bench.ts does),
// then every queued reading is run by the real job handler, one at a time. Prints the CPU and
// wall time per reading, and a digest of what the readings wrote (tokens, words, place, types,
// suggestion, duplicate by position), so a change meant to save CPU can show it read the same.
// --profile FILE: a CPU profile (.cpuprofile, for Chrome DevTools) of the readings alone.
// --statements: the statements the readings send, per reading (it costs a little CPU itself).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { normalizeEmailBatchJob } from '../src/channels/email/email.batch.js';
import { readTipJob } from '../src/tips/read-tip.job.js';
import { countStatements, statementReport, storedMail } from './stored-mail.js';

const { values: args } = parseArgs({
  options: { messages: { type: 'string', default: '400' }, profile: { type: 'string' }, statements: { type: 'boolean', default: false } },
});
const N = Number(args.messages);
// All stored in one transaction: every tip is created at the same instant, whatever the machine's speed.
const { deps, ids, close } = await storedMail({ prefix: 'tipdesk_profile_read', messages: N, perTransaction: N });
try {
  const ctx = { id: 'prof', kind: 'normalize', attempt: 1, maxAttempts: 5, signal: new AbortController().signal };
  for (let i = 0; i < ids.length; i += 50) await normalizeEmailBatchJob.handler(deps, { submissionIds: ids.slice(i, i + 50) }, ctx);

  // In a fixed order (a reading's candidates are the tips read before it), not the queue's: ids are random.
  const jobs = await deps.pool.query<{ payload: { tipId: string; what?: 'all' | 'tokens' } }>(
    `SELECT j.payload FROM job j LEFT JOIN tip t ON t.id = (j.payload->>'tipId')::uuid
     WHERE j.kind = 'tip.read' ORDER BY t.created_at, t.subject, t.body, j.payload->>'what'`,
  );
  // Warm the kit (jieba, the place index): a process builds it once.
  (await deps.language.kit(deps.prisma as never)).segmenter.cut('预热');
  const session = args.profile ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  // --statements: what the readings send to PostgreSQL, by statement (first 70 characters).
  const counter = args.statements ? countStatements() : null;
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  for (const j of jobs.rows) await readTipJob.handler(deps, { tipId: j.payload.tipId, what: j.payload.what ?? 'all' }, { ...ctx, kind: 'tip.read' });
  const wall = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  if (session && args.profile) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(args.profile, JSON.stringify(profile));
    session.disconnect();
  }
  counter?.stop();
  const n = jobs.rows.length;
  console.log(
    `${N} messages → ${n} readings: ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms CPU per reading in this process, ${(wall / n).toFixed(2)} ms wall`,
  );
  if (counter) console.log(statementReport(counter.sent, n, 'reading'));

  // What was read, independent of ids and dates: tips by their text (each bench mail's differs). A
  // duplicate by its score: of equally scored candidates the first in id order wins, and ids are random.
  const rows = await deps.pool.query(`
    SELECT t.subject, t.body, t.search_tokens, t.content_words, t.incident_types, t.loc_district, t.loc_street, t.loc_community, t.loc_estate,
      t.loc_road, t.loc_landmark, t.loc_building, t.loc_unit, t.location_words, t.location_source, t.site_key,
      t.suggested_category, t.suggestion_confidence, t.suggestion_terms, t.suggestion_model_version, t.duplicate_of_id IS NOT NULL AS duplicate, t.duplicate_score,
      t.read_at IS NOT NULL AS read
    FROM tip t ORDER BY t.subject, t.body`);
  const digest = createHash('sha256').update(JSON.stringify(rows.rows)).digest('hex').slice(0, 16);
  console.log(`${rows.rowCount} tips, ${rows.rows.filter((r) => r.duplicate).length} flagged as duplicates; readings digest ${digest}`);
} finally {
  await close();
}
