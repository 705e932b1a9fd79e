import { z } from 'zod';
import type { Deps } from '../deps.js';
import { PermanentJobError } from '../errors.js';
import type { JobDefinition } from '../queue/queue.service.js';
import { recordAfterSend } from './after-send.js';
import { SEND_SMS_JOB } from './names.js';

export const SendSmsPayloadSchema = z.object({ messageId: z.string().uuid() });
export type SendSmsPayload = z.infer<typeof SendSmsPayloadSchema>;

// Twilio's error for a recipient who replied STOP (its own opt-out list).
const TWILIO_UNSUBSCRIBED = 21610;

/**
 * Sends one OUTBOUND SMS Message through the Twilio REST client and records the outcome
 * on the message (SENT + Twilio SID, FAILED, or SUPPRESSED with the reason). An opted-out
 * number is never sent to. A send that Twilio accepted is not repeated.
 */
export const sendSmsJob: JobDefinition<SendSmsPayload, Deps> = {
  id: SEND_SMS_JOB,
  payload: SendSmsPayloadSchema,
  maxAttempts: 6,
  async handler(deps, { messageId }, ctx) {
    const m = await deps.prisma.message.findUnique({ where: { id: messageId }, select: { deliveryState: true, toAddress: true, body: true, direction: true, channel: true } });
    if (!m) throw new PermanentJobError(`message ${messageId} does not exist`);
    if (m.direction !== 'OUTBOUND' || m.channel !== 'SMS' || !m.toAddress) throw new PermanentJobError(`message ${messageId} is not an outbound SMS`);
    if (m.deliveryState === 'SENT' || m.deliveryState === 'SUPPRESSED') return;
    const mark = (data: { deliveryState?: 'SENT' | 'FAILED' | 'SUPPRESSED' | 'QUEUED'; deliveryError?: string | null; externalId?: string; sentAt?: Date }) =>
      deps.prisma.message.update({ where: { id: messageId }, data });

    const tipster = await deps.prisma.tipster.findUnique({ where: { phone: m.toAddress }, select: { smsOptOut: true, optOutAt: true } });
    if (tipster?.smsOptOut) {
      const when = tipster.optOutAt ? ` on ${tipster.optOutAt.toISOString()}` : '';
      await mark({ deliveryState: 'SUPPRESSED', deliveryError: `not sent: the recipient opted out of SMS (STOP)${when}` });
      deps.logger.info({ message: messageId }, 'outbound SMS suppressed: recipient opted out');
      return;
    }
    if (!deps.twilio || !deps.config.TWILIO_FROM_NUMBER) {
      await mark({ deliveryState: 'FAILED', deliveryError: 'SMS sending is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)' });
      throw new PermanentJobError('SMS sending is not configured');
    }
    let sid: string;
    try {
      const sent = await deps.twilio.messages.create({ from: deps.config.TWILIO_FROM_NUMBER, to: m.toAddress, body: m.body });
      sid = sent.sid;
    } catch (err) {
      const e = err as { status?: number; code?: number; message?: string };
      const reason = `${e.code ? `Twilio error ${e.code}: ` : ''}${e.message ?? String(err)}`.slice(0, 500);
      if (e.code === TWILIO_UNSUBSCRIBED) {
        // Twilio knows of an opt-out we missed (e.g. STOP sent before this service existed): remember it.
        await deps.prisma.tipster.updateMany({ where: { phone: m.toAddress }, data: { smsOptOut: true, optOutAt: deps.clock.now() } });
        await mark({ deliveryState: 'SUPPRESSED', deliveryError: `not sent: the recipient opted out of SMS (${reason})` });
        return;
      }
      // 4xx (bad number, not a mobile, ...) will not get better by retrying; 429, 5xx and network errors may.
      const permanent = typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.status !== 429;
      const last = permanent || ctx.attempt >= ctx.maxAttempts;
      await mark({ deliveryState: last ? 'FAILED' : 'QUEUED', deliveryError: last ? reason : `attempt ${ctx.attempt} failed, will retry: ${reason}` });
      if (permanent) throw new PermanentJobError(reason);
      throw err;
    }
    await recordAfterSend(() => mark({ deliveryState: 'SENT', externalId: sid, sentAt: deps.clock.now(), deliveryError: null }), {
      logger: deps.logger,
      what: { message: messageId, sid },
      signal: ctx.signal,
    });
    deps.logger.info({ message: messageId, sid }, 'outbound SMS sent');
  },
};
