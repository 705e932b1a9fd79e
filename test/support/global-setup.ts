import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDb } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';
import { freePort } from './net.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDb: string;
  }
}

// One PostgreSQL for the run (embedded, or TEST_DATABASE_URL), one migrated
// template database, and a fresh database cloned from it for every test file.
let embedded: EmbeddedDb | undefined;
let dataDir: string | undefined;
let adminUrl: string;
let template: string;

export async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tipdesk-test-pg-'));
    chmodSync(dataDir, 0o755); // the server runs as `postgres` when tests run as root
    embedded = await startEmbeddedPostgres({ dir: path.join(dataDir, 'pg'), port: await freePort(), database: 'postgres' });
    adminUrl = embedded.url;
  }
  template = `tipdesk_tpl_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${template}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${template}`;
  await migrate(u.toString());
  project.provide('pgAdminUrl', adminUrl);
  project.provide('templateDb', template);
}

export async function teardown() {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  const { rows } = await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'tipdesk_t%'`);
  for (const r of rows) {
    if (r.datname === template || r.datname.startsWith(`${template.replace('tipdesk_tpl_', 'tipdesk_test_')}_`))
      await c.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => {});
  }
  await c.end();
  await embedded?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
