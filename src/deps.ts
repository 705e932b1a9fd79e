import nodemailer, { type Transporter } from 'nodemailer';
import twilio from 'twilio';
import type { Config } from './config.js';
import { smtpEnabled, twilioEnabled } from './config.js';
import { systemClock, type Clock } from './clock.js';
import { createPrisma, type Db } from './db/prisma.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './health/metrics.js';

export type TwilioClient = ReturnType<typeof twilio>;

export interface Deps {
  config: Config;
  /** The URL the process connects with (DATABASE_URL or the embedded server's). */
  databaseUrl: string;
  prisma: Db;
  logger: Logger;
  clock: Clock;
  mailer: Transporter | null;
  twilio: TwilioClient | null;
  metrics: Metrics;
}

export interface DepsOverrides {
  logger?: Logger;
  clock?: Clock;
  mailer?: Transporter | null;
  twilio?: TwilioClient | null;
}

/** Builds every shared dependency from the configuration; tests pass overrides instead of mocking modules. */
export function createDeps(config: Config, databaseUrl: string, overrides: DepsOverrides = {}): Deps {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const prisma = createPrisma(databaseUrl, config.DATABASE_POOL_SIZE);
  const mailer = overrides.mailer !== undefined ? overrides.mailer : smtpEnabled(config) ? nodemailer.createTransport(config.SMTP_URL!) : null;
  const twilioClient =
    overrides.twilio !== undefined ? overrides.twilio : twilioEnabled(config) ? createTwilioClient(config) : null;
  return {
    config,
    databaseUrl,
    prisma,
    logger,
    clock: overrides.clock ?? systemClock,
    mailer,
    twilio: twilioClient,
    metrics: createMetrics(prisma),
  };
}

export function createTwilioClient(config: Config): TwilioClient {
  const client = twilio(config.TWILIO_ACCOUNT_SID!, config.TWILIO_AUTH_TOKEN!);
  if (config.TWILIO_API_BASE_URL) {
    // Rewrites https://api.twilio.com/... to the given base (a loopback recorder in tests).
    const base = config.TWILIO_API_BASE_URL.replace(/\/$/, '');
    const http = client.httpClient;
    const original = http.request.bind(http);
    http.request = ((opts: { uri: string }) => original({ ...opts, uri: opts.uri.replace(/^https:\/\/[^/]+/, base) } as never)) as typeof http.request;
  }
  return client;
}

export async function closeDeps(deps: Deps): Promise<void> {
  deps.mailer?.close();
  await deps.prisma.$disconnect();
}
