import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentJobError } from '../../src/errors.js';
// A kind outside the job registry: inserted with the statement enqueue() wraps.
import { insertJob } from '../../src/queue/sql.js';
import type { Worker } from '../../src/queue/worker.js';
import { userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { startWorker, testJob, waitForJobState } from './support.js';

let h: AppHarness;
let worker: Worker<unknown>;
let failing = true;

beforeAll(async () => {
  h = await createAppHarness();
  worker = await startWorker({
    prisma: h.deps.prisma,
    databaseUrl: h.db.url,
    logger: h.deps.logger,
    definitions: [
      testJob('notify-tipster', async () => {
        if (failing) throw new PermanentJobError('SMTP 550 mailbox unavailable');
      }),
    ],
  });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

describe('dead jobs in the admin API', () => {
  it('lists dead jobs with their last error and retries one until it completes', async () => {
    const admin = await userWithToken(h.deps, h.baseUrl, 'ADMIN');
    const editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR');
    // Keyed, so its row stays COMPLETED once the retry ran (a job without a key is deleted then).
    const id = (await h.deps.prisma.$transaction((tx) =>
      insertJob(tx, 'notify-tipster', { tipId: 't1' }, { maxAttempts: 2, uniqueKey: 'notify:t1' }),
    ))!;
    await waitForJobState(h.deps.prisma, id, 'DEAD');

    const list = await fetch(`${h.baseUrl}/api/jobs?state=DEAD`, { headers: admin.auth });
    expect(list.status).toBe(200);
    const body = (await list.json()) as {
      jobs: { id: string; kind: string; lastError: string; attempts: number; payload?: unknown }[];
      depth: Record<string, number>;
    };
    const job = body.jobs.find((j) => j.id === id)!;
    expect(job).toMatchObject({ kind: 'notify-tipster', lastError: 'SMTP 550 mailbox unavailable', attempts: 1 });
    // Payloads can carry contact details: the listing leaves them out.
    expect(job.payload).toBeUndefined();
    expect(body.depth.DEAD).toBeGreaterThanOrEqual(1);

    expect((await fetch(`${h.baseUrl}/api/jobs/${id}/retry`, { method: 'POST', headers: editor.auth })).status).toBe(403);
    expect((await fetch(`${h.baseUrl}/api/jobs/not-a-uuid/retry`, { method: 'POST', headers: admin.auth })).status).toBe(400);

    failing = false;
    const retry = await fetch(`${h.baseUrl}/api/jobs/${id}/retry`, { method: 'POST', headers: admin.auth });
    expect(retry.status).toBe(200);
    const done = await waitForJobState(h.deps.prisma, id, 'COMPLETED');
    expect(done.attempts).toBe(1);

    // Only a dead job can be retried.
    const again = await fetch(`${h.baseUrl}/api/jobs/${id}/retry`, { method: 'POST', headers: admin.auth });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');
    const after = (await (await fetch(`${h.baseUrl}/api/jobs?state=DEAD`, { headers: admin.auth })).json()) as { jobs: { id: string }[] };
    expect(after.jobs.map((j) => j.id)).not.toContain(id);
  });

  it('rejects an unknown state filter naming the field', async () => {
    const admin = await userWithToken(h.deps, h.baseUrl, 'ADMIN');
    const res = await fetch(`${h.baseUrl}/api/jobs?state=EXPLODED`, { headers: admin.auth });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('state');
  });
});
