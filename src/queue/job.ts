import type { z } from 'zod';
import type { JobKind, JobPayload, jobPayloads } from './kinds.js';

// The shapes shared by enqueuers, handlers and the worker.

export interface EnqueueOptions {
  runAt?: Date;
  delaySeconds?: number;
  /** Unset: the job kind's maxAttempts, else the worker's default (JOB_MAX_ATTEMPTS), fixed at the first claim. */
  maxAttempts?: number;
  priority?: number;
  /** A second enqueue with the same key is a no-op while the first row exists. */
  uniqueKey?: string;
}

export interface JobContext {
  id: string;
  kind: string;
  attempt: number;
  maxAttempts: number;
  signal: AbortSignal;
}

/**
 * What the worker runs for one kind, whatever the kind: the queue itself knows no registry,
 * so its own tests and benches run kinds of their own. The service's jobs are JobDefinitions.
 */
export interface WorkerJob<P = unknown, D = unknown> {
  id: string;
  payload: z.ZodType<P>;
  maxAttempts?: number;
  /**
   * At most this many jobs of the kind run at once in one worker; the kind's other claimed jobs
   * wait held (within their lease) while other kinds take the free slots. Unset: no cap.
   */
  maxRunning?: number;
  handler(deps: D, payload: P, ctx: JobContext): Promise<void>;
}

/** A registered kind's job: its payload schema and type come from the registry (kinds.ts). */
export interface JobDefinition<K extends JobKind, D = unknown> {
  id: K;
  payload: (typeof jobPayloads)[K];
  maxAttempts?: number;
  /** See WorkerJob.maxRunning. */
  maxRunning?: number;
  handler(deps: D, payload: JobPayload<K>, ctx: JobContext): Promise<void>;
}
