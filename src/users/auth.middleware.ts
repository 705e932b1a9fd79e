import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { AuthUser, Role } from './users.schema.js';
import type { UsersService } from './users.service.js';

declare module 'express-serve-static-core' {
  interface Request {
    user?: AuthUser;
  }
}

export function bearerToken(req: Request): string | null {
  const h = req.headers.authorization;
  if (!h || !h.toLowerCase().startsWith('bearer ')) return null;
  return h.slice(7).trim() || null;
}

/** Resolves the bearer token, if any, to req.user; routes then state who may call them. */
export function authenticate(users: UsersService) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (token) req.user = (await users.authenticate(token)) ?? undefined;
    next();
  };
}

export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next(new AppError('UNAUTHENTICATED', 'Log in first (Authorization: Bearer <token>)'));
    if (!roles.includes(req.user.role)) return next(new AppError('FORBIDDEN', `This needs one of the roles: ${roles.join(', ')}`));
    next();
  };
}

export const currentUser = (req: Request): AuthUser => {
  if (!req.user) throw new AppError('UNAUTHENTICATED', 'Log in first');
  return req.user;
};
