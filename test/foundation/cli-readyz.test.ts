import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../support/harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
let h: AppHarness;

beforeAll(async () => {
  h = await createAppHarness();
});
afterAll(async () => h?.close());

/** scripts/user-create.ts as `npm run user:create` runs it (compiled there, through tsx here). */
function userCreate(args: string[], env: Record<string, string> = {}) {
  const base = { ...process.env };
  delete base.TEST_DATABASE_URL;
  return run(process.execPath, ['--import', 'tsx', 'scripts/user-create.ts', ...args], {
    cwd: root,
    env: { ...base, DATABASE_URL: h.db.url, ...env },
  });
}

describe('user:create', () => {
  it('creates a user who can log in, printing a generated password once', async () => {
    const { stdout } = await userCreate(['--email', 'wang.li@evening-paper.cn', '--role', 'editor', '--name', '王丽']);
    const m = /Created editor wang\.li@evening-paper\.cn with password (\S+)/.exec(stdout);
    expect(m).not.toBeNull();
    const res = await fetch(`${h.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'wang.li@evening-paper.cn', password: m![1] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { displayName: string; role: string } }).user).toMatchObject({ displayName: '王丽', role: 'EDITOR' });
  });

  it('explains bad arguments and exits non-zero', async () => {
    const err = await userCreate(['--email', 'not-an-email', '--role', 'boss']).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('--email');
    expect((err as { stderr: string }).stderr).toContain('--role');
  });
});

describe('/readyz', () => {
  it('answers 503 naming a migration that is not applied', async () => {
    const [last] = await h.deps.prisma.$queryRaw<{ migration_name: string }[]>`
      DELETE FROM "_prisma_migrations" WHERE migration_name = (SELECT max(migration_name) FROM "_prisma_migrations") RETURNING migration_name`;
    const res = await fetch(`${h.baseUrl}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, database: 'reachable', migrations: 'pending', missing: [last!.migration_name] });
  });
});
