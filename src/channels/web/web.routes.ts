import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { AppError, zodToAppError } from '../../errors.js';
import { IntakeCounters } from '../twilio/intake-counters.js';
import { overHourlyLimit } from './sql.js';
import { checkChallenge, issueChallenge } from './web.challenge.js';
import { langOf, type Lang } from './web.i18n.js';
import { acceptFollowUp, acceptHoneypot, acceptTip, notFound, replay, type Answer } from './web-intake.service.js';
import { formPage, notFoundPage, receivedPage, statusPage, type FormValues } from './web.pages.js';
import { fieldError, honeypotFilled, TipFieldsSchema, validateFields } from './web.schema.js';
import { TIP_CSS, TIP_SCRIPT } from './web.script.js';
import { PUBLIC_STATUS_LABEL, statusByKey } from './web.status.js';
import { photosOf, photoUpload } from './web.upload.js';

// Public routes, no login, mounted at '/' before the authenticated /api router:
//   GET  /tip                        the form (HTML)       POST /tip                   plain form post → result page
//   GET  /tip/status/:key            the status page       POST /tip/status/:key       plain follow-up post
//   POST /api/public/tips            JSON answer 201 {reference, statusUrl}
//   GET  /api/public/tips/status/:key, POST /api/public/tips/status/:key/followups, GET /api/public/challenge

export const SOURCE = 'web:form';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{16,128}$/;

const etag = (s: string) => `"${createHash('sha256').update(s).digest('base64url').slice(0, 20)}"`;
const ASSETS = {
  'tip.js': { body: TIP_SCRIPT, type: 'text/javascript; charset=utf-8', etag: etag(TIP_SCRIPT) },
  'tip.css': { body: TIP_CSS, type: 'text/css; charset=utf-8', etag: etag(TIP_CSS) },
} as const;

type Kind = 'tip' | 'followup';

