import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import type { ApiRegistry } from '../http/route-registry.js';
import { bearerToken, currentUser } from './auth.middleware.js';
import { ChangePasswordSchema, CreateUserSchema, LoginSchema, RoleSchema, UpdateUserSchema, UsersQuerySchema } from './users.schema.js';
import type { UsersService } from './users.service.js';

const STAFF = ['ADMIN', 'EDITOR', 'REPORTER'] as const;
const IdParam = z.object({ id: z.uuid() });
const UserSchema = z.object({ id: z.uuid(), email: z.string(), displayName: z.string(), role: RoleSchema, active: z.boolean() }).meta({ id: 'User' });
const Me = UserSchema.omit({ active: true });

export function authRoutes(_deps: Deps, users: UsersService, api: ApiRegistry): Router {
  const r = Router();
  api.route(
    r,
    {
      method: 'post',
      path: '/auth/login',
      tag: 'auth',
      access: 'public',
      summary: 'Log in; returns a bearer token',
      description: 'Rate-limited per account and per IP (429).',
      body: LoginSchema,
      errors: [429],
      response: z.object({ token: z.string(), expiresAt: z.string(), user: Me }),
    },
    ({ req, body }) => users.login(body.email, body.password, req.ip ?? 'unknown'),
  );
  api.route(r, { method: 'post', path: '/auth/logout', tag: 'auth', access: [...STAFF], summary: 'Revoke this token' }, async ({ req }) => {
    await users.logout(bearerToken(req)!);
  });
  api.route(
    r,
    {
      method: 'post',
      path: '/auth/password',
      tag: 'auth',
      access: [...STAFF],
      summary: 'Change your own password; signs out your other sessions (this token stays valid)',
      body: ChangePasswordSchema,
      status: 204,
      errors: [403],
    },
    async ({ req, user, body }) => {
      await users.changePassword(user, bearerToken(req)!, body.currentPassword, body.newPassword);
    },
  );
  api.route(
    r,
    { method: 'get', path: '/auth/me', tag: 'auth', access: [...STAFF], summary: 'Who am I', response: z.object({ user: Me }) },
    ({ req }) => ({
      user: currentUser(req),
    }),
  );
  return r;
}

export function usersRoutes(_deps: Deps, users: UsersService, api: ApiRegistry): Router {
  const r = Router();
  api.route(
    r,
    {
      method: 'get',
      path: '/users',
      tag: 'users',
      access: ['ADMIN', 'EDITOR'],
      summary: 'List users (e.g. ?role=REPORTER&active=true to pick an assignee)',
      query: UsersQuerySchema,
      response: z.object({ users: z.array(UserSchema) }),
    },
    async ({ query }) => ({
      users: await users.list({ role: query.role, active: query.active === undefined ? undefined : query.active === 'true' }),
    }),
  );
  api.route(
    r,
    {
      method: 'post',
      path: '/users',
      tag: 'users',
      access: ['ADMIN'],
      summary: 'Create a user',
      body: CreateUserSchema,
      status: 201,
      response: z.object({ user: UserSchema }),
      errors: [409],
    },
    async ({ body }) => ({ user: await users.create(body) }),
  );
  api.route(
    r,
    {
      method: 'patch',
      path: '/users/:id',
      tag: 'users',
      access: ['ADMIN'],
      summary: 'Change or deactivate a user (deactivation and a password reset sign them out)',
      description: 'The last active admin cannot be demoted or deactivated (409).',
      params: IdParam,
      body: UpdateUserSchema,
      response: z.object({ user: UserSchema }),
      errors: [404, 409],
    },
    async ({ params, body }) => ({ user: await users.update(params.id, body) }),
  );
  return r;
}
