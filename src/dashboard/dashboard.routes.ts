import { Router } from 'express';
import type { Deps } from '../deps.js';

export function dashboardRoutes(_deps: Deps): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.type('html').send('<!doctype html><meta charset="utf-8"><title>Tipdesk</title><p>Tipdesk is running. The API is under /api.</p>');
  });
  return r;
}
