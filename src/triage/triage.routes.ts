import { Router } from 'express';
import type { Deps } from '../deps.js';

export function triageRoutes(_deps: Deps): Router {
  return Router();
}
