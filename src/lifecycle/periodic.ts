import type { Logger } from '../logger.js';
import type { Service } from './service.js';

/**
 * A worker Service that runs `tick` every `intervalMs` (the first run within a second of start),
 * never two at once; a failed run is logged and the next one comes on time. stop() waits for a
 * run in progress. For sweeps that are safe to run anywhere, any time (claim expiry, the SMS
 * gateway's silence check).
 */
export function periodicService(name: string, o: { intervalMs: number; logger: Logger; tick: () => Promise<unknown> }): Service {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const run = () => {
    running = o
      .tick()
      .catch((err) => o.logger.warn({ err: (err as Error).message, service: name }, `${name} failed`))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, o.intervalMs);
      });
  };
  return {
    name,
    async start() {
      stopped = false;
      timer = setTimeout(run, Math.min(o.intervalMs, 1000));
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
