import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

// Applies prisma/migrations at start-up without the Prisma CLI (whose engines are
// downloaded from the internet). Bookkeeping is Prisma's own `_prisma_migrations`
// table with the same checksum (sha256 of migration.sql), so `prisma migrate deploy`
// and `prisma migrate status` see the same history and can take over at any time.

const MIGRATIONS_LOCK = 72_707_369; // Prisma's advisory lock id, so we never race its CLI either.

export const defaultMigrationsDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../prisma/migrations');

function findMigrationsDir(): string {
  // Works from src/ (tsx, vitest) and from dist/src/ (compiled).
  for (const up of ['../../prisma/migrations', '../../../prisma/migrations']) {
    const p = path.resolve(path.dirname(new URL(import.meta.url).pathname), up);
    if (existsSync(p)) return p;
  }
  return defaultMigrationsDir;
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = findMigrationsDir()): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export class MigrationError extends Error {}

export async function migrate(databaseUrl: string, opts: { dir?: string; log?: (msg: string) => void } = {}) {
  const migrations = listMigrations(opts.dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const done = new Map(rows.filter((r) => !r.rolled_back_at).map((r) => [r.migration_name, r]));
    for (const m of migrations) {
      const row = done.get(m.name);
      if (row?.finished_at) {
        if (row.checksum !== m.checksum) opts.log?.(`migration ${m.name} was edited after it was applied (checksum differs)`);
        continue;
      }
      if (row && !row.finished_at) {
        throw new MigrationError(`migration ${m.name} failed earlier and needs attention (see _prisma_migrations.logs)`);
      }
      const id = randomUUID();
      await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [
        id,
        m.checksum,
        m.name,
      ]);
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        // Recorded the way Prisma records a failed migration, so `migrate resolve` applies.
        await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, String((e as Error).message)]);
        throw new MigrationError(`migration ${m.name} failed: ${(e as Error).message}`);
      }
      applied.push(m.name);
      opts.log?.(`applied migration ${m.name}`);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK]).catch(() => {});
    await client.end();
  }
  return { applied, total: migrations.length };
}

/** True when every migration on disk is recorded as finished. */
export async function migrationsApplied(query: (sql: string) => Promise<{ migration_name: string }[]>, dir?: string) {
  const rows = await query('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL');
  const have = new Set(rows.map((r) => r.migration_name));
  const missing = listMigrations(dir)
    .filter((m) => !have.has(m.name))
    .map((m) => m.name);
  return { ok: missing.length === 0, missing };
}
