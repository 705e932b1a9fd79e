import type { z } from 'zod';
import { zodToAppError } from '../errors.js';

/** Parses request input; a failure becomes a 400 that names the fields. */
export function parse<S extends z.ZodType>(schema: S, data: unknown, where = 'request body'): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success) throw zodToAppError(r.error, where);
  return r.data;
}
