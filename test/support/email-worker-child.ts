// The email worker in a process of its own, configured from the environment (as
// workers/worker.ts is), for tests that kill it and for the benchmark that measures its memory.
//   EMAIL_CHILD_JOBS=1           also run the job workers (normalization, acknowledgements)
//   EMAIL_CHILD_CRASH_AFTER_STORE=1  die with SIGKILL right after the first message is stored,
//                                before it is flagged: a crash at the worst moment
import { loadConfig } from '../../src/config.js';
import { closeDeps, createDeps } from '../../src/deps.js';
import { ImapWorker } from '../../src/channels/email/imap-worker.js';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { Worker } from '../../src/queue/worker.js';

const config = loadConfig(process.env);
if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
const deps = createDeps(config, config.DATABASE_URL, { mailer: null, twilio: null });
const crash = process.env.EMAIL_CHILD_CRASH_AFTER_STORE === '1';
const imap = new ImapWorker({
  deps,
  backoffBaseMs: 200,
  backoffCapMs: 2000,
  standbyMs: 300,
  hooks: crash ? { afterStore: () => void process.kill(process.pid, 'SIGKILL') } : undefined,
});
const jobs =
  process.env.EMAIL_CHILD_JOBS === '1'
    ? new Worker({
        prisma: deps.prisma,
        databaseUrl: deps.databaseUrl,
        deps,
        definitions: allJobs,
        logger: deps.logger,
        pollSeconds: 1,
        concurrency: config.WORKER_CONCURRENCY,
      })
    : null;
await jobs?.start();
await imap.start();
process.stdout.write('ready\n');

const stop = async () => {
  await imap.stop();
  await jobs?.stop();
  await closeDeps(deps);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
