import type { Service } from '../../lifecycle/service.js';
import type { Deps } from '../../deps.js';
import { ImapWorker } from './imap-worker.js';

/** The mailbox poller as a background service of a worker process (only when IMAP_* is set). */
export function emailIntakeService(deps: Deps): Service {
  const worker = new ImapWorker({ deps });
  return { name: 'email intake', start: () => worker.start(), stop: () => worker.stop() };
}
