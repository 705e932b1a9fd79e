import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entryPointKit, listening, type EntryPointKit, type Started } from '../support/entry-point.js';

// The real entry point (`npm start` runs its compiled twin) as a child process, the way a newsroom starts it.

let kit: EntryPointKit;

beforeAll(async () => {
  kit = await entryPointKit('start');
});
afterAll(() => kit.cleanup());

const start = (env: Record<string, string>, entry?: string) => kit.start({ NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env }, { entry });
const embeddedEnv = () => kit.embeddedEnv();

async function stopWithSigterm(s: Started): Promise<number | null> {
  s.proc.kill('SIGTERM');
  return s.exit;
}

async function serverAnswers(): Promise<boolean> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: Number(kit.embeddedEnv().EMBEDDED_PG_PORT),
    user: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (e) {
    // Refused = nothing listens; an authentication error would mean the server still runs.
    return (e as { code?: string }).code !== 'ECONNREFUSED';
  }
}

// Starting PostgreSQL from scratch is slow on a busy two-core machine: generous limits, no timing assertions.
describe('npm start on a fresh machine', { timeout: 180_000 }, () => {
  it('creates and migrates an embedded database, prints the URL and the admin login, and stops cleanly on SIGTERM', async () => {
    const s = start(embeddedEnv());
    const url = await listening(s);
    const out = s.out();
    expect(out).toContain('Created a new embedded database.');
    expect(out).toMatch(/applied migration \d{14}_init/);
    const login = /Log in as (\S+) with password (\S+) /.exec(out);
    expect(login).not.toBeNull();
    expect(existsSync(path.join(kit.pgDir, 'PG_VERSION'))).toBe(true);

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: login![1], password: login![2] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { role: string } }).user.role).toBe('ADMIN');

    expect(await stopWithSigterm(s)).toBe(0);
    expect(s.out()).toContain('Received SIGTERM');
    // The embedded server went down with the service.
    expect(existsSync(path.join(kit.pgDir, 'postmaster.pid'))).toBe(false);
    expect(await serverAnswers()).toBe(false);
  });

  it('reuses the database on the second start without creating another admin', async () => {
    const s = start(embeddedEnv());
    const url = await listening(s);
    expect(s.out()).toContain('Reusing the embedded database.');
    expect(s.out()).not.toContain('applied migration');
    expect(s.out()).not.toContain('Created the first admin user');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await stopWithSigterm(s)).toBe(0);
    expect(existsSync(path.join(kit.pgDir, 'postmaster.pid'))).toBe(false);
  });
});

describe('start-up errors', { timeout: 120_000 }, () => {
  const errorLines = (s: Started) =>
    s
      .err()
      .split('\n')
      .filter((l) => l.trim() !== '');

  it('stops with one clear line naming DATABASE_URL when the database cannot be reached', async () => {
    const s = start({ DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/x' });
    expect(await s.exit).not.toBe(0);
    const lines = errorLines(s);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL');
    expect(lines[0]).toContain('127.0.0.1:1/x');
    expect(s.out()).not.toContain('listening');
  });

  it('stops with one line naming a malformed setting', async () => {
    const s = start({ PORT: 'abc', DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/x' });
    expect(await s.exit).not.toBe(0);
    const lines = errorLines(s);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\bPORT\b/);
  });

  it('names DATABASE_URL when it is not a postgresql:// URL', async () => {
    const s = start({ DATABASE_URL: 'mysql://root@localhost/tips' }, 'workers/api.ts');
    expect(await s.exit).not.toBe(0);
    const lines = errorLines(s);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_URL');
  });
});
