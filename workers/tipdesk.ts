// One process with the HTTP API and all workers: `npm start`.
import { main } from '../src/lifecycle/runtime.js';

await main({ api: true, worker: true });
