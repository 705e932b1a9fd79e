// Job workers and the mailbox poller only: `npm run start:worker` (run as many as needed).
import { main } from '../src/lifecycle/runtime.js';

await main({ api: false, worker: true });
