import { Router } from 'express';
import type { Deps } from '../deps.js';
import type { ApiRegistry, RouteSpec } from '../http/route-registry.js';
import { listAccess } from './access-log.js';
import { blocksService } from './blocks.js';
import { eraseTipster } from './erase-tipster.js';
import { exportTipster } from './export-tipster.js';
import { findTipster } from './find-tipster.js';
import {
  AccessLogQuerySchema,
  AccessLogResponseSchema,
  BlockCreateSchema,
  BlockIdParams,
  BlockSchema,
  BlocksResponseSchema,
  ContactQuerySchema,
  EraseResponseSchema,
  ExportResponseSchema,
  LookupResponseSchema,
  RetentionResponseSchema,
  TipsterIdParams,
} from './privacy.schema.js';
import { runRetention } from './run-retention.js';
import { z } from 'zod';

// PIPL routes (docs/privacy.md): tipsters' requests, retention, the access log and blocks.
// Declared once here; privacyRoutes mounts them on the shared registry, which documents them in OpenAPI.

const ADMIN = ['ADMIN'] as const;
const EDITORS = ['ADMIN', 'EDITOR'] as const;

const specs = {
  lookup: {
    method: 'get',
    path: '/tipsters',
    tag: 'privacy',
    access: [...ADMIN],
    summary: 'Everything held about a phone number, email address or WeChat OpenID',
    description: 'Any spelling of a phone number is found (+86, spaces, dashes, full-width digits). Recorded in the access log.',
    query: ContactQuerySchema,
    response: LookupResponseSchema,
  },
  export: {
    method: 'get',
    path: '/tipsters/:id/export',
    tag: 'privacy',
    access: [...ADMIN],
    summary: 'A tipster’s data as a JSON download (raw submissions as base64)',
    description: 'Recorded in the access log.',
    params: TipsterIdParams,
    response: ExportResponseSchema,
    errors: [404],
  },
  erase: {
    method: 'post',
    path: '/tipsters/:id/erase',
    tag: 'privacy',
    access: [...ADMIN],
    summary: 'Erase a tipster’s contact data everywhere, in one transaction',
    description:
      'Deletes the tipster (phone, email, OpenID, name) and erases their contact from submissions (raw bytes, parameters, sender), ' +
      'outbound addresses, provider errors, send jobs and the free text of their tips. Stories, photos and history stay. ' +
      'Submissions still being processed are left to finish (they then belong to a new tipster).',
    params: TipsterIdParams,
    response: EraseResponseSchema,
    errors: [404],
  },
  retention: {
    method: 'post',
    path: '/admin/retention/run',
    tag: 'privacy',
    access: [...ADMIN],
    summary: 'Run the retention erasure now (it also runs daily)',
    response: RetentionResponseSchema,
  },
  accessLog: {
    method: 'get',
    path: '/admin/access-log',
    tag: 'privacy',
    access: [...ADMIN],
    summary: 'Who saw which tipster’s contact unmasked, newest first',
    description: 'Keyset pagination: pass `nextCursor` back as `cursor`.',
    query: AccessLogQuerySchema,
    response: AccessLogResponseSchema,
  },
  blockCreate: {
    method: 'post',
    path: '/blocks',
    tag: 'privacy',
    access: [...EDITORS],
    summary: 'Block a sender: their messages are stored but make no tip and get no answer',
    body: BlockCreateSchema,
    response: z.object({ block: BlockSchema }),
    status: 201,
    errors: [409],
  },
  blockList: {
    method: 'get',
    path: '/blocks',
    tag: 'privacy',
    access: [...EDITORS],
    summary: 'Blocked senders (masked)',
    response: BlocksResponseSchema,
  },
  blockDelete: {
    method: 'delete',
    path: '/blocks/:id',
    tag: 'privacy',
    access: [...EDITORS],
    summary: 'Unblock a sender',
    params: BlockIdParams,
    errors: [404],
  },
} satisfies Record<string, RouteSpec>;

export function privacyRoutes(deps: Deps, api: ApiRegistry): Router {
  const r = Router();
  const blocks = blocksService(deps);

  api.route(r, specs.lookup, ({ user, query }) => findTipster(deps, user, query.contact));
  api.route(r, specs.export, async ({ user, params, res }) => {
    const doc = await exportTipster(deps, user, params.id);
    res.setHeader('content-disposition', `attachment; filename="tipster-${params.id}.json"`);
    res.setHeader('cache-control', 'no-store');
    return doc;
  });
  api.route(r, specs.erase, ({ user, params }) => eraseTipster(deps, user, params.id));
  api.route(r, specs.retention, ({ user }) => runRetention(deps, user.id));
  api.route(r, specs.accessLog, ({ query }) => listAccess(deps.prisma, query));
  api.route(r, specs.blockCreate, ({ user, body }) => blocks.create(user, body.contact));
  api.route(r, specs.blockList, () => blocks.list());
  api.route(r, specs.blockDelete, async ({ user, params }) => {
    await blocks.remove(user, params.id);
  });
  return r;
}
