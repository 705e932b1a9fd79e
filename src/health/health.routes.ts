import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { migrationsApplied } from '../db/migrate.js';

export function healthRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  r.get('/readyz', async (_req, res) => {
    try {
      const m = await migrationsApplied((sql) => deps.prisma.$queryRawUnsafe(sql));
      if (!m.ok) {
        res.status(503).json({ ok: false, database: 'reachable', migrations: 'pending', missing: m.missing });
        return;
      }
      res.json({ ok: true, database: 'reachable', migrations: 'applied' });
    } catch {
      res.status(503).json({ ok: false, database: 'unreachable' });
    }
  });
  r.get('/metrics', async (req, res, next) => {
    try {
      if (!metricsAuthorized(deps.config.METRICS_TOKEN, req)) {
        res.set('www-authenticate', 'Bearer');
        throw new AppError('UNAUTHENTICATED', 'Send METRICS_TOKEN as a bearer token');
      }
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    } catch (e) {
      next(e);
    }
  });
  return r;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Without METRICS_TOKEN /metrics is open (loopback deployments); with it, the bearer token must match. */
function metricsAuthorized(token: string | undefined, req: Request): boolean {
  if (!token) return true;
  const m = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
  // Hashes have equal lengths, so the comparison takes the same time whatever was sent.
  return Boolean(m) && timingSafeEqual(digest(m![1].trim()), digest(token));
}
