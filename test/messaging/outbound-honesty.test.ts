import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { Worker } from '../../src/queue/worker.js';
import { tipBuilder } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { deskHarness, type Desk } from '../triage/helpers.js';

// A channel that is not configured is not a failure of the message: a reply on it is recorded
// as SUPPRESSED with the reason, and no dead job is left for an admin to chase.
describe('outbound on an unconfigured channel', () => {
  let d: Desk;
  let worker: Worker<Desk['h']['deps']>;
  beforeAll(async () => {
    d = await deskHarness();
    worker = new Worker({
      prisma: d.h.deps.prisma,
      databaseUrl: d.h.deps.databaseUrl,
      deps: d.h.deps,
      definitions: allJobs,
      logger: d.h.deps.logger,
      pollSeconds: 1,
    });
    await worker.start();
  });
  afterAll(async () => {
    await worker.stop();
    await d.close();
  });

  for (const [channel, contact] of [
    ['EMAIL', { email: 'li.ming@example.cn' }],
    ['SMS', { phone: '+8613900000001' }],
  ] as const) {
    it(`${channel}: the reply shows SUPPRESSED with the reason, the reply box said so, no dead job`, async () => {
      const tip = await tipBuilder(d.h.deps, { channel, ...contact, body: '楼道灯坏了一个星期' });
      const before = await d.api.get(`/api/tips/${tip.id}`, d.s.editor.auth);
      expect(before.body.tip.reply).toMatchObject({ channel, ok: true, reason: channel === 'EMAIL' ? 'email_off' : 'sms_off' });
      const res = await d.api.post(`/api/tips/${tip.id}/reply`, d.s.editor.auth, { body: '您好，我们已安排记者联系物业。' });
      expect(res.status).toBe(201);
      const id = res.body.message.id as string;
      const m = await waitFor(() => d.h.deps.prisma.message.findFirst({ where: { id, deliveryState: 'SUPPRESSED' } }), 15_000);
      expect(m.deliveryError).toMatch(/not configured/);
      const dead = await d.api.get('/api/jobs?state=DEAD', d.s.admin.auth);
      expect(dead.body.jobs).toEqual([]);
    });
  }
});
