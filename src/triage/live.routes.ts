import { Router } from 'express';
import { z } from 'zod';
import type { ApiRegistry } from '../http/route-registry.js';
import { parseLastEventId, type LiveHub } from './live.js';

export function liveRoutes(hub: LiveHub, api: ApiRegistry): Router {
  const r = Router();
  api.route(
    r,
    {
      method: 'get',
      path: '/events/stream',
      tag: 'tips',
      access: ['ADMIN', 'EDITOR', 'REPORTER'],
      summary: 'Server-sent events: one `tip` event {tipId, action} per change of a tip',
      description:
        'Resumable: send the last event id back as the `Last-Event-ID` header (or `?lastEventId=`). Events carry no content; fetch the tip to see it.',
      query: z.object({ lastEventId: z.string().optional() }),
      produces: 'text/event-stream',
      headers: [{ name: 'Last-Event-ID', description: 'the id of the last event received' }],
    },
    async ({ req, res, query }) => {
      await hub.subscribe(res, parseLastEventId(req.get('last-event-id'), query.lastEventId));
    },
  );
  return r;
}
