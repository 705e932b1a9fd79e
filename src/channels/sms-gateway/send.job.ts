import type { Deps } from '../../deps.js';
import { PermanentJobError } from '../../errors.js';
import { recordAfterSend } from '../../messaging/after-send.js';
import { jobPayloads, SMS_GATEWAY_SEND_JOB, type JobPayload } from '../../queue/kinds.js';
import type { JobContext, JobDefinition } from '../../queue/job.js';
import { gatewayClient, gatewayErrorText, GatewayHttpError, type GatewayClient, type MessageState } from './gateway-client.js';
import { gatewayReplyText } from './gateway.replies.js';
import { gatewayEnabled, gatewayMissing } from './settings.js';
import { moveDelivery, type DeliveryMove } from './sql.js';

export type GatewaySendPayload = JobPayload<typeof SMS_GATEWAY_SEND_JOB>;

/** What the gateway says of a message, as a move of our delivery state. */
export function moveOf(state: MessageState): { move: DeliveryMove; reason: string | null } {
  const reason = state.recipients?.find((r) => r.error)?.error ?? null;
  switch (state.state) {
    case 'Sent':
      return { move: 'sent', reason };
    case 'Delivered':
      return { move: 'delivered', reason };
    case 'Failed':
      return { move: 'failed', reason };
    default:
      return { move: 'accepted', reason };
  }
}

interface Outgoing {
  /** The id the gateway gets (client-chosen): our Message id, or ctl-<submission> for a keyword answer. */
  gatewayId: string;
  to: string;
  text: string;
  /** Recorded on a thread message (null for keyword answers, which are only logged). */
  messageId: string | null;
}

/**
 * Sends one SMS through the hotline phone. The gateway gets our own id for it, so a retry
 * after a crash between "the gateway accepted" and "we recorded it" asks the gateway
 * (GET /message/{id}) before sending again: no double sends. Network errors and 5xx retry with
 * the queue's backoff; the last attempt, or a 4xx refusal, leaves the message FAILED.
 */
export const gatewaySendJob: JobDefinition<typeof SMS_GATEWAY_SEND_JOB, Deps> = {
  id: SMS_GATEWAY_SEND_JOB,
  payload: jobPayloads[SMS_GATEWAY_SEND_JOB],
  maxAttempts: 6,
  async handler(deps, p, ctx) {
    const out = 'messageId' in p ? await threadMessage(deps, p.messageId) : await keywordAnswer(deps, p.submissionId, p.reply);
    if (!out) return;
    const mark = (data: { deliveryState?: 'FAILED' | 'QUEUED' | 'SUPPRESSED'; deliveryError: string | null }) =>
      out.messageId ? deps.prisma.message.updateMany({ where: { id: out.messageId, deliveryState: 'QUEUED' }, data }) : Promise.resolve();
    if (!gatewayEnabled(deps.config)) {
      const why = `SMS gateway sending is not configured (${gatewayMissing(deps.config).join(', ')})`;
      await mark({ deliveryState: 'FAILED', deliveryError: why });
      throw new PermanentJobError(why);
    }
    const client = gatewayClient(deps.config);
    if (ctx.attempt > 1) {
      const earlier = await askEarlier(deps, client, out.gatewayId);
      if (earlier) {
        await record(deps, out, earlier, ctx);
        deps.logger.info(
          { message: out.messageId, gatewayId: out.gatewayId },
          'gateway SMS was already accepted by an earlier attempt; not sending again',
        );
        return;
      }
    }
    let state: MessageState;
    try {
      state = await client.send(
        { id: out.gatewayId, message: out.text, phoneNumbers: [out.to], withDeliveryReport: true },
        { skipPhoneValidation: true },
      );
    } catch (err) {
      const reason = gatewayErrorText(err);
      const status = err instanceof GatewayHttpError ? err.status : undefined;
      // 400/401/403/404…: a bad number or wrong credentials will not get better by retrying.
      const permanent = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
      const last = permanent || ctx.attempt >= ctx.maxAttempts;
      await mark({
        deliveryState: last ? 'FAILED' : 'QUEUED',
        deliveryError: last ? reason : `attempt ${ctx.attempt} failed, will retry: ${reason}`,
      });
      deps.logger.warn({ message: out.messageId, gatewayId: out.gatewayId, attempt: ctx.attempt, status, last }, 'gateway SMS send failed');
      if (permanent) throw new PermanentJobError(reason);
      throw err;
    }
    await record(deps, out, state, ctx);
    deps.logger.info({ message: out.messageId, gatewayId: out.gatewayId, state: state.state }, 'gateway SMS accepted');
  },
};

