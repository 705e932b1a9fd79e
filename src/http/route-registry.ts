import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { requireRole } from '../users/auth.middleware.js';
import type { AuthUser, Role } from '../users/users.schema.js';
import { parse } from './validate.js';

// Routes are declared once, with their zod schemas and roles; the same declaration
// mounts the Express handler (role check + validation) and feeds the OpenAPI document.

export type Access = Role[] | 'public';

export interface RouteSpec {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path relative to /api, e.g. /tips/:id */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** JSON body of the success response. */
  response?: z.ZodType;
  status?: number;
  /** Non-JSON success content type (CSV, attachment bytes). */
  produces?: string;
  /** Request headers the route reads. */
  headers?: { name: string; description: string }[];
  /** Error statuses worth documenting beyond 400/401/403. */
  errors?: number[];
}

export interface HandlerContext<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  /** The caller; null only on public routes. */
  user: AuthUser;
}

type Infer<S> = S extends z.ZodType ? z.infer<S> : undefined;

export class ApiRegistry {
  readonly specs: RouteSpec[] = [];

  /** Mounts a handler; its return value is sent as JSON with the spec's status unless it wrote the response itself. */
  route<S extends RouteSpec>(
    router: Router,
    spec: S,
    handler: (ctx: HandlerContext<Infer<S['params']>, Infer<S['query']>, Infer<S['body']>>) => Promise<unknown> | unknown,
  ): void {
    this.specs.push(spec);
    const guard = spec.access === 'public' ? [] : [requireRole(...spec.access)];
    router[spec.method](spec.path, ...guard, async (req: Request, res: Response) => {
      const ctx = {
        req,
        res,
        params: spec.params ? parse(spec.params, req.params, 'path') : undefined,
        query: spec.query ? parse(spec.query, req.query, 'query') : undefined,
        body: spec.body ? parse(spec.body, req.body ?? {}, 'request body') : undefined,
        user: req.user as AuthUser,
      } as HandlerContext<Infer<S['params']>, Infer<S['query']>, Infer<S['body']>>;
      const out = await handler(ctx);
      if (res.headersSent) return;
      if (out === undefined) res.status(spec.status ?? 204).end();
      else res.status(spec.status ?? 200).json(out);
    });
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input; `error.details.fields` names each field',
  401: 'Not logged in',
  403: 'Logged in, but this role (or this reporter) may not do this',
  404: 'No such resource',
  409: 'Conflict: stale version, illegal status change (details list the allowed ones) or already claimed',
  413: 'Body too large',
  428: 'The version is missing: send `version` in the body or an `If-Match` header',
  429: 'Too many attempts',
};

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) }).meta({ id: 'Error' });

/** OpenAPI 3.1 from the registry; zod's JSON Schema output is 2020-12, which 3.1 uses as is. */
export function openApiDocument(specs: RouteSpec[], info: { title: string; version: string; description?: string }) {
  const components: Record<string, unknown> = {};
  const toSchema = (s: z.ZodType, io: 'input' | 'output') => {
    const json = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
    const defs = (json.$defs ?? {}) as Record<string, unknown>;
    delete json.$defs;
    delete json.$schema;
    for (const [k, v] of Object.entries(defs)) components[k] = v;
    // Shared objects live once under components; zod names them through .meta({ id }).
    return JSON.parse(JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/')) as Record<string, unknown>;
  };
  const errorRef = { $ref: '#/components/schemas/Error' };
  toSchema(z.object({ e: ErrorSchema }), 'output');

  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = `/api${spec.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', spec.params],
      ['query', spec.query],
    ] as const) {
      if (!schema) continue;
      const json = toSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
      for (const [name, prop] of Object.entries(json.properties ?? {})) {
        const { description, ...rest } = prop;
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (json.required ?? []).includes(name),
          schema: rest,
          ...(description ? { description } : {}),
        });
      }
    }
    for (const h of spec.headers ?? [])
      parameters.push({ name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string' } });
    const ok = spec.status ?? (spec.response || spec.produces ? 200 : 204);
    const responses: Record<string, unknown> = {
      [ok]: {
        description: 'Success',
        ...(spec.produces
          ? { content: { [spec.produces]: { schema: { type: 'string', format: 'binary' } } } }
          : spec.response
            ? { content: { 'application/json': { schema: toSchema(spec.response, 'output') } } }
            : {}),
      },
    };
    const errs = new Set<number>([...(spec.params || spec.query || spec.body ? [400] : []), ...(spec.errors ?? [])]);
    if (spec.access !== 'public') [401, 403].forEach((s) => errs.add(s));
    for (const s of [...errs].sort())
      responses[s] = { description: STATUS_TEXT[s] ?? 'Error', content: { 'application/json': { schema: errorRef } } };
    const roles = spec.access === 'public' ? 'anyone' : spec.access.join(', ');
    paths[path] ??= {};
    paths[path][spec.method] = {
      operationId: `${spec.method}${spec.path.replace(/[/:.-]+(\w)/g, (_, c: string) => c.toUpperCase())}`,
      tags: [spec.tag],
      summary: spec.summary,
      description: `${spec.description ? `${spec.description}\n\n` : ''}Roles: ${roles}.`,
      'x-roles': spec.access === 'public' ? [] : spec.access,
      ...(spec.access === 'public' ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(spec.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'token from POST /api/auth/login' } },
      schemas: components,
    },
  };
}

/** GET /api/openapi.json: the document of every route registered so far, built once on first request. */
export function openApiRoute(api: ApiRegistry): Router {
  const r = Router();
  let doc: unknown;
  api.route(r, { method: 'get', path: '/openapi.json', tag: 'meta', access: 'public', summary: 'This document' }, () => {
    doc ??= openApiDocument(api.specs, {
      title: 'Tipdesk API',
      version: '1',
      description:
        'Tip hotline intake and triage. Errors are `{error:{code,message,details?}}`. Log in with POST /api/auth/login and send `Authorization: Bearer <token>`.',
    });
    return doc;
  });
  return r;
}
