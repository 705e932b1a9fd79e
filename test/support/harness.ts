import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { closeApp, createApp } from '../../src/http/app.js';
import { loadConfig } from '../../src/config.js';
import { closeDeps, createDeps, type Deps, type DepsOverrides } from '../../src/deps.js';
import { createLogger } from '../../src/logger.js';
import { seedRules } from '../../src/tips/categorize.js';
import { seedLanguageData } from '../../src/tips/language-service.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** Captures every log line a test produces, so tests can assert what logs do (and do not) contain. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  get text() {
    return this.lines.join('\n');
  }
}

export interface Harness {
  db: TestDatabase;
  deps: Deps;
  logs: LogCapture;
  close(): Promise<void>;
}

export const baseTestEnv: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  PUBLIC_BASE_URL: 'https://tips.example-paper.cn',
  JOB_POLL_SECONDS: '1',
};

/** A fresh database and Deps built exactly as the service builds them. */
export async function createHarness(opts: { env?: Record<string, string>; overrides?: DepsOverrides } = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const logs = new LogCapture();
  const config = loadConfig({ ...baseTestEnv, ...opts.env, DATABASE_URL: db.url });
  const deps = createDeps(config, db.url, { logger: createLogger(config.LOG_LEVEL, logs), mailer: null, twilio: null, ...opts.overrides });
  await seedRules(deps.prisma);
  await seedLanguageData(deps.prisma, config.GAZETTEER_CITY);
  return {
    db,
    deps,
    logs,
    async close() {
      await closeDeps(deps);
      await db.drop();
    },
  };
}

export interface AppHarness extends Harness {
  baseUrl: string;
  server: Server;
}

export async function createAppHarness(opts: Parameters<typeof createHarness>[0] = {}): Promise<AppHarness> {
  const h = await createHarness(opts);
  const app = createApp(h.deps);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  return {
    ...h,
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await closeApp(app);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await h.close();
    },
  };
}
