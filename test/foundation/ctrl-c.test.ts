import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPointKit, listening, type EntryPointKit, type Started } from '../support/entry-point.js';
import { waitFor } from '../support/wait.js';

// Ctrl-C in a terminal signals the whole foreground process group, not one process. The entry point
// runs here in a group of its own (detached), and the signal goes to the group, as a terminal sends it.

let kit: EntryPointKit;

beforeAll(async () => {
  kit = await entryPointKit('ctrlc');
});
afterAll(() => kit.cleanup());

// The default log level (info): a warning or error on the way down must show.
const start = () => kit.start(kit.embeddedEnv(), { detached: true });

async function ready(s: Started): Promise<void> {
  const url = await listening(s);
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000, '/readyz');
}

/** pino lines at warn (40) or above, and anything on stderr. */
function complaints(s: Started): string[] {
  const warnings = s
    .out()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .filter((l) => ((JSON.parse(l) as { level?: number }).level ?? 0) >= 40);
  const errors = s
    .err()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return [...warnings, ...errors];
}

/** Resolves with the exit code, or null if the process is still running after `ms`. */
function exitWithin(s: Started, ms: number): Promise<number | null | 'running'> {
  return Promise.race([s.exit, new Promise<'running'>((r) => setTimeout(() => r('running'), ms).unref())]);
}

// Starting PostgreSQL on a busy two-core machine is slow; the stop is what is bounded.
describe('stopping from a terminal', { timeout: 180_000 }, () => {
  const cases: { what: string; signal: NodeJS.Signals; send: (pid: number) => void }[] = [
    { what: 'Ctrl-C (SIGINT to the process group)', signal: 'SIGINT', send: (pid) => process.kill(-pid, 'SIGINT') },
    {
      // npm forwards the SIGINT it got to its child, which the terminal signalled already.
      what: 'the same Ctrl-C delivered twice at once, as under npm start',
      signal: 'SIGINT',
      send: (pid) => {
        process.kill(-pid, 'SIGINT');
        process.kill(pid, 'SIGINT');
      },
    },
    { what: 'a closed terminal (SIGHUP to the process group)', signal: 'SIGHUP', send: (pid) => process.kill(-pid, 'SIGHUP') },
  ];

  it.each(cases)('$what stops the service and its embedded database: exit code 0, no warning or error line', async ({ signal, send }) => {
    const s = start();
    await ready(s);
    send(s.proc.pid!);
    // The grace period for running jobs is 10 s and none are running: "a few seconds" with room to spare.
    expect(await exitWithin(s, 10_000)).toBe(0);
    expect(s.out()).toContain(`Received ${signal}`);
    expect(s.out()).toContain('"msg":"worker stopped"');
    expect(complaints(s)).toEqual([]);
    expect(existsSync(path.join(kit.pgDir, 'postmaster.pid'))).toBe(false);
  });
});
