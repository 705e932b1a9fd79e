import type { Server } from 'node:http';
import { closeApp, createApp } from '../http/app.js';
import { workerServices } from './services.js';
import type { Service } from './service.js';
import { channelAdapters } from '../channels/index.js';
import { ConfigError, loadConfig, smtpEnabled, type Config } from '../config.js';
import { startEmbeddedPostgres, type EmbeddedDb } from '../db/embedded.js';
import { migrate, MigrationError } from '../db/migrate.js';
import { closeDeps, createDeps, type Deps, type DepsOverrides } from '../deps.js';
import { seedRules } from '../tips/categorize.js';
import { seedLanguageData } from '../tips/language-service.js';
import { usersService } from '../users/users.service.js';

export interface RunOptions {
  api: boolean;
  worker: boolean;
  env?: Record<string, string | undefined>;
  overrides?: DepsOverrides;
  /** One-line messages meant for the person who started the service. */
  say?: (line: string) => void;
}

export interface Running {
  deps: Deps;
  url?: string;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

function describeDbError(url: string, err: unknown): string {
  let where = 'the database';
  try {
    const u = new URL(url);
    where = `${u.hostname}:${u.port || 5432}/${u.pathname.slice(1)}`;
  } catch {
    /* keep the generic name */
  }
  const e = err as { code?: string; message?: string };
  return `Cannot use the database at ${where} (DATABASE_URL): ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}`;
}

async function resolveDatabase(config: Config, say: (l: string) => void): Promise<{ url: string; embedded?: EmbeddedDb }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  say(`DATABASE_URL is not set: starting the embedded PostgreSQL in ${config.EMBEDDED_PG_DIR}`);
  const embedded = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
  say(embedded.created ? 'Created a new embedded database.' : 'Reusing the embedded database.');
  return { url: embedded.url, embedded };
}

/** Starts the service (API, workers or both); resolves once it is ready. */
export async function run(opts: RunOptions): Promise<Running> {
  const say = opts.say ?? ((l: string) => console.log(l));
  let config: Config;
  try {
    config = loadConfig(opts.env ?? process.env);
  } catch (e) {
    if (e instanceof ConfigError) throw new StartupError(e.message);
    throw e;
  }
  const db = await resolveDatabase(config, say);
  try {
    await migrate(db.url, { log: (m) => say(m) });
  } catch (e) {
    await db.embedded?.stop();
    throw new StartupError(e instanceof MigrationError ? e.message : describeDbError(db.url, e));
  }
  const deps = createDeps(config, db.url, opts.overrides);
  await seedRules(deps.prisma);
  await seedLanguageData(deps.prisma, config.GAZETTEER_CITY);

  const admin = await usersService(deps).ensureAdmin(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
  if (admin) {
    say(
      admin.password
        ? `Created the first admin user. Log in as ${admin.email} with password ${admin.password} (change it after logging in).`
        : `Created the first admin user ${admin.email} with the password from ADMIN_PASSWORD.`,
    );
  }

  const services: Service[] = [];
  let server: Server | undefined;
  let closeHttp = async () => {};
  let url: string | undefined;
  if (opts.worker) {
    // Pollers are a worker's business, webhooks the API's: each process says what it runs.
    for (const a of channelAdapters) if (a.services && !a.routes) say(a.describe(config));
    say(`Outbound email: ${smtpEnabled(config) ? 'on' : 'off (set SMTP_URL and MAIL_FROM to send acknowledgements)'}`);
    for (const s of workerServices(deps)) {
      await s.start();
      services.push(s);
    }
  }
  if (opts.api) {
    for (const a of channelAdapters) if (a.routes) say(a.describe(config));
    const app = createApp(deps);
    closeHttp = () => closeApp(app);
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.PORT, config.HOST, () => resolve(s));
      s.once('error', reject);
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    url = `http://${config.HOST}:${port}`;
    say(`Tipdesk is listening on ${url}`);
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (server) {
        // Live streams never finish on their own: end them, then stop taking requests and let those in flight finish.
        await closeHttp();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      for (const s of [...services].reverse()) {
        await s.stop().catch((e) => deps.logger.error({ err: e, service: s.name }, 'service did not stop cleanly'));
      }
      await closeDeps(deps);
      await db.embedded?.stop();
    })());
  return { deps, url, stop };
}

/** For the entry points in workers/: run until SIGINT/SIGTERM, then stop cleanly. */
export async function main(opts: Omit<RunOptions, 'env'>): Promise<void> {
  // Signals are handled from the first moment: a SIGTERM while the service is still starting
  // (services already running, API not yet listening) waits for start-up, then stops cleanly.
  // Assigned below, after the handlers that read it are installed.
  // eslint-disable-next-line prefer-const
  let starting: Promise<Running | null> | undefined;
  let firstSignalAt: number | undefined;
  const onSignal = (sig: string) => {
    // Under `npm start` a Ctrl-C can arrive twice at once (from the terminal and forwarded by npm):
    // only a signal a second or more after the first means "stop now". (Wall time on purpose: this
    // is about a person at a terminal, not the service's logic.)
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt >= 1000) process.exit(1);
      return;
    }
    firstSignalAt = Date.now();
    console.log(`Received ${sig}; stopping (workers finish or hand back their jobs)...`);
    void starting!
      .then((r) => r?.stop())
      .then(
        () => process.exit(0),
        (e) => {
          console.error(e);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // A closed terminal: the embedded database runs in its own session and gets no hang-up, so stop it here.
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  starting = run(opts).catch((e) => {
    if (e instanceof StartupError) {
      console.error(`tipdesk: ${e.message}`);
      process.exit(1);
    }
    throw e;
  });
  await starting;
}
