import { Router } from 'express';
import type { Deps } from '../deps.js';
import type { ApiRegistry } from '../http/route-registry.js';
import { BOM, csvRow } from './csv.js';
import { recordTipView } from '../privacy/access-log.js';
import { retryDelivery } from './retry-delivery.js';
import { triageService } from './triage.service.js';
import {
  AssignSchema,
  CATEGORY_LABELS,
  EventsResponseSchema,
  ExportQuerySchema,
  IdParams,
  LeadsResponseSchema,
  ListTipsQuerySchema,
  MergeSchema,
  MessageResponseSchema,
  NoteResponseSchema,
  NoteSchema,
  PatchTipSchema,
  RelatedResponseSchema,
  ReplySchema,
  StatsResponseSchema,
  TipIdParams,
  TipListResponseSchema,
  TipResponseSchema,
  UndismissSchema,
  fromDbCategory,
  fromDbPriority,
} from './triage.schema.js';

const STAFF = ['ADMIN', 'EDITOR', 'REPORTER'] as const;
const EDITORS = ['ADMIN', 'EDITOR'] as const;

// Types a browser must never render from our origin, whatever the sender called them.
const ACTIVE_CONTENT = /^(text\/html|application\/xhtml|image\/svg|text\/xml|application\/xml|text\/javascript|application\/javascript)/i;

