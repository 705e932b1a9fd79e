import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { ApiRegistry } from '../http/route-registry.js';
import { JobStateSchema, listJobs, queueDepth, retryJob } from './admin.js';

const JobsQuerySchema = z.object({
  state: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), JobStateSchema).default('DEAD'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function queueRoutes(deps: Deps, api: ApiRegistry): Router {
  const r = Router();
  api.route(
    r,
    {
      method: 'get',
      path: '/jobs',
      tag: 'queue',
      access: ['ADMIN'],
      summary: 'Jobs by state, e.g. ?state=dead (the default; case-insensitive)',
      query: JobsQuerySchema,
    },
    async ({ query }) => ({ jobs: await listJobs(deps.prisma, query.state, query.limit), depth: await queueDepth(deps.prisma) }),
  );
  api.route(
    r,
    {
      method: 'post',
      path: '/jobs/:id/retry',
      tag: 'queue',
      access: ['ADMIN'],
      summary: 'Retry a dead job',
      params: z.object({ id: z.uuid() }),
      errors: [409],
    },
    async ({ params }) => {
      if (!(await retryJob(deps.prisma, params.id))) throw new AppError('CONFLICT', 'Only a dead job can be retried (or no such job)');
      return { ok: true };
    },
  );
  return r;
}
