import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTwilioClient } from '../../src/deps.js';
import { queueSmsReply } from '../../src/channels/twilio/sms-outbound.service.js';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { Worker } from '../../src/queue/worker.js';
import { startTwilioFake, type TwilioFake } from '../../soak/twilio-fake.js';
import { tipBuilder } from '../support/builders.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, phone, twilioEnv } from '../twilio/twilio-support.js';

// Found by the soak: a worker killed right after Twilio accepted a voicemail acknowledgement
// left the job to run again, and the caller got the SMS twice. A retry now asks Twilio first.

let h: Harness;
let fake: TwilioFake;
let worker: Worker<unknown>;

beforeAll(async () => {
  fake = await startTwilioFake(ACCOUNT_SID, AUTH_TOKEN);
  h = await createHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: fake.base }) });
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = new Worker({
    prisma: h.deps.prisma,
    databaseUrl: h.deps.databaseUrl,
    deps: h.deps,
    definitions: allJobs,
    logger: h.deps.logger,
    pollSeconds: 1,
    backoffBaseSeconds: 0.2,
  });
});
afterAll(async () => {
  await worker?.stop();
  await h?.close();
  await fake?.close();
});

/** An ack whose send-sms job already had one attempt (that attempt's fate unknown to the database). */
async function ackRetried(to: string) {
  const tip = await tipBuilder(h.deps, { phone: to });
  const body = `已收到您的语音留言，编号 ${tip.reference}。补充情况可直接回复短信。`;
  const msg = await h.deps.prisma.$transaction((tx) => queueSmsReply(tx, { tipId: tip.id, to, body, kind: 'ack' }));
  await h.deps.prisma.job.updateMany({ where: { uniqueKey: `send-sms:${msg.id}` }, data: { attempts: 1 } });
  return { msg, body };
}

it('a retry of a send Twilio had already accepted records that message instead of sending again', async () => {
  const to = phone();
  const { msg, body } = await ackRetried(to);
  const earlier = fake.accepted(to, FROM_NUMBER, body);
  await worker.start();
  const sent = await waitFor(
    () => h.deps.prisma.message.findFirst({ where: { id: msg.id, deliveryState: 'SENT' } }),
    20_000,
    'the ack to be recorded',
  );
  expect(sent.externalId).toBe(earlier.sid);
  expect(fake.sent.filter((s) => s.to === to)).toHaveLength(1);
  expect(fake.counts.listRequests).toBeGreaterThanOrEqual(1);
});

it('a retry of a send that never reached Twilio sends it, once', async () => {
  const to = phone();
  const { msg, body } = await ackRetried(to);
  // Another text to the same number with a different body is not mistaken for it.
  fake.accepted(to, FROM_NUMBER, '您好，记者明天联系您。');
  const sent = await waitFor(() => h.deps.prisma.message.findFirst({ where: { id: msg.id, deliveryState: 'SENT' } }), 20_000, 'the ack to be sent');
  const toThem = fake.sent.filter((s) => s.to === to && s.body === body);
  expect(toThem).toHaveLength(1);
  expect(sent.externalId).toBe(toThem[0].sid);
});
