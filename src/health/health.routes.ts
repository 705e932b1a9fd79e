import { Router } from 'express';
import type { Deps } from '../deps.js';
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
  r.get('/metrics', async (_req, res, next) => {
    try {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    } catch (e) {
      next(e);
    }
  });
  return r;
}
