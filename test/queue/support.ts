import { z } from 'zod';
import { waitFor } from '../support/wait.js';
import type { Db } from '../../src/db/prisma.js';
import type { Logger } from '../../src/logger.js';
import { Worker, type WorkerOptions } from '../../src/queue/worker.js';
import type { WorkerJob } from '../../src/queue/job.js';
import type { Harness } from '../support/harness.js';

export const anyPayload = z.object({}).passthrough();

/** A job definition for queue tests; the handler gets the job's context. */
export function testJob(
  id: string,
  handler: WorkerJob<Record<string, unknown>, unknown>['handler'],
  maxAttempts?: number,
): WorkerJob<Record<string, unknown>, unknown> {
  return { id, payload: anyPayload, maxAttempts, handler };
}

/** Starts a Worker the way the service does, with test-friendly timings unless overridden. */
export async function startWorker(
  o: { prisma: Db; databaseUrl: string; logger: Logger; definitions: WorkerJob<any, unknown>[] } & Partial<WorkerOptions<unknown>>,
) {
  const worker = new Worker<unknown>({ deps: {}, pollSeconds: 1, backoffBaseSeconds: 0.2, maintenanceSeconds: 600, ...o });
  await worker.start();
  return worker;
}

/** A worker taking over a killed worker's jobs: it recovers expired leases twice a second. */
export function startRescuer(h: Harness, definitions: WorkerJob<any, unknown>[]) {
  return startWorker({ prisma: h.deps.prisma, databaseUrl: h.db.url, logger: h.deps.logger, leaseSeconds: 5, maintenanceSeconds: 0.5, definitions });
}

export interface JobSnapshot {
  id: string;
  state: string;
  attempts: number;
  run_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  locked_by: string | null;
  last_error: string | null;
}

export async function jobRow(db: Db, id: string): Promise<JobSnapshot | undefined> {
  const rows = await db.$queryRaw<JobSnapshot[]>`
    SELECT id::text, state::text, attempts, run_at, started_at, finished_at, locked_by, last_error FROM job WHERE id = ${id}::uuid`;
  return rows[0];
}

/** Waits until the job's completion is recorded: a job without a unique key is deleted then (a keyed one stays COMPLETED). */
export async function waitForJobGone(db: Db, id: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(async () => !(await jobRow(db, id)), timeoutMs, `job ${id} to be completed and deleted`);
}

/** Waits until the job reaches the given state and returns its row. */
export async function waitForJobState(db: Db, id: string, state: string, timeoutMs = 15_000): Promise<JobSnapshot> {
  return waitFor(
    async () => {
      const r = await jobRow(db, id);
      return r?.state === state ? r : null;
    },
    timeoutMs,
    `job ${id} to be ${state}`,
  );
}
