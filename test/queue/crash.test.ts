import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A kind outside the job registry: inserted with the statement enqueue() wraps.
import { insertJob } from '../../src/queue/sql.js';
import type { Worker } from '../../src/queue/worker.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { jobRow, startRescuer, testJob, waitForJobGone } from './support.js';

let h: Harness;
let child: ChildProcess | undefined;
let rescuer: Worker<unknown> | undefined;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await rescuer?.stop();
  await h?.close();
});

const root = path.resolve(import.meta.dirname, '../..');

describe('a worker killed mid-job', () => {
  it('loses its lease and another worker retries the job', async () => {
    const id = (await h.deps.prisma.$transaction((tx) => insertJob(tx, 'hang', { submissionId: 'sub-大齿社区' }, { maxAttempts: 5 })))!;

    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/queue/fixtures/hang-worker.ts'), h.db.url, '2'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const claimed = await waitFor(async () => /claimed (\S+) by (\S+)/.exec(out), 30_000, `child to claim the job (stderr: ${err})`);
    expect(claimed[1]).toBe(id);

    const held = await jobRow(h.deps.prisma, id);
    expect(held).toMatchObject({ state: 'RUNNING', attempts: 1, locked_by: claimed[2] });

    const exited = new Promise((r) => child!.once('exit', (_code, signal) => r(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // Nobody renews the lease now, and nobody finishes the job.
    expect((await jobRow(h.deps.prisma, id))?.state).toBe('RUNNING');

    const runs: { id: string; attempt: number }[] = [];
    rescuer = await startRescuer(h, [testJob('hang', async (_d, _p, ctx) => void runs.push({ id: ctx.id, attempt: ctx.attempt }))]);
    // Its second attempt ran and was recorded (a job without a unique key is deleted then).
    await waitForJobGone(h.deps.prisma, id, 30_000);
    expect(runs).toEqual([{ id, attempt: 2 }]);
    expect(h.logs.text).toContain('recovered jobs whose lease expired');
  });

  it('gives back the jobs it had claimed ahead and not started, with its running one, within the lease', async () => {
    await rescuer?.stop();
    rescuer = undefined;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await h.deps.prisma.$transaction((tx) => insertJob(tx, 'hang', { n: i }, { maxAttempts: 5 })))!);

    // Concurrency 1 with the default prefetch (4 × concurrency): one job runs, four are held.
    child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/queue/fixtures/hang-worker.ts'), h.db.url, '2'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const claimed = await waitFor(async () => /claimed (\S+) by (\S+)/.exec(out), 30_000, 'child to claim jobs');
    const owned = await h.deps.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM job WHERE locked_by = ${claimed[2]} AND state = 'RUNNING'`;
    expect(owned[0].n).toBe(5);
    const exited = new Promise((r) => child!.once('exit', () => r(null)));
    child.kill('SIGKILL');
    await exited;

    const runs: string[] = [];
    rescuer = await startRescuer(h, [testJob('hang', async (_d, _p, ctx) => void runs.push(ctx.id))]);
    for (const id of ids) await waitForJobGone(h.deps.prisma, id, 30_000);
    expect(runs.sort()).toEqual([...ids].sort());
  });
});