export function webRoutes(deps: Deps): Router {
  const { config } = deps;
  const origins = new Set(config.WEB_FORM_ORIGINS);
  const counters = new IntakeCounters(deps);
  const upload = photoUpload(config);
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors 'self'${[...origins].map((o) => ` ${o}`).join('')}`,
  ].join('; ');

  const ownOrigin = (req: Request) => `${req.protocol}://${req.get('host')}`;
  const base = (req: Request) => (config.PUBLIC_BASE_URL ?? ownOrigin(req)).replace(/\/$/, '');
  const publicOrigin = config.PUBLIC_BASE_URL ? new URL(config.PUBLIC_BASE_URL).origin : null;

  function page(res: Response, status: number, html: string) {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // frame-ancestors names who may frame the form; the older header would forbid them all.
    if (origins.size) res.removeHeader('X-Frame-Options');
    res.status(status).type('html').send(html);
  }

  /**
   * Browsers posting from elsewhere must be listed in WEB_FORM_ORIGINS (a server-side client sends
   * no Origin). `null` is let through: our own pages send no referrer, and browsers then post our
   * plain form with `Origin: null`; such a caller cannot read a JSON answer without CORS anyway.
   */
  function guardOrigin(req: Request, res: Response, next: NextFunction) {
    const origin = req.get('origin');
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
    } else if (origin && origin !== ownOrigin(req) && origin !== publicOrigin && origin !== 'null') {
      throw new AppError('FORBIDDEN', `此网站不能提交爆料 / Posts from ${origin} are not accepted (WEB_FORM_ORIGINS)`);
    }
    next();
  }

  /** Before the body is read: a retried post is answered from what the first stored; then the per-address limit. */
  const admit = (kind: Kind, json: boolean) => async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw fieldError('VALIDATION', 'Idempotency-Key', 'Idempotency-Key 格式不对', 'Idempotency-Key must be 16 to 128 letters, digits or _ . : -');
    }
    if (kind === 'followup' && !(await statusByKey(deps.prisma, req.params.key as string))) throw notFound();
    if (key) {
      const again = await replay(deps, key, kind === 'followup' ? (req.params.key as string) : undefined);
      if (again) {
        counters.success(SOURCE, 'WEB', 'duplicates');
        return json ? answerJson(req, res, again) : answerPage(req, res, kind, again);
      }
    }
    const address = createHash('sha256')
      .update(req.ip ?? '')
      .digest('base64url');
    if (await overHourlyLimit(deps.pool, `web:${address}`, config.WEB_FORM_RATE_LIMIT_PER_HOUR, deps.clock.now())) {
      res.setHeader('Retry-After', '3600');
      throw new AppError('RATE_LIMITED', '提交太频繁，请一小时后再试 / Too many posts from this address; please try again in an hour', {
        zh: '提交太频繁，请一小时后再试',
        en: 'Too many posts from this address; please try again in an hour',
      });
    }
    next();
  };

  async function intake(req: Request, kind: Kind): Promise<Answer> {
    const parsed = TipFieldsSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw zodToAppError(parsed.error, 'form');
    const fields = parsed.data;
    const idempotencyKey = req.get('idempotency-key');
    if (honeypotFilled(fields)) {
      counters.success(SOURCE, 'WEB', 'skipped');
      deps.logger.info({ kind }, 'web form honeypot filled; stored as skipped');
      return acceptHoneypot(deps, { params: { kind, honeypot: true, body: (fields.body ?? '').slice(0, 2000) }, idempotencyKey });
    }
    if (kind === 'tip' && config.WEB_FORM_CHALLENGE) await checkChallenge(deps, fields.challenge, fields.nonce);
    const photos = await photosOf(req);
    const params = validateFields(fields, kind, photos.length);
    // A blocked sender's post is kept (SKIPPED 'blocked sender', checked in the post's statement) and
    // answered like a honeypot post: no tip, no acknowledgement, nothing that tells them they are blocked.
    const answer =
      kind === 'tip'
        ? await acceptTip(deps, { params, photos, idempotencyKey })
        : await acceptFollowUp(deps, { statusKey: req.params.key as string, params, photos, idempotencyKey });
    counters.success(SOURCE, 'WEB', !answer.created ? 'duplicates' : answer.skipped ? 'skipped' : 'stored');
    if (!answer.skipped) deps.logger.info({ kind, photos: photos.length, created: answer.created }, 'web form submission');
    return answer;
  }

  function answerJson(req: Request, res: Response, a: Answer) {
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ reference: a.reference, statusUrl: `${base(req)}/tip/status/${a.statusKey}` });
  }

  async function answerPage(req: Request, res: Response, kind: Kind, a: Answer) {
    const lang = langOf(req.query.lang ?? (req.body as { lang?: string } | undefined)?.lang);
    const path = `/tip/status/${a.statusKey}`;
    if (kind === 'tip') return page(res, 201, receivedPage(config, lang, { reference: a.reference, statusPath: path }));
    const view = await statusByKey(deps.prisma, a.statusKey);
    if (!view) throw notFound();
    const t = lang === 'en' ? 'Thank you: your addition was received.' : '谢谢！补充内容已收到。';
    page(res, 201, statusPage(config, lang, { view, path, notice: t }));
  }

  /** A plain form post that went wrong: the same page again, with the reason and what was typed. */
  const pageErrors = (kind: Kind) => async (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof AppError) || err.status >= 500) return next(err);
    const lang = langOf(req.query.lang ?? (req.body as { lang?: string } | undefined)?.lang);
    const d = err.details as { zh?: string; en?: string } | undefined;
    const message = (lang === 'en' ? d?.en : d?.zh) ?? err.message;
    if (kind === 'tip') {
      const b = (req.body ?? {}) as Record<string, string>;
      const values: FormValues = { body: b.body, location: b.location, name: b.name, phone: b.phone, email: b.email, consent: Boolean(b.consent) };
      return page(res, err.status, formPage(config, lang, { values, error: message, challenge: config.WEB_FORM_CHALLENGE }));
    }
    const view = await statusByKey(deps.prisma, req.params.key as string);
    if (!view) return page(res, 404, notFoundPage(config, lang));
    page(res, err.status, statusPage(config, lang, { view, path: `/tip/status/${req.params.key as string}`, error: message }));
  };

  const r = Router();
  const lang = (req: Request): Lang => langOf(req.query.lang);

  r.get('/tip/assets/:name', (req, res, next) => {
    const a = ASSETS[req.params.name as keyof typeof ASSETS];
    if (!a) return next();
    res.setHeader('ETag', a.etag);
    res.setHeader('Cache-Control', 'public, max-age=300');
    if (req.get('if-none-match') === a.etag) return res.status(304).end();
    res.type(a.type).send(a.body);
  });
  r.get('/tip', (req, res) => page(res, 200, formPage(config, lang(req), { challenge: config.WEB_FORM_CHALLENGE })));
  r.post('/tip', guardOrigin, admit('tip', false), upload, express.urlencoded({ extended: false, limit: '64kb' }), async (req, res) => {
    await answerPage(req, res, 'tip', await intake(req, 'tip'));
  });
  r.use('/tip', pageErrors('tip'));

  r.get('/tip/status/:key', async (req, res) => {
    const view = await statusByKey(deps.prisma, req.params.key);
    if (!view) return page(res, 404, notFoundPage(config, lang(req)));
    page(res, 200, statusPage(config, lang(req), { view, path: `/tip/status/${req.params.key}` }));
  });
  r.get(['/tip/status', '/tip/status/'], (req, res) => page(res, 404, notFoundPage(config, lang(req))));
  r.post(
    '/tip/status/:key',
    guardOrigin,
    admit('followup', false),
    upload,
    express.urlencoded({ extended: false, limit: '64kb' }),
    async (req, res) => {
      await answerPage(req, res, 'followup', await intake(req, 'followup'));
    },
  );
  r.use('/tip/status/:key', pageErrors('followup'));

  const api = Router();
  api.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    const origin = req.get('origin');
    if (req.method !== 'OPTIONS') return next();
    if (!origin || !origins.has(origin)) throw new AppError('FORBIDDEN', `Origin ${origin ?? '(none)'} is not in WEB_FORM_ORIGINS`);
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Accept, Idempotency-Key');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  });
  const bodies = [upload, express.json({ limit: '64kb' }), express.urlencoded({ extended: false, limit: '64kb' })];
  api.get('/challenge', guardOrigin, (_req, res) => {
    res.json(config.WEB_FORM_CHALLENGE ? { required: true, ...issueChallenge(deps) } : { required: false });
  });
  api.post('/tips', guardOrigin, admit('tip', true), ...bodies, async (req, res) => answerJson(req, res, await intake(req, 'tip')));
  api.get('/tips/status/:key', guardOrigin, async (req, res) => {
    const view = await statusByKey(deps.prisma, String(req.params.key));
    if (!view) throw notFound();
    res.json({ reference: view.reference, receivedAt: view.receivedAt.toISOString(), status: view.status, label: PUBLIC_STATUS_LABEL[view.status] });
  });
  api.post('/tips/status/:key/followups', guardOrigin, admit('followup', true), ...bodies, async (req, res) =>
    answerJson(req, res, await intake(req, 'followup')),
  );
  api.use(() => {
    throw notFound();
  });
  r.use('/api/public', api);
  // The app's error handler logs the path of an unexpected error, and these paths carry status keys.
  r.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    if (err instanceof AppError || !req.path.includes('/status/')) return next(err);
    deps.logger.error({ err, route: 'web status page' }, 'unhandled error');
    next(new AppError('INTERNAL', 'Internal server error'));
  });
  return r;
}