async function threadMessage(deps: Deps, messageId: string): Promise<Outgoing | null> {
  const m = await deps.prisma.message.findUnique({
    where: { id: messageId },
    select: { deliveryState: true, toAddress: true, body: true, direction: true, channel: true, externalId: true },
  });
  if (!m) throw new PermanentJobError(`message ${messageId} does not exist`);
  if (m.direction !== 'OUTBOUND' || m.channel !== 'SMS_GATEWAY' || !m.toAddress)
    throw new PermanentJobError(`message ${messageId} is not an outbound gateway SMS`);
  // Accepted already (its id recorded, or a report moved it on): nothing to do.
  if (m.deliveryState !== 'QUEUED' || m.externalId) return null;
  const tipster = await deps.prisma.tipster.findUnique({ where: { phone: m.toAddress }, select: { smsOptOut: true, optOutAt: true } });
  if (tipster?.smsOptOut) {
    const when = tipster.optOutAt ? ` on ${tipster.optOutAt.toISOString()}` : '';
    await deps.prisma.message.update({
      where: { id: messageId },
      data: { deliveryState: 'SUPPRESSED', deliveryError: `not sent: the recipient opted out of SMS (STOP/退订)${when}` },
    });
    deps.logger.info({ message: messageId }, 'gateway SMS suppressed: recipient opted out');
    return null;
  }
  return { gatewayId: messageId, to: m.toAddress, text: m.body, messageId };
}

async function keywordAnswer(deps: Deps, submissionId: string, reply: 'help' | 'stop' | 'start'): Promise<Outgoing | null> {
  const sub = await deps.prisma.submission.findUnique({ where: { id: submissionId }, select: { sender: true } });
  if (!sub?.sender) throw new PermanentJobError(`submission ${submissionId} has no sender to answer`);
  // The STOP confirmation is the one text an opted-out number still gets: it answers their own message.
  return { gatewayId: `ctl-${submissionId}`, to: sub.sender, text: gatewayReplyText(deps.config, { kind: reply }), messageId: null };
}

/** The gateway's state of a message we may have sent before; null when it has none (404) or cannot say. */
async function askEarlier(deps: Deps, client: GatewayClient, gatewayId: string): Promise<MessageState | null> {
  try {
    return await client.getState(gatewayId);
  } catch (err) {
    if (!(err instanceof GatewayHttpError && err.status === 404)) {
      deps.logger.warn({ gatewayId, err: gatewayErrorText(err) }, 'could not ask the gateway whether an earlier attempt sent this SMS; sending');
    }
    return null;
  }
}

/** The record that keeps a retry from sending again: written with patience (see recordAfterSend). */
async function record(deps: Deps, out: Outgoing, state: MessageState, ctx: JobContext) {
  if (!out.messageId) return;
  const messageId = out.messageId;
  const { move, reason } = moveOf(state);
  await recordAfterSend(
    async () => {
      await moveDelivery(deps.prisma, messageId, 'accepted', { externalId: state.id ?? out.gatewayId });
      if (move !== 'accepted') await moveDelivery(deps.prisma, messageId, move, { at: deps.clock.now(), reason });
    },
    { logger: deps.logger, what: { message: messageId, gatewayId: out.gatewayId }, signal: ctx.signal },
  );
}
