import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { SubmissionState } from '../generated/prisma/enums.js';
import type { ApiRegistry } from '../http/route-registry.js';
import { channelAdapters } from './index.js';
import { intakeHealth } from './intake-sources.js';
import { retrySubmission } from './submissions.js';

const SubmissionsQuerySchema = z.object({
  state: z.enum(Object.values(SubmissionState) as [SubmissionState, ...SubmissionState[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const ChannelsResponseSchema = z.object({
  channels: z.array(
    z.object({
      id: z.string(),
      label: z.object({ zh: z.string(), en: z.string() }),
      channels: z.array(z.string()),
      enabled: z.boolean(),
      sources: z.array(z.string()),
    }),
  ),
});

/** The adapters as the dashboard shows them (no settings, no secrets). */
export const channelList = (deps: Deps) =>
  channelAdapters.map((a) => ({ id: a.id, label: a.label, channels: [...a.channels], enabled: a.enabled(deps.config), sources: [...a.sources] }));

export function intakeRoutes(deps: Deps, api: ApiRegistry): Router {
  const r = Router();
  const EDITORS = ['ADMIN', 'EDITOR'] as const;
  // Quarantined and skipped items stay visible: nothing inbound disappears silently.
  api.route(
    r,
    {
      method: 'get',
      path: '/submissions',
      tag: 'intake',
      access: [...EDITORS],
      summary: 'Raw submissions, e.g. ?state=QUARANTINED',
      query: SubmissionsQuerySchema,
    },
    async ({ query }) => ({
      submissions: await deps.prisma.submission.findMany({
        where: query.state ? { state: query.state } : {},
        orderBy: { receivedAt: 'desc' },
        take: query.limit,
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
      }),
    }),
  );
  api.route(
    r,
    {
      method: 'post',
      path: '/submissions/:id/retry',
      tag: 'intake',
      access: [...EDITORS],
      summary: 'Retry a quarantined submission',
      params: z.object({ id: z.uuid() }),
      errors: [409],
    },
    async ({ params }) => {
      if (!(await retrySubmission(deps.prisma, params.id)))
        throw new AppError('CONFLICT', 'Only a quarantined submission can be retried (or no such submission)');
      return { ok: true };
    },
  );
  // Reconciliation per channel: counts, last success, backlog — a silent stall shows here.
  api.route(
    r,
    {
      method: 'get',
      path: '/intake/health',
      tag: 'intake',
      access: [...EDITORS],
      summary: 'Per channel: on/off, seen, stored, skipped, duplicates, quarantined, last poll/success/error, backlog',
    },
    async () => {
      const staleAfterMs = Math.max(3 * deps.config.IMAP_POLL_SECONDS * 1000, 5 * 60_000);
      const silentAfter = Object.assign(
        {},
        ...channelAdapters.filter((x) => x.silence && x.enabled(deps.config)).map((x) => x.silence!(deps.config)),
      );
      return { ...(await intakeHealth(deps.prisma, deps.clock.now(), staleAfterMs, silentAfter)), adapters: channelList(deps) };
    },
  );
  api.route(
    r,
    {
      method: 'get',
      path: '/channels',
      tag: 'intake',
      access: ['ADMIN', 'EDITOR', 'REPORTER'],
      summary: 'The intake channels (adapters), their labels and whether each is on',
      response: ChannelsResponseSchema,
    },
    () => ({ channels: channelList(deps) }),
  );
  return r;
}
