import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/net.js';
import { waitFor } from '../support/wait.js';

// Ctrl-C in a terminal signals the whole foreground process group, not one process. The entry point
// runs here in a group of its own (detached), and the signal goes to the group, as a terminal sends it.

const root = path.resolve(import.meta.dirname, '../..');
let tmp: string;
let pgDir: string;
let pgPort: number;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'tipdesk-ctrlc-'));
  // As root the embedded server runs as `postgres`, which must reach the data directory.
  chmodSync(tmp, 0o755);
  pgDir = path.join(tmp, 'data', 'postgres');
  pgPort = await freePort();
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) process.kill(-c.pid!, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

function start() {
  const base = { ...process.env };
  for (const k of Object.keys(base))
    if (/^(DATABASE_URL|TEST_DATABASE_URL|ADMIN_|IMAP_|SMTP_|TWILIO_|PORT$|EMBEDDED_|LOG_LEVEL$)/.test(k)) delete base[k];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'workers/tipdesk.ts'], {
    cwd: root,
    // The default log level (info): a warning or error on the way down must show.
    env: { ...base, HOST: '127.0.0.1', PORT: '0', EMBEDDED_PG_DIR: pgDir, EMBEDDED_PG_PORT: String(pgPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out: () => out, err: () => err, exit };
}

type Started = ReturnType<typeof start>;

async function ready(s: Started): Promise<void> {
  const url = await waitFor(
    async () => {
      if (s.proc.exitCode !== null) throw new Error(`exited ${s.proc.exitCode}: ${s.err()}`);
      return /Tipdesk is listening on (http:\/\/\S+)/.exec(s.out())?.[1];
    },
    90_000,
    'the service to listen',
  );
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
    expect(existsSync(path.join(pgDir, 'postmaster.pid'))).toBe(false);
  });
});
