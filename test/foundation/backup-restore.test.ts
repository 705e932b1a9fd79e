import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { run, type Running } from '../../src/lifecycle/runtime.js';
import { seedDemo, type DemoLogin } from '../../scripts/demo/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { baseTestEnv } from '../support/harness.js';

// The backup procedure of docs/production.md, exactly: `pg_dump -Fc` of a database the service
// filled, `pg_restore` into a fresh empty database, the service started on the restored one,
// and the same tips and attachment bytes seen over its API.

interface Summary {
  id: string;
  reference: string;
  status: string;
  channel: string;
  subject: string | null;
  excerpt: string | null;
  messageCount: number;
}

/** The major version of a PostgreSQL client tool on PATH, or null when it is not installed. */
function toolMajor(tool: string): number | null {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  const m = r.status === 0 ? /(\d+)(?:\.\d+)?/.exec(r.stdout) : null;
  return m ? Number(m[1]) : null;
}

let src: TestDatabase;
let serverMajor = 0;
let work: string;
const restoredName = () => `${src.name}_restored`;
const restoredUrl = () => {
  const u = new URL(src.url);
  u.pathname = `/${restoredName()}`;
  return u.toString();
};
const admin = async (sql: string) => {
  const u = new URL(src.url);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
};

beforeAll(async () => {
  src = await createTestDatabase();
  const c = new pg.Client({ connectionString: src.url });
  await c.connect();
  serverMajor = Math.floor(Number((await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0].v) / 10_000);
  await c.end();
  work = mkdtempSync(path.join(tmpdir(), 'tipdesk-backup-'));
});
afterAll(async () => {
  await admin(`DROP DATABASE IF EXISTS ${restoredName()} WITH (FORCE)`);
  await src.drop();
  rmSync(work, { recursive: true, force: true });
});

const env = (databaseUrl: string) => ({ ...baseTestEnv, LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: '0' });

async function login(url: string, who: DemoLogin) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: who.email, password: who.password }),
  });
  expect(res.status).toBe(200);
  return { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
}

/** What an editor sees: every tip (merged ones too) and every attachment's bytes, keyed by tip reference and filename. */
async function snapshot(url: string, auth: Record<string, string>) {
  const tips: Summary[] = [];
  for (const status of ['NEW,TRIAGED,ASSIGNED,CLAIMED,IN_PROGRESS,PUBLISHED,DISMISSED', 'MERGED']) {
    const res = await fetch(`${url}/api/tips?limit=200&status=${status}`, { headers: auth });
    expect(res.status).toBe(200);
    tips.push(...((await res.json()) as { tips: Summary[] }).tips);
  }
  const files = new Map<string, string>();
  for (const t of tips) {
    const { tip } = (await (await fetch(`${url}/api/tips/${t.id}`, { headers: auth })).json()) as {
      tip: { attachments: { url: string; filename: string }[] };
    };
    for (const a of tip.attachments) {
      const bytes = Buffer.from(await (await fetch(`${url}${a.url}`, { headers: auth })).arrayBuffer());
      files.set(`${t.reference}/${a.filename}`, bytes.toString('base64'));
    }
  }
  const rows = tips
    .map(({ id, reference, status, channel, subject, excerpt, messageCount }) => ({ id, reference, status, channel, subject, excerpt, messageCount }))
    .sort((a, b) => a.reference.localeCompare(b.reference));
  return { rows, files };
}

describe('backup and restore', () => {
  it('restores a pg_dump into a fresh database and the service starts on it with the same tips and attachments', async (ctx) => {
    const dumpMajor = toolMajor('pg_dump');
    const restoreMajor = toolMajor('pg_restore');
    // pg_dump refuses a server newer than itself (the embedded test server is PostgreSQL 18).
    if (dumpMajor === null || restoreMajor === null || dumpMajor < serverMajor) {
      ctx.skip(
        `needs pg_dump/pg_restore ${serverMajor} or newer on PATH (found ${dumpMajor ?? 'none'}); set TEST_DATABASE_URL to a server they can dump`,
      );
      return;
    }

    // 1. The service fills the database: a week of tips with photos, stored and normalized by its own code.
    const clock = new ManualClock(new Date());
    let running: Running = await run({ api: true, worker: false, env: env(src.url), overrides: { clock }, say: () => {} });
    let before: Awaited<ReturnType<typeof snapshot>>;
    let editor: DemoLogin;
    try {
      const seeded = await seedDemo(running.deps, clock, { role: 'admin', email: 'unused@demo.tipdesk.local', password: 'unused-password' });
      editor = seeded.logins.find((l) => l.role === 'editor')!;
      before = await snapshot(running.url!, await login(running.url!, editor));
    } finally {
      await running.stop();
    }
    expect(before.rows.length).toBeGreaterThanOrEqual(30);
    expect(before.files.size).toBeGreaterThanOrEqual(5);

    // 2. The backup, as documented: custom format, compressed, restorable table by table.
    const dump = path.join(work, 'tipdesk.dump');
    execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', dump, src.url]);
    expect(statSync(dump).size).toBeGreaterThan(0);

    // 3. The restore, as documented: an empty database (template0), then pg_restore into it.
    await admin(`CREATE DATABASE ${restoredName()} TEMPLATE template0 ENCODING 'UTF8'`);
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restoredUrl(), dump]);

    // 4. The service on the restored database: migrations find nothing to do, /readyz is 200, and the editor sees the same desk.
    const said: string[] = [];
    running = await run({ api: true, worker: true, env: env(restoredUrl()), say: (l) => said.push(l) });
    try {
      expect(said.filter((l) => l.startsWith('applied migration'))).toEqual([]);
      const ready = await fetch(`${running.url}/readyz`);
      expect(ready.status).toBe(200);
      const after = await snapshot(running.url!, await login(running.url!, editor!));
      expect(after.rows).toEqual(before.rows);
      expect([...after.files.keys()].sort()).toEqual([...before.files.keys()].sort());
      for (const [k, v] of before.files) expect(after.files.get(k), k).toBe(v);
    } finally {
      await running.stop();
    }
  });
});
