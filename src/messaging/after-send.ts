import type { Logger } from '../logger.js';

/**
 * Records that a message left (Twilio or the SMTP server accepted it). That record is what
 * keeps a retry from sending it a second time, so a database blip at this moment must not
 * fail the job: the write is retried for a while (the job's lease keeps being renewed) and
 * only then does the error propagate. Found by the soak: a PostgreSQL restart right after a
 * send made the job retry and the tipster got the acknowledgement twice.
 */
export async function recordAfterSend<T>(
  write: () => Promise<T>,
  o: { logger: Logger; what: Record<string, unknown>; signal?: AbortSignal; maxMs?: number },
): Promise<T> {
  const end = Date.now() + (o.maxMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (Date.now() > end || o.signal?.aborted) throw err;
      o.logger.warn({ ...o.what, attempt, err: (err as Error).message }, 'sent, but could not record it yet; retrying the write');
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))));
    }
  }
}
