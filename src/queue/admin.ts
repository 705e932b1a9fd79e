import { z } from 'zod';
import type { Db } from '../db/prisma.js';
import { JobState } from '../generated/prisma/enums.js';
import { countJobsByState, notifyWorkers, requeueDeadJob } from './sql.js';

// What an admin sees of the queue and can do to it (src/queue/queue.routes.ts).

export const JobStateSchema = z.enum(JobState);

export interface JobRow {
  id: string;
  kind: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  runAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
}

export async function listJobs(db: Db, state: JobState, limit = 100): Promise<JobRow[]> {
  return db.job.findMany({
    where: { state },
    orderBy: { createdAt: 'desc' },
    take: limit,
    // Payloads can carry contact details: the listing leaves them out.
    select: { id: true, kind: true, state: true, attempts: true, maxAttempts: true, lastError: true, runAt: true, createdAt: true, finishedAt: true },
  });
}

/** An admin's retry: a dead job gets a fresh set of attempts and runs now. */
export async function retryJob(db: Db, id: string): Promise<boolean> {
  const n = await requeueDeadJob(db, id);
  if (n > 0) await notifyWorkers(db, 'retry');
  return n > 0;
}

export async function queueDepth(db: Db): Promise<Record<string, number>> {
  const rows = await countJobsByState(db);
  const out: Record<string, number> = Object.fromEntries(Object.values(JobState).map((s) => [s, 0]));
  for (const r of rows) out[r.state] = Number(r.n);
  return out;
}
