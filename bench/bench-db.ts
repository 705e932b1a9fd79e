import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDb } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { freePort } from '../test/support/net.js';

// A migrated scratch database for a benchmark run: on BENCH_DATABASE_URL, else
// TEST_DATABASE_URL, else the local server on 127.0.0.1:5432, else an embedded PostgreSQL.

export interface BenchDatabase {
  url: string;
  /** Where it runs: which variable or "embedded". */
  label: string;
  version: string;
  drop(): Promise<void>;
}

async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function benchDatabase(prefix = 'tipdesk_bench'): Promise<BenchDatabase> {
  let adminUrl: string | undefined;
  let label = 'embedded';
  for (const [l, url] of [
    ['BENCH_DATABASE_URL', process.env.BENCH_DATABASE_URL],
    ['TEST_DATABASE_URL', process.env.TEST_DATABASE_URL],
    ['local server', 'postgresql://postgres@127.0.0.1:5432/postgres'],
  ] as const) {
    if (url && (await canConnect(url))) {
      adminUrl = url;
      label = l;
      break;
    }
  }
  let embedded: EmbeddedDb | undefined;
  let dir: string | undefined;
  if (!adminUrl) {
    dir = mkdtempSync(path.join(tmpdir(), 'tipdesk-bench-pg-'));
    chmodSync(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), database: 'postgres' });
    adminUrl = embedded.url;
  }
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await query(adminUrl, `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  await migrate(u.toString());
  const version = (await query(adminUrl, 'SHOW server_version')).rows[0].server_version as string;
  return {
    url: u.toString(),
    label,
    version,
    async drop() {
      await query(adminUrl!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await embedded?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
