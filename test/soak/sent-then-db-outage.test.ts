import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createTwilioClient } from '../../src/deps.js';
import { queueSmsReply } from '../../src/channels/twilio/sms-outbound.service.js';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { Worker } from '../../src/queue/worker.js';
import { tipBuilder } from '../support/builders.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { ACCOUNT_SID, phone, twilioEnv } from '../twilio/twilio-support.js';

// Found by the soak: Twilio accepted an acknowledgement, then PostgreSQL went away before the
// job could record it; the job failed, ran again and the caller got the same SMS twice.

let h: Harness;
let server: Server;
let worker: Worker<unknown>;
const posts: string[] = [];

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      posts.push(Buffer.concat(chunks).toString());
      // The database becomes unreachable for the worker just as Twilio accepts the first send.
      if (posts.length === 1) await outage();
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid: `SM${'ab'.repeat(16)}`, account_sid: ACCOUNT_SID, status: 'queued' }));
    });
  });
  const outage = async () => {
    await admin(`ALTER DATABASE ${h.db.name} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${h.db.name}'`);
    setTimeout(() => void admin(`ALTER DATABASE ${h.db.name} ALLOW_CONNECTIONS true`), 2000);
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  h = await createHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: base }) });
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = new Worker({
    prisma: h.deps.prisma,
    databaseUrl: h.deps.databaseUrl,
    deps: h.deps,
    definitions: allJobs,
    logger: h.deps.logger,
    pollSeconds: 1,
    backoffBaseSeconds: 0.2,
    leaseSeconds: 5,
    maintenanceSeconds: 1,
  });
});
afterAll(async () => {
  await worker?.stop();
  await admin(`ALTER DATABASE ${h.db.name} ALLOW_CONNECTIONS true`).catch(() => {});
  await h?.close();
  await new Promise<void>((r) => server.close(() => r()));
});

it('an SMS Twilio accepted is recorded once the database is back, and not sent again', async () => {
  const to = phone();
  const tip = await tipBuilder(h.deps, { phone: to });
  const msg = await h.deps.prisma.$transaction((tx) =>
    queueSmsReply(tx, { tipId: tip.id, to, body: `已收到您的语音留言，编号 ${tip.reference}。`, kind: 'ack' }),
  );
  await worker.start();
  await waitFor(
    () => h.deps.prisma.message.findFirst({ where: { id: msg.id, deliveryState: 'SENT' } }),
    30_000,
    'the message to be recorded as sent',
  );
  // Long enough for a lost lease to be recovered and the job to run again, had it failed.
  await new Promise((r) => setTimeout(r, 7000));
  expect(posts).toHaveLength(1);
  expect(h.logs.text).toContain('sent, but could not record it yet');
});
