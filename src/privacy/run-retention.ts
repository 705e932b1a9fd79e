import type { Deps } from '../deps.js';
import { jobPayloads, RETENTION_JOB } from '../queue/kinds.js';
import type { JobDefinition } from '../queue/job.js';
import { audit } from '../audit/audit.js';
import { eraseTipsters } from './erase.js';
import { dueForRetention, eraseOrphanSubmissions, eraseTiplessTipsters, expiredTipsters, type EraseCounts } from './sql.js';

// Retention (CONTACT_RETENTION_DAYS): the contact data of tips closed longer ago than that is
// erased: every submission's raw bytes, parameters and sender, outbound addresses and provider
// errors, and the tipster row once none of its tips is open or recently closed. The stories,
// photos and history stay. Batches of tips, each in its own transaction, so a big first run
// neither holds locks for long nor starts over after a crash.

const BATCH = 200;
const DAY = 86_400_000;

export type RetentionResult = { cutoff: string; erased: EraseCounts & { orphanSubmissions: number; tiplessTipsters: number } };

export async function runRetention(
  deps: Pick<Deps, 'prisma' | 'clock' | 'config' | 'logger'>,
  actorId: string | null = null,
): Promise<RetentionResult> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - deps.config.CONTACT_RETENTION_DAYS * DAY);
  const total: RetentionResult['erased'] = {
    tipsters: 0,
    submissions: 0,
    messages: 0,
    texts: 0,
    jobs: 0,
    tips: 0,
    orphanSubmissions: 0,
    tiplessTipsters: 0,
  };
  for (;;) {
    const n = await deps.prisma.$transaction(
      async (tx) => {
        const tipIds = await dueForRetention(tx, cutoff, BATCH);
        if (!tipIds.length) return 0;
        const tipsters = await expiredTipsters(tx, tipIds, cutoff);
        const r = await eraseTipsters(tx, { tipsters, tipIds, wholeTips: true, at: now });
        for (const k of Object.keys(r.counts) as (keyof EraseCounts)[]) total[k] += r.counts[k];
        for (const tipId of tipIds) await audit(tx, { tipId, actorId, action: 'contact.erased', after: { reason: 'retention' }, at: now });
        return tipIds.length;
      },
      { timeout: 120_000 },
    );
    if (n < BATCH) break;
  }
  await deps.prisma.$transaction(async (tx) => {
    total.orphanSubmissions = await eraseOrphanSubmissions(tx, cutoff);
    total.tiplessTipsters = await eraseTiplessTipsters(tx, cutoff);
    await audit(tx, { tipId: null, actorId, action: 'retention.run', after: { cutoff: cutoff.toISOString(), counts: total }, at: now });
  });
  deps.logger.info({ cutoff: cutoff.toISOString(), counts: total }, 'retention run');
  return { cutoff: cutoff.toISOString(), erased: total };
}

/** The daily run, through the queue (scheduled by retention-schedule.ts). */
export const retentionJob: JobDefinition<typeof RETENTION_JOB, Deps> = {
  id: RETENTION_JOB,
  payload: jobPayloads[RETENTION_JOB],
  maxAttempts: 5,
  async handler(deps, payload) {
    await runRetention(deps, payload.actorId);
  },
};
