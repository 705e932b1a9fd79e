import type { Tx } from '../db/prisma.js';
import type { EnqueueOptions } from './job.js';
import type { JobKind, JobPayloadInput } from './kinds.js';
import { insertJob } from './sql.js';

// A PostgreSQL job queue on the `job` table (worker.ts runs it). Enqueueing is one INSERT in the
// caller's transaction, checked at compile time against the job registry (kinds.ts).

/** Inserts a job inside the caller's transaction: the job exists exactly when the caller's rows do. */
export function enqueue<K extends JobKind>(tx: Tx, kind: K, payload: JobPayloadInput<K>, opts: EnqueueOptions = {}): Promise<string | null> {
  return insertJob(tx, kind, payload, opts);
}
