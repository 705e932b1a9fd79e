/** Seconds before a failed job's next attempt: exponential from baseSeconds, capped, with jitter. */
export function backoffSeconds(attempt: number, baseSeconds: number, capSeconds: number, random = Math.random): number {
  const exp = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  // Full jitter in the upper half keeps retries of one outage from arriving together.
  return exp / 2 + random() * (exp / 2);
}
