import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// The queue's own tests run kinds outside the job registry, so they insert with the statement enqueue() wraps.
import { insertJob } from '../../src/queue/sql.js';
import type { Worker } from '../../src/queue/worker.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { jobRow, startRescuer, startWorker, testJob, waitForJobGone } from './support.js';

// Finished jobs are recorded in batches, after the handler returned: deleted, or marked COMPLETED if
// they have a unique key. These tests hold a worker's completions back with a trigger that refuses
// both (the database never hears of them, as if the statement had not been sent yet), then stop the
// worker gracefully or kill it.

let h: Harness;
let child: ChildProcess | undefined;
const workers: Worker<unknown>[] = [];

beforeAll(async () => {
  h = await createHarness();
  await h.deps.prisma.$executeRawUnsafe(`CREATE TABLE completion_block (worker text PRIMARY KEY)`);
  await h.deps.prisma.$executeRawUnsafe(`
    CREATE FUNCTION refuse_completion() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (TG_OP = 'DELETE' OR NEW.state = 'COMPLETED') AND EXISTS (SELECT 1 FROM completion_block WHERE worker = OLD.locked_by) THEN
        RAISE EXCEPTION 'completion held back by the test';
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$`);
  await h.deps.prisma.$executeRawUnsafe(
    `CREATE TRIGGER refuse_completion BEFORE UPDATE OR DELETE ON job FOR EACH ROW EXECUTE FUNCTION refuse_completion()`,
  );
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});
afterAll(async () => h?.close());

const root = path.resolve(import.meta.dirname, '../..');
const enqueueOne = (kind: string) => h.deps.prisma.$transaction((tx) => insertJob(tx, kind, {}, { maxAttempts: 5 }));
const block = (worker: string) => h.deps.prisma.$executeRaw`INSERT INTO completion_block (worker) VALUES (${worker})`;
const unblock = (worker: string) => h.deps.prisma.$executeRaw`DELETE FROM completion_block WHERE worker = ${worker}`;

describe('batched completions', () => {
  it('are all recorded by stop(), with the jobs that finish during the grace period', async () => {
    await block('stop-flush');
    const runs: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // One claim takes both: while the completion is refused, so is every claim that carries it.
    // The quick one has a unique key, so its row stays COMPLETED; the slow one's is deleted.
    const [quick, slow] = await h.deps.prisma.$transaction(async (tx) => [
      (await insertJob(tx, 'quick', {}, { maxAttempts: 5, uniqueKey: 'stop-flush:quick' }))!,
      (await insertJob(tx, 'slow', {}, { maxAttempts: 5 }))!,
    ]);
    const w = await startWorker({
      prisma: h.deps.prisma,
      databaseUrl: h.db.url,
      logger: h.deps.logger,
      workerId: 'stop-flush',
      concurrency: 2,
      definitions: [
        testJob('quick', async (_d, _p, ctx) => void runs.push(ctx.id)),
        testJob('slow', async (_d, _p, ctx) => {
          runs.push(ctx.id);
          await gate;
        }),
      ],
    });
    workers.push(w);
    await waitFor(async () => runs.length === 2, 15_000, 'both jobs started');
    // The quick job has finished, but its completion is not in the database.
    expect(await jobRow(h.deps.prisma, quick)).toMatchObject({ state: 'RUNNING', locked_by: 'stop-flush' });

    const stopping = w.stop();
    await unblock('stop-flush');
    release();
    await stopping;

    expect(await jobRow(h.deps.prisma, quick)).toMatchObject({ state: 'COMPLETED', attempts: 1, locked_by: null });
    expect(await jobRow(h.deps.prisma, slow)).toBeUndefined();
    expect(runs.sort()).toEqual([quick, slow].sort());
  });

  it('not yet recorded when the worker is killed: the job runs again once its lease expires', async () => {
    await block('doomed');
    const id = (await enqueueOne('finish'))!;
    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/queue/fixtures/hang-worker.ts'), h.db.url, '2', 'doomed'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const ran = await waitFor(async () => /ran (\S+) attempt (\d+)/.exec(out), 30_000, 'child to run the job');
    expect(ran.slice(1)).toEqual([id, '1']);
    // The handler returned; its completion never reached the database.
    expect(await jobRow(h.deps.prisma, id)).toMatchObject({ state: 'RUNNING', locked_by: 'doomed' });
    const exited = new Promise((r) => child!.once('exit', () => r(null)));
    child.kill('SIGKILL');
    await exited;
    child = undefined;
    await unblock('doomed');

    const runs: { id: string; attempt: number }[] = [];
    workers.push(await startRescuer(h, [testJob('finish', async (_d, _p, ctx) => void runs.push({ id: ctx.id, attempt: ctx.attempt }))]));
    await waitForJobGone(h.deps.prisma, id, 30_000);
    expect(runs).toEqual([{ id, attempt: 2 }]);
  });
});
