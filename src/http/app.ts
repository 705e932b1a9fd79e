import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { ApiRegistry, openApiRoute } from './route-registry.js';
import { ZodError } from 'zod';
import type { Deps } from '../deps.js';
import { AppError, zodToAppError } from '../errors.js';
import { healthRoutes } from '../health/health.routes.js';
import { authenticate } from '../users/auth.middleware.js';
import { authRoutes, usersRoutes } from '../users/users.routes.js';
import { usersService } from '../users/users.service.js';
import { queueRoutes } from '../queue/queue.routes.js';
import { intakeRoutes } from '../channels/intake.routes.js';
import { channelAdapters } from '../channels/index.js';
import { triageRoutes } from '../triage/triage.routes.js';
import { categoryRulesRoutes } from '../triage/category-rules.routes.js';
import { LiveHub } from '../triage/live.js';
import { liveRoutes } from '../triage/live.routes.js';
import { placesRoutes } from '../triage/places.routes.js';
import { incidentTypesRoutes } from '../triage/incident-types.routes.js';
import { dashboardRoutes } from '../dashboard/dashboard.routes.js';
import { privacyRoutes } from '../privacy/privacy.routes.js';

/**
 * Express `trust proxy` from TRUST_PROXY: false, a hop count, or proxy addresses. `true` would
 * make req.ip the left-most X-Forwarded-For entry, which the client writes itself: rotating it
 * would slip past the per-address login limit. `true` is read as one hop (the proxy in front).
 */
export function trustProxySetting(value: string): number | string | false {
  const v = value.trim().toLowerCase();
  if (v === 'true') return 1;
  if (v === 'false' || v === '') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return value;
}

function intakeFirstMiddleware(deps: Deps) {
  return (_req: Request, res: Response, next: NextFunction) => {
    // 'close' comes after the answer was sent, and also when the client went away first.
    res.once('close', deps.intakeFirst.begin());
    next();
  };
}

/**
 * The headers of every webhook answer (TwiML, XML, JSON, plain text), read by providers' servers and
 * never meant for a browser: nothing to sniff, load, frame or refer. A fixed list set by one
 * middleware; helmet, for the pages and the API, would add a dozen middlewares to each request.
 */
const MACHINE_ANSWER_HEADERS: readonly [string, string][] = [
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
];

function machineAnswerHeaders(_req: Request, res: Response, next: NextFunction) {
  for (const [name, value] of MACHINE_ANSWER_HEADERS) res.setHeader(name, value);
  next();
}

export function createApp(deps: Deps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(deps.config.TRUST_PROXY));
  if (deps.config.TRUST_PROXY.trim().toLowerCase() === 'true') {
    deps.logger.warn(
      "TRUST_PROXY=true is read as TRUST_PROXY=1 (one proxy in front): trusting every X-Forwarded-For hop would let a client choose its own address. Set the hop count or the proxies' addresses.",
    );
  }
  // Providers' webhooks first (Twilio, WeChat, the SMS gateway: every adapter on the default mount):
  // a storm's requests pass no layer meant for browsers, and each answer carries MACHINE_ANSWER_HEADERS
  // instead of helmet's dozen middlewares. Each channel's webhooks parse and verify their own
  // bodies (signatures cover the exact bytes or params), and each request is reported to intakeFirst:
  // intake's background jobs in this process wait while they are served.
  const intake = intakeFirstMiddleware(deps);
  const webhooks = express.Router();
  webhooks.use(machineAnswerHeaders);
  for (const a of channelAdapters) if (a.routes && !a.mount) webhooks.use(`/${a.id}`, intake, a.routes(deps));
  app.use('/webhooks', webhooks);

  // Answers carry tips, tipsters' contacts and tokens: no browser or proxy cache may keep them.
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(helmet({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'blob:'], 'media-src': ["'self'", 'blob:'] } } }));

  app.use(healthRoutes(deps));
  // Public pages an adapter serves to browsers (the web form), behind helmet.
  for (const a of channelAdapters) {
    if (!a.routes || !a.mount) continue;
    app.use(a.intakePaths ?? a.mount, intake);
    app.use(a.mount, a.routes(deps));
  }

  const users = usersService(deps);
  const api = express.Router();
  api.use(express.json({ limit: deps.config.REQUEST_BODY_LIMIT }));
  api.use(authenticate(users));
  // One registry: every route is declared once with its schemas and roles, and the OpenAPI document is built from it.
  const registry = new ApiRegistry();
  // The live stream's LISTEN connection; closed by whoever stops the server (see closeApp).
  const live = new LiveHub(deps);
  app.locals.live = live;
  api.use(authRoutes(deps, users, registry));
  api.use(usersRoutes(deps, users, registry));
  api.use(queueRoutes(deps, registry));
  api.use(intakeRoutes(deps, registry));
  api.use(triageRoutes(deps, registry));
  api.use(categoryRulesRoutes(deps, registry));
  api.use(liveRoutes(live, registry));
  api.use(privacyRoutes(deps, registry));
  api.use(placesRoutes(deps, registry));
  api.use(incidentTypesRoutes(deps, registry));
  api.use(openApiRoute(registry));
  api.use((req, _res, next) => next(new AppError('NOT_FOUND', `No API route ${req.method} ${req.path}`)));
  app.use('/api', api);

  app.use(dashboardRoutes(deps));
  app.use(errorMiddleware(deps));
  return app;
}

/** The one place errors become HTTP responses. A 500 says nothing about internals. */
export function errorMiddleware(deps: Pick<Deps, 'logger'>) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    else if (err instanceof ZodError) e = zodToAppError(err);
    else if (isBodyParserError(err)) {
      e =
        err.type === 'entity.too.large'
          ? new AppError('PAYLOAD_TOO_LARGE', `Request body is larger than the limit (${err.limit} bytes)`)
          : new AppError('BAD_REQUEST', err.type === 'entity.parse.failed' ? 'Request body is not valid JSON' : 'Request body could not be read');
    } else {
      deps.logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
      e = new AppError('INTERNAL', 'Internal server error');
    }
    if (res.headersSent) return;
    res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
  };
}

function isBodyParserError(err: unknown): err is { type: string; limit?: number; status: number } {
  return Boolean(err && typeof err === 'object' && 'type' in err && typeof (err as { type: unknown }).type === 'string' && 'status' in err);
}

/** Ends what outlives requests (the live streams and their LISTEN connection) so the server can close. */
export async function closeApp(app: express.Express): Promise<void> {
  await (app.locals.live as LiveHub | undefined)?.close();
}
