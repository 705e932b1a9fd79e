import { Router } from 'express';
import type { Deps } from '../../deps.js';

export function twilioRoutes(_deps: Deps): Router {
  return Router();
}
