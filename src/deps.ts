import nodemailer, { type Transporter } from 'nodemailer';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Config } from './config.js';
import { smtpEnabled, twilioEnabled } from './config.js';
import { systemClock, type Clock } from './clock.js';
import type pg from 'pg';
import { createPool, createPrisma, type Db } from './db/prisma.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './health/metrics.js';
import { JobWakeups } from './queue/wakeups.js';
import { IntakeFirst } from './lifecycle/intake-first.js';
import { createLanguageService, type LanguageService } from './tips/language-service.js';

export type TwilioClient = ReturnType<typeof twilio>;

export interface Deps {
  config: Config;
  /** The URL the process connects with (DATABASE_URL or the embedded server's). */
  databaseUrl: string;
  prisma: Db;
  /** The pool under `prisma`, for the hot paths that speak `pg` directly (one statement, no Prisma overhead). */
  pool: pg.Pool;
  /** Wakes job workers after a hot path committed jobs without a NOTIFY of their own. */
  jobWakeups: JobWakeups;
  logger: Logger;
  clock: Clock;
  mailer: Transporter | null;
  twilio: TwilioClient | null;
  metrics: Metrics;
  /** Segmenter, places and classifier: one per process, built on first use. */
  language: LanguageService;
  /** Webhook requests report here; intake's background jobs wait while they are served (lifecycle/intake-first.ts). */
  intakeFirst: IntakeFirst;
}

export interface DepsOverrides {
  logger?: Logger;
  clock?: Clock;
  mailer?: Transporter | null;
  twilio?: TwilioClient | null;
  language?: LanguageService;
}

/** Builds every shared dependency from the configuration; tests pass overrides instead of mocking modules. */
export function createDeps(config: Config, databaseUrl: string, overrides: DepsOverrides = {}): Deps {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const pool = createPool(databaseUrl, config.DATABASE_POOL_SIZE);
  const prisma = createPrisma(databaseUrl, config.DATABASE_POOL_SIZE, pool);
  const mailer = overrides.mailer !== undefined ? overrides.mailer : smtpEnabled(config) ? nodemailer.createTransport(config.SMTP_URL!) : null;
  const twilioClient = overrides.twilio !== undefined ? overrides.twilio : twilioEnabled(config) ? createTwilioClient(config) : null;
  const clock = overrides.clock ?? systemClock;
  return {
    config,
    databaseUrl,
    prisma,
    pool,
    jobWakeups: new JobWakeups(databaseUrl, logger),
    logger,
    clock,
    mailer,
    twilio: twilioClient,
    metrics: createMetrics(prisma),
    language: overrides.language ?? createLanguageService({ city: config.GAZETTEER_CITY, clock }),
    intakeFirst: new IntakeFirst(config.INTAKE_FIRST_MAX_WAIT_MS),
  };
}

/**
 * The twilio REST client with a bounded request time. TWILIO_API_BASE_URL swaps the
 * scheme and host of every API call (a loopback recorder in tests) through the
 * client's documented `httpClient` option, so paths, auth and form bodies are the real ones.
 */
export function createTwilioClient(config: Config): TwilioClient {
  const opts = { timeout: 15_000 };
  const httpClient = config.TWILIO_API_BASE_URL ? new RebasedRequestClient(config.TWILIO_API_BASE_URL, opts) : new twilio.RequestClient(opts);
  return twilio(config.TWILIO_ACCOUNT_SID!, config.TWILIO_AUTH_TOKEN!, { httpClient });
}

type RequestOptions<T> = RequestClient.RequestOptions<T>;

class RebasedRequestClient extends twilio.RequestClient {
  private readonly base: string;
  constructor(base: string, opts: ConstructorParameters<typeof twilio.RequestClient>[0]) {
    super(opts);
    this.base = base.replace(/\/$/, '');
  }
  override request<TData>(opts: RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: opts.uri.replace(/^https?:\/\/[^/]+/, this.base) });
  }
}

export async function closeDeps(deps: Deps): Promise<void> {
  deps.mailer?.close();
  deps.intakeFirst.close();
  await deps.jobWakeups.close();
  await deps.prisma.$disconnect();
}
