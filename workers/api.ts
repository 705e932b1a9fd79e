// HTTP API and webhooks only: `npm run start:api` (run several behind a load balancer).
import { main } from '../src/lifecycle/runtime.js';

await main({ api: true, worker: false });
