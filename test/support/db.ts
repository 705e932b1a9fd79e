import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file, cloned from the migrated template in milliseconds. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('templateDb');
  // Named after this run's template so that a run's teardown drops only its own databases
  // (several runs may share one server, e.g. TEST_DATABASE_URL on a developer's machine).
  const name = `${template.replace('tipdesk_tpl_', 'tipdesk_test_')}_${randomBytes(5).toString('hex')}`;
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const d = new pg.Client({ connectionString: adminUrl });
      await d.connect();
      // pool.end() resolves once its clients were asked to close, before their backends are gone: a
      // forced drop then ends them mid-goodbye, and the FATAL (57P01) reaches a client nobody listens
      // to as an uncaught error. So give them a second to leave; FORCE is for what a test left open.
      for (let i = 0; i < 50; i++) {
        const { rows } = await d.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}
