import type { Db } from '../db/prisma.js';
import type { Logger } from '../logger.js';
import { notifyWorkers, pruneCompletedJobs, recoverExpiredLeases } from './sql.js';

/** Expired leases go back to the queue (their worker died); old completed jobs are pruned. */
export async function maintainQueue(db: Db, logger: Logger, retentionHours: number): Promise<{ recovered: number; pruned: number }> {
  const recovered = await recoverExpiredLeases(db);
  if (recovered > 0) {
    logger.warn({ recovered }, 'recovered jobs whose lease expired');
    await notifyWorkers(db, 'recovered');
  }
  const pruned = await pruneCompletedJobs(db, retentionHours);
  return { recovered, pruned };
}
