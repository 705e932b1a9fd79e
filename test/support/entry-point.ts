import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './net.js';
import { waitFor } from './wait.js';

// The real entry point as a child process, the way a newsroom starts it, with a scratch directory for
// its embedded PostgreSQL. The start-up, Ctrl-C and demo tests share this kit.

const root = path.resolve(import.meta.dirname, '../..');

/** Settings of the test run that must not leak into a "fresh machine". */
const INHERITED = /^(DATABASE_URL|TEST_DATABASE_URL|ADMIN_|IMAP_|SMTP_|TWILIO_|PORT$|EMBEDDED_|LOG_LEVEL$|NODE_ENV$)/;

export interface Started {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

export interface EntryPointKit {
  pgDir: string;
  /** The settings that put the embedded PostgreSQL in the scratch directory. */
  embeddedEnv: () => Record<string, string>;
  /** Runs `node --import tsx <entry>` (default: `workers/tipdesk.ts`, what `npm start` runs compiled). */
  start: (env: Record<string, string>, opts?: { entry?: string; args?: string[]; detached?: boolean }) => Started;
  /** Kills what is still running and removes the scratch directory. */
  cleanup: () => void;
}

export async function entryPointKit(prefix: string): Promise<EntryPointKit> {
  const tmp = mkdtempSync(path.join(tmpdir(), `tipdesk-${prefix}-`));
  // As root the embedded server runs as `postgres`, which must reach the data directory.
  chmodSync(tmp, 0o755);
  const pgDir = path.join(tmp, 'data', 'postgres');
  const pgPort = await freePort();
  const children: { proc: ChildProcess; group: boolean }[] = [];
  return {
    pgDir,
    embeddedEnv: () => ({ EMBEDDED_PG_DIR: pgDir, EMBEDDED_PG_PORT: String(pgPort) }),
    start(env, opts = {}) {
      const base = { ...process.env };
      for (const k of Object.keys(base)) if (INHERITED.test(k)) delete base[k];
      const proc = spawn(process.execPath, ['--import', 'tsx', opts.entry ?? 'workers/tipdesk.ts', ...(opts.args ?? [])], {
        cwd: root,
        env: { ...base, HOST: '127.0.0.1', PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Detached: a group of its own, so a test can signal the whole group as a terminal does.
        detached: opts.detached ?? false,
      });
      children.push({ proc, group: opts.detached ?? false });
      let out = '';
      let err = '';
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const exit = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
      return { proc, out: () => out, err: () => err, exit };
    },
    cleanup() {
      for (const { proc, group } of children) {
        if (proc.exitCode !== null || proc.signalCode !== null) continue;
        try {
          // A detached child leads its own group: kill the group (its embedded PostgreSQL too).
          process.kill(group ? -proc.pid! : proc.pid!, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Waits for the "listening" line and returns the service's URL; fails at once if the process exits. */
export async function listening(s: Started): Promise<string> {
  const m = await waitFor(
    async () => {
      if (s.proc.exitCode !== null) throw new Error(`exited ${s.proc.exitCode}: ${s.err()}`);
      return /Tipdesk is listening on (http:\/\/\S+)/.exec(s.out());
    },
    90_000,
    'the service to listen',
  );
  return m[1]!;
}
