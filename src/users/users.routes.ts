import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { parse } from '../http/validate.js';
import { bearerToken, requireRole, currentUser } from './auth.middleware.js';
import { CreateUserSchema, LoginSchema, UpdateUserSchema, UsersQuerySchema } from './users.schema.js';
import type { UsersService } from './users.service.js';

const IdParam = z.object({ id: z.string().uuid() });

export function authRoutes(_deps: Deps, users: UsersService): Router {
  const r = Router();
  r.post('/auth/login', async (req, res) => {
    const body = parse(LoginSchema, req.body);
    res.json(await users.login(body.email, body.password, req.ip ?? 'unknown'));
  });
  r.post('/auth/logout', requireRole('ADMIN', 'EDITOR', 'REPORTER'), async (req, res) => {
    await users.logout(bearerToken(req)!);
    res.status(204).end();
  });
  r.get('/auth/me', requireRole('ADMIN', 'EDITOR', 'REPORTER'), (req, res) => {
    res.json({ user: currentUser(req) });
  });
  return r;
}

export function usersRoutes(_deps: Deps, users: UsersService): Router {
  const r = Router();
  r.get('/users', requireRole('ADMIN', 'EDITOR'), async (req, res) => {
    const q = parse(UsersQuerySchema, req.query, 'query');
    res.json({ users: await users.list({ role: q.role, active: q.active === undefined ? undefined : q.active === 'true' }) });
  });
  r.post('/users', requireRole('ADMIN'), async (req, res) => {
    res.status(201).json({ user: await users.create(parse(CreateUserSchema, req.body)) });
  });
  r.patch('/users/:id', requireRole('ADMIN'), async (req, res) => {
    const { id } = parse(IdParam, req.params, 'path');
    res.json({ user: await users.update(id, parse(UpdateUserSchema, req.body)) });
  });
  return r;
}
