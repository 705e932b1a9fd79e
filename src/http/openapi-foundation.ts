import { z } from 'zod';
import { JobStateSchema } from '../queue/admin.js';
import { CreateUserSchema, LoginSchema, UpdateUserSchema, UsersQuerySchema } from '../users/users.schema.js';
import type { ApiRegistry } from './route-registry.js';

// Routes that other modules serve, described with those modules' own zod schemas so the
// OpenAPI document covers the whole API without restating any request shape.

const Id = z.object({ id: z.uuid() });
const User = z
  .object({ id: z.uuid(), email: z.string(), displayName: z.string(), role: z.enum(['ADMIN', 'EDITOR', 'REPORTER']), active: z.boolean() })
  .meta({ id: 'User' });

export function documentFoundationRoutes(api: ApiRegistry): void {
  api.document({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    access: 'public',
    summary: 'Log in; returns a bearer token',
    description: 'Rate-limited per account and per IP (429).',
    body: LoginSchema,
    errors: [429],
    response: z.object({ token: z.string(), expiresAt: z.string(), user: User.omit({ active: true }) }),
  });
  api.document({ method: 'post', path: '/auth/logout', tag: 'auth', access: ['ADMIN', 'EDITOR', 'REPORTER'], summary: 'Revoke this token' });
  api.document({
    method: 'get',
    path: '/auth/me',
    tag: 'auth',
    access: ['ADMIN', 'EDITOR', 'REPORTER'],
    summary: 'Who am I',
    response: z.object({ user: User.omit({ active: true }) }),
  });
  api.document({
    method: 'get',
    path: '/users',
    tag: 'users',
    access: ['ADMIN', 'EDITOR'],
    summary: 'List users (e.g. ?role=REPORTER&active=true to pick an assignee)',
    query: UsersQuerySchema,
    response: z.object({ users: z.array(User) }),
  });
  api.document({
    method: 'post',
    path: '/users',
    tag: 'users',
    access: ['ADMIN'],
    summary: 'Create a user',
    body: CreateUserSchema,
    status: 201,
    response: z.object({ user: User }),
    errors: [409],
  });
  api.document({
    method: 'patch',
    path: '/users/:id',
    tag: 'users',
    access: ['ADMIN'],
    summary: 'Change or deactivate a user (deactivation signs them out)',
    params: Id,
    body: UpdateUserSchema,
    response: z.object({ user: User }),
    errors: [404],
  });
  api.document({
    method: 'get',
    path: '/jobs',
    tag: 'queue',
    access: ['ADMIN'],
    summary: 'Jobs by state, e.g. ?state=dead (the default; case-insensitive)',
    query: z.object({ state: JobStateSchema.optional(), limit: z.number().int().min(1).max(500).optional() }),
  });
  api.document({ method: 'post', path: '/jobs/:id/retry', tag: 'queue', access: ['ADMIN'], summary: 'Retry a dead job', params: Id, errors: [409] });
  api.document({
    method: 'get',
    path: '/submissions',
    tag: 'intake',
    access: ['ADMIN', 'EDITOR'],
    summary: 'Raw submissions, e.g. ?state=QUARANTINED',
    query: z.object({ state: z.enum(['RECEIVED', 'PROCESSED', 'SKIPPED', 'QUARANTINED']).optional(), limit: z.number().int().optional() }),
  });
  api.document({
    method: 'get',
    path: '/intake/health',
    tag: 'intake',
    access: ['ADMIN', 'EDITOR'],
    summary: 'Per channel: seen, stored, skipped, duplicates, quarantined, last poll/success/error, backlog',
  });
  api.document({
    method: 'post',
    path: '/submissions/:id/retry',
    tag: 'intake',
    access: ['ADMIN', 'EDITOR'],
    summary: 'Retry a quarantined submission',
    params: Id,
    errors: [409],
  });
}
