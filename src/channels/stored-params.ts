import type { z } from 'zod';
import { PermanentJobError } from '../errors.js';

/**
 * A provider's request as its submission stored it (submission.params), read again by a job
 * (normalize, or the adapter's `decide`). The webhook checked it before storing it, so failing now
 * means the row was changed or an older version stored it: no retry can help, and the submission
 * is quarantined. The error names the fields, never their values (it is shown to editors).
 */
export function readStored<S extends z.ZodType>(schema: S, params: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(params ?? {});
  if (!parsed.success)
    throw new PermanentJobError(`${what} is invalid: ${parsed.error.issues.map((i) => i.path.join('.') || '(top level)').join(', ')}`);
  return parsed.data;
}
