import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { requireRole } from '../users/auth.middleware.js';
import { parse } from '../http/validate.js';
import { retrySubmission } from './submissions.js';
import { intakeHealth } from './intake-sources.js';
import { channelAdapters } from './index.js';

const StateSchema = z.enum(['RECEIVED', 'PROCESSED', 'SKIPPED', 'QUARANTINED']);

export function intakeRoutes(deps: Deps): Router {
  const r = Router();
  // Quarantined and skipped items stay visible: nothing inbound disappears silently.
  r.get('/submissions', requireRole('ADMIN', 'EDITOR'), async (req, res) => {
    const q = parse(z.object({ state: StateSchema.optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }), req.query, 'query');
    const rows = await deps.prisma.submission.findMany({
      where: q.state ? { state: q.state } : {},
      orderBy: { receivedAt: 'desc' },
      take: q.limit,
      select: {
        id: true,
        channel: true,
        externalId: true,
        state: true,
        lastError: true,
        sizeBytes: true,
        rateLimited: true,
        receivedAt: true,
        processedAt: true,
        tipId: true,
      },
    });
    res.json({ submissions: rows });
  });
  r.post('/submissions/:id/retry', requireRole('ADMIN', 'EDITOR'), async (req, res) => {
    const { id } = parse(z.object({ id: z.string().uuid() }), req.params, 'path');
    if (!(await retrySubmission(deps.prisma, id)))
      throw new AppError('CONFLICT', 'Only a quarantined submission can be retried (or no such submission)');
    res.json({ ok: true });
  });
  // Reconciliation per channel: counts, last success, backlog — a silent stall shows here.
  r.get('/intake/health', requireRole('ADMIN', 'EDITOR'), async (_req, res) => {
    const staleAfterMs = Math.max(3 * deps.config.IMAP_POLL_SECONDS * 1000, 5 * 60_000);
    const silentAfter = Object.assign({}, ...channelAdapters.filter((a) => a.silence && a.enabled(deps.config)).map((a) => a.silence!(deps.config)));
    res.json(await intakeHealth(deps.prisma, deps.clock.now(), staleAfterMs, silentAfter));
  });
  return r;
}