function contentDisposition(type: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function triageRoutes(deps: Deps, api: ApiRegistry): Router {
  const r = Router();
  const tips = triageService(deps);
  const tz = deps.config.TIMEZONE;

  api.route(
    r,
    {
      method: 'get',
      path: '/tips',
      tag: 'tips',
      access: [...EDITORS],
      summary: 'List tips (filters, sort, cursor pagination)',
      description: 'Keyset pagination: pass `nextCursor` back as `cursor`. Without a status filter, MERGED tips are left out.',
      query: ListTipsQuerySchema,
      response: TipListResponseSchema,
    },
    ({ user, query }) => tips.list(user, query),
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/tips/export.csv',
      tag: 'tips',
      access: [...EDITORS],
      summary: 'The filtered list as CSV (UTF-8 with BOM)',
      description: 'Columns: reference, created, channel, status, category, priority, subject, assignee. Same filters and sort as GET /api/tips.',
      query: ExportQuerySchema,
      produces: 'text/csv',
    },
    async ({ user, query, res }) => {
      const created = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, dateStyle: 'short', timeStyle: 'short' });
      const stamp = created.format(deps.clock.now()).replace(/\D/g, '').slice(0, 8);
      res.status(200);
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', contentDisposition('attachment', `tips-${stamp}.csv`));
      res.setHeader('cache-control', 'no-store');
      res.write(BOM + csvRow(['reference', 'created', 'channel', 'status', 'category', 'priority', 'subject', 'assignee']));
      try {
        for await (const page of tips.iterate(user, query)) {
          let chunk = '';
          for (const t of page) {
            const cat = fromDbCategory(t.category);
            chunk += csvRow([
              t.reference,
              created.format(t.created_at),
              t.channel,
              t.status,
              cat ? CATEGORY_LABELS[cat] : '',
              fromDbPriority(t.priority),
              t.title || t.subject || t.excerpt.replace(/\s+/g, ' ').trim(),
              t.assignee_name ?? '',
            ]);
          }
          if (chunk && !res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        }
        res.end();
      } catch (err) {
        // Headers are gone: cut the download short rather than send a truncated file as complete.
        deps.logger.error({ err }, 'csv export failed');
        res.destroy();
      }
    },
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/tips/:id',
      tag: 'tips',
      access: [...STAFF],
      summary: 'One tip with its thread, notes, suggestion and history',
      description: 'Reporters may read their own leads and the open pool (TRIAGED, unassigned).',
      params: TipIdParams,
      response: TipResponseSchema,
      errors: [404],
    },
    async ({ user, params }) => {
      const tip = await tips.detail(user, params.id);
      // Who saw what (PIPL): an unmasked contact in the tip view is recorded.
      const shown = [tip.tipster, ...tip.otherTipsters].some((p) => !p.masked && (p.phone || p.email));
      if (shown) await recordTipView(deps, user, params.id);
      return { tip };
    },
  );

  api.route(
    r,
    {
      method: 'patch',
      path: '/tips/:id',
      tag: 'tips',
      access: [...STAFF],
      summary: 'Categorize, prioritize, change status, title, location',
      description:
        'Optimistic concurrency: send the `version` you read (body) or `If-Match: "<version>"`; a stale version is 409, a missing one 428. ' +
        'Setting a category on a NEW tip triages it. Status changes follow the state machine; an illegal one is 409 with `details.allowed`. ' +
        'Reporters may change only status, title and location of leads they have claimed.',
      params: TipIdParams,
      body: PatchTipSchema,
      response: TipResponseSchema,
      errors: [404, 409, 428],
      headers: [{ name: 'If-Match', description: 'the tip version, e.g. "3" (instead of `version` in the body)' }],
    },
    async ({ user, params, body, req }) => ({ tip: await tips.patch(user, params.id, body, req.get('if-match')) }),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/assign',
      tag: 'workflow',
      access: [...EDITORS],
      summary: 'Assign to a reporter (emails them)',
      params: TipIdParams,
      body: AssignSchema,
      response: TipResponseSchema,
      errors: [404, 409],
    },
    async ({ user, params, body }) => ({ tip: await tips.assign(user, params.id, body.reporterId, body.version) }),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/claim',
      tag: 'workflow',
      access: ['REPORTER'],
      summary: 'Claim a pool lead or one assigned to you',
      description: 'Atomic: when many reporters claim at once exactly one wins; the others get 409.',
      params: TipIdParams,
      response: TipResponseSchema,
      errors: [404, 409],
    },
    async ({ user, params }) => ({ tip: await tips.claim(user, params.id) }),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/release',
      tag: 'workflow',
      access: [...STAFF],
      summary: 'Give a lead back to the pool',
      params: TipIdParams,
      response: TipResponseSchema,
      errors: [404, 409],
    },
    async ({ user, params }) => ({ tip: await tips.release(user, params.id) }),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/merge',
      tag: 'workflow',
      access: [...EDITORS],
      summary: 'Merge this tip into another (the survivor)',
      description:
        'Messages, attachments, notes, submissions and tipster links move to the survivor; this tip becomes MERGED and points at it. Nothing is deleted.',
      params: TipIdParams,
      body: MergeSchema,
      response: TipResponseSchema,
      errors: [404, 409],
    },
    async ({ user, params, body }) => ({ tip: await tips.merge(user, params.id, body.intoId, body.version) }),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/unmerge',
      tag: 'workflow',
      access: [...EDITORS],
      summary: 'Undo a merge (within a minute)',
      description:
        'Puts back exactly the rows the merge moved (recorded in its audit row) and the status the tip had; rows that reached the survivor since stay. ' +
        'After the window, 409 with reason unmerge_window_passed.',
      params: TipIdParams,
      response: TipResponseSchema,
      errors: [404, 409],
    },
    async ({ user, params }) => ({ tip: await tips.unmerge(user, params.id) }),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/undismiss',
      tag: 'workflow',
      access: [...EDITORS],
      summary: 'Undo a dismissal (within a minute)',
      description:
        'Gives a dismissed tip back the status it had before (NEW, TRIAGED, ASSIGNED, CLAIMED or IN_PROGRESS), as its dismissal recorded it; audited as tip.undismissed. ' +
        'After the window, 409 with reason undo_window_passed.',
      params: TipIdParams,
      body: UndismissSchema,
      response: TipResponseSchema,
      errors: [404, 409],
    },
    async ({ user, params, body }) => ({ tip: await tips.undismiss(user, params.id, body.version) }),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/notes',
      tag: 'workflow',
      access: [...STAFF],
      summary: 'Add an internal note',
      params: TipIdParams,
      body: NoteSchema,
      response: NoteResponseSchema,
      status: 201,
      errors: [404],
    },
    ({ user, params, body }) => tips.addNote(user, params.id, body.body),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/tips/:id/reply',
      tag: 'workflow',
      access: [...STAFF],
      summary: 'Reply to the tipster on the tip’s channel',
      description: 'Queued: EMAIL tips get a threaded email, SMS/VOICE tips an SMS. The message appears in the thread with its delivery state.',
      params: TipIdParams,
      body: ReplySchema,
      response: MessageResponseSchema,
      status: 201,
      errors: [404, 409],
    },
    ({ user, params, body }) => tips.reply(user, params.id, body.body),
  );

  api.route(
    r,
    {
      method: 'post',
      path: '/messages/:id/retry',
      tag: 'workflow',
      access: [...STAFF],
      summary: 'Send a failed reply again',
      description: 'Its dead send job goes back to the queue; the message shows QUEUED, then the new outcome.',
      params: IdParams,
      errors: [404, 409],
    },
    ({ user, params }) => retryDelivery(deps, user, params.id),
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/tips/:id/related',
      tag: 'tips',
      access: [...EDITORS],
      summary: 'Likely duplicates: same tipster or similar text',
      params: TipIdParams,
      response: RelatedResponseSchema,
      errors: [404],
    },
    ({ user, params }) => tips.related(user, params.id),
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/tips/:id/events',
      tag: 'tips',
      access: [...STAFF],
      summary: 'Audit trail of the tip',
      params: TipIdParams,
      response: EventsResponseSchema,
      errors: [404],
    },
    ({ user, params }) => tips.events(user, params.id),
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/leads',
      tag: 'workflow',
      access: [...STAFF],
      summary: 'My leads (assigned or claimed) and the open pool',
      response: LeadsResponseSchema,
    },
    ({ user }) => tips.leads(user),
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/stats',
      tag: 'tips',
      access: [...EDITORS],
      summary: 'Counts by status, category, channel; oldest untriaged tip',
      response: StatsResponseSchema,
    },
    () => tips.stats(),
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/attachments/:id',
      tag: 'tips',
      access: [...STAFF],
      summary: 'Attachment bytes',
      description: 'Dangerous types come as application/octet-stream with Content-Disposition: attachment. Reporters only for their own leads.',
      params: IdParams,
      produces: 'application/octet-stream',
      errors: [404],
    },
    async ({ user, params, res }) => {
      const a = await tips.attachment(user, params.id);
      const risky = a.dangerous || ACTIVE_CONTENT.test(a.contentType);
      res.setHeader('content-type', risky ? 'application/octet-stream' : a.contentType);
      res.setHeader('content-disposition', contentDisposition(risky ? 'attachment' : 'inline', a.filename));
      res.setHeader('content-security-policy', "sandbox; default-src 'none'");
      res.setHeader('cache-control', 'private, no-store');
      res.status(200).end(a.data);
    },
  );

  return r;
}
