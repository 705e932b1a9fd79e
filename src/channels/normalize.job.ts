import type { Deps } from '../deps.js';
import { PermanentJobError, isPermanent } from '../errors.js';
import type { JobDefinition } from '../queue/job.js';
import { loadRaw, quarantine } from './submissions.js';
import { adapterFor } from './index.js';
import { jobPayloads, NORMALIZE_JOB } from '../queue/kinds.js';

/** Turns a stored submission into a tip or a thread message. Safe to run twice: a processed submission is left alone. */
export const normalizeSubmissionJob: JobDefinition<typeof NORMALIZE_JOB, Deps> = {
  id: NORMALIZE_JOB,
  payload: jobPayloads[NORMALIZE_JOB],
  maxAttempts: 5,
  async handler(deps, { submissionId }, ctx) {
    const row = await deps.prisma.submission.findUnique({ where: { id: submissionId } });
    if (!row) throw new PermanentJobError(`submission ${submissionId} does not exist`);
    if (row.state === 'PROCESSED' || row.state === 'SKIPPED') return;
    const sub = { ...row, raw: (await loadRaw(deps.prisma, submissionId)) as Uint8Array<ArrayBuffer> | null };
    const normalize = adapterFor(sub.channel)?.normalize[sub.channel];
    try {
      if (!normalize) throw new PermanentJobError(`no normalizer for channel ${sub.channel}`);
      await normalize(deps, sub, ctx);
    } catch (err) {
      // The last failure quarantines the submission: kept raw, shown to editors, retryable.
      if (isPermanent(err) || ctx.attempt >= ctx.maxAttempts) {
        await quarantine(deps.prisma, submissionId, (err as Error).message ?? String(err));
        deps.logger.warn({ submission: submissionId, channel: sub.channel, reason: (err as Error).message }, 'submission quarantined');
      }
      throw err;
    }
  },
};
