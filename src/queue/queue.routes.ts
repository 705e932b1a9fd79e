import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { requireRole } from '../users/auth.middleware.js';
import { parse } from '../http/validate.js';
import { JobStateSchema, listJobs, queueDepth, retryJob } from './admin.js';

export function queueRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/jobs', requireRole('ADMIN'), async (req, res) => {
    const q = parse(
      z.object({
        state: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), JobStateSchema).default('DEAD'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      req.query,
      'query',
    );
    res.json({ jobs: await listJobs(deps.prisma, q.state, q.limit), depth: await queueDepth(deps.prisma) });
  });
  r.post('/jobs/:id/retry', requireRole('ADMIN'), async (req, res) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), req.params, 'path');
    if (!(await retryJob(deps.prisma, id))) throw new AppError('CONFLICT', 'Only a dead job can be retried (or no such job)');
    res.json({ ok: true });
  });
  return r;
}
