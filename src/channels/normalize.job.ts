import type { Deps } from '../deps.js';
import type { Submission } from '../generated/prisma/client.js';
import { PermanentJobError, isPermanent } from '../errors.js';
import type { JobContext, JobDefinition } from '../queue/job.js';
import type { DecisionMeta } from '../tips/routing.js';
import { decideStoredMessage } from './accept-message.js';
import { loadRaw, quarantine } from './submissions.js';
import { adapterFor } from './index.js';
import { jobPayloads, NORMALIZE_JOB } from '../queue/kinds.js';

/** A submission row as the client reads it by default (raw bytes left out: loadRaw reads them). */
type Row = Omit<Submission, 'raw'>;

/** Turns a stored submission into a tip or a thread message. Safe to run twice: a processed submission is left alone. */
export const normalizeSubmissionJob: JobDefinition<typeof NORMALIZE_JOB, Deps> = {
  id: NORMALIZE_JOB,
  payload: jobPayloads[NORMALIZE_JOB],
  maxAttempts: 5,
  async handler(deps, { submissionId }, ctx) {
    const row = await deps.prisma.submission.findUnique({ where: { id: submissionId } });
    if (!row) throw new PermanentJobError(`submission ${submissionId} does not exist`);
    if (row.state === 'PROCESSED' || row.state === 'SKIPPED') return;
    try {
      const decided = await decideFirst(deps, row);
      if (decided.state !== 'RECEIVED') return;
      await openerFirst(deps, decided, ctx);
      await normalize(deps, decided, ctx);
    } catch (err) {
      // The last failure quarantines the submission: kept raw, shown to editors, retryable.
      if (isPermanent(err) || ctx.attempt >= ctx.maxAttempts) {
        await quarantine(deps.prisma, submissionId, (err as Error).message ?? String(err));
        deps.logger.warn({ submission: submissionId, channel: row.channel, reason: (err as Error).message }, 'submission quarantined');
      }
      throw err;
    }
  },
};

async function normalize(deps: Deps, row: Row, ctx: JobContext) {
  const sub = { ...row, raw: (await loadRaw(deps.prisma, row.id)) as Uint8Array<ArrayBuffer> | null };
  const normalizer = adapterFor(sub.channel)?.normalize[sub.channel];
  if (!normalizer) throw new PermanentJobError(`no normalizer for channel ${sub.channel}`);
  await normalizer(deps, sub, ctx);
}

const undecided = (row: Row) => row.state === 'RECEIVED' && !(row.meta as DecisionMeta | null)?.route;

/**
 * A message its webhook stored undecided (the channel's `decide`) is decided first, in a committed
 * statement of its own like a deciding webhook's: a keyword or a blocked sender ends here (SKIPPED),
 * and the decision is on the row before its opener (openerFirst) or its tip is looked for. The
 * contact's earlier undecided messages are decided before it, in the order they came: jobs run in
 * any order, and the first text, not the second, should open the tip and take the first code.
 */
async function decideFirst(deps: Deps, row: Row): Promise<Row> {
  const decide = adapterFor(row.channel)?.decide?.[row.channel];
  if (!decide || !undecided(row) || !row.sender) return row;
  const earlier = await deps.prisma.submission.findMany({
    where: { channel: row.channel, sender: row.sender, state: 'RECEIVED', receivedAt: { lt: row.receivedAt } },
    orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }],
    take: EARLIER_LIMIT,
  });
  for (const e of earlier.filter(undecided)) await decideStoredMessage(deps, e.id, decide(deps, { ...e, raw: null }));
  const a = await decideStoredMessage(deps, row.id, decide(deps, { ...row, raw: null }));
  if (!a) throw new PermanentJobError(`submission ${row.id} does not exist`);
  // Decided (or finished) by another job meanwhile: read it as it is now.
  if (!a.created) return (await deps.prisma.submission.findUnique({ where: { id: row.id } })) ?? row;
  // The row as the decision left it (what the statement wrote; no second read).
  return {
    ...row,
    state: a.skipped ? 'SKIPPED' : row.state,
    meta: a.meta as Row['meta'],
    tipId: a.tipId,
    rateLimited: a.rateLimited,
    reference: a.route === 'new' ? a.reference : null,
  };
}

/** How many of a contact's earlier undecided messages one job decides before its own (a flood's backlog: the rest decide themselves). */
const EARLIER_LIMIT = 20;

/**
 * A follow-up to a tip its contact opened moments before: the webhook answered with that tip's
 * reference before any job made the tip (meta.pendingReference). The jobs run in any order, so
 * the opening submission is normalized here first when its own job has not yet (both runs lock
 * its row: one makes the tip, the other finds it processed). Its failure fails this job too, which
 * is retried; the opener's own job quarantines the opener, and then this follow-up routes again.
 */
async function openerFirst(deps: Deps, row: Row, ctx: JobContext) {
  const reference = (row.meta as DecisionMeta | null)?.pendingReference;
  if (!reference || row.tipId) return;
  const opener = await deps.prisma.submission.findUnique({ where: { reference } });
  if (!opener || opener.id === row.id || opener.state !== 'RECEIVED') return;
  await normalize(deps, opener, ctx);
}
