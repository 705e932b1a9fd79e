import type { Deps } from '../../deps.js';
import { PermanentJobError } from '../../errors.js';
import type { JobDefinition } from '../../queue/job.js';
import { recordAfterSend } from '../../messaging/after-send.js';
import { jobPayloads, SEND_SMS_JOB } from '../../queue/kinds.js';
import { scrubContacts } from '../../contacts.js';

// Twilio's error for a recipient who replied STOP (its own opt-out list).
const TWILIO_UNSUBSCRIBED = 21610;

/**
 * Sends one OUTBOUND SMS Message through the Twilio REST client and records the outcome
 * on the message (SENT + Twilio SID, FAILED, or SUPPRESSED with the reason). An opted-out
 * number is never sent to. A send that Twilio accepted is not repeated.
 */
export const sendSmsJob: JobDefinition<typeof SEND_SMS_JOB, Deps> = {
  id: SEND_SMS_JOB,
  payload: jobPayloads[SEND_SMS_JOB],
  maxAttempts: 6,
  async handler(deps, { messageId }, ctx) {
    const m = await deps.prisma.message.findUnique({
      where: { id: messageId },
      select: { deliveryState: true, toAddress: true, body: true, direction: true, channel: true, createdAt: true },
    });
    if (!m) throw new PermanentJobError(`message ${messageId} does not exist`);
    if (m.direction !== 'OUTBOUND' || m.channel !== 'SMS' || !m.toAddress) throw new PermanentJobError(`message ${messageId} is not an outbound SMS`);
    if (m.deliveryState === 'SENT' || m.deliveryState === 'SUPPRESSED') return;
    const mark = (data: {
      deliveryState?: 'SENT' | 'FAILED' | 'SUPPRESSED' | 'QUEUED';
      deliveryError?: string | null;
      deliveryErrorCode?: string | null;
      externalId?: string;
      sentAt?: Date;
    }) => deps.prisma.message.update({ where: { id: messageId }, data });

    const tipster = await deps.prisma.tipster.findUnique({ where: { phone: m.toAddress }, select: { smsOptOut: true, optOutAt: true } });
    if (tipster?.smsOptOut) {
      const when = tipster.optOutAt ? ` on ${tipster.optOutAt.toISOString()}` : '';
      await mark({ deliveryState: 'SUPPRESSED', deliveryError: `not sent: the recipient opted out of SMS (STOP)${when}` });
      deps.logger.info({ message: messageId }, 'outbound SMS suppressed: recipient opted out');
      return;
    }
    if (!deps.twilio || !deps.config.TWILIO_FROM_NUMBER) {
      // Not a failure of this message: the channel is off. Recorded as suppressed with the reason, not a dead job.
      await mark({
        deliveryState: 'SUPPRESSED',
        deliveryError: 'not sent: SMS sending is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)',
      });
      deps.logger.info({ message: messageId }, 'outbound SMS suppressed: SMS sending is not configured');
      return;
    }
    // An earlier attempt may have been cut off after Twilio accepted the message (the worker was
    // killed, the answer was lost): ask Twilio before sending it a second time.
    if (ctx.attempt > 1) {
      const earlier = await sentEarlier(deps, messageId, { to: m.toAddress, body: m.body, createdAt: m.createdAt });
      if (earlier) {
        await recordAfterSend(
          () => mark({ deliveryState: 'SENT', externalId: earlier.sid, sentAt: earlier.at, deliveryError: null, deliveryErrorCode: null }),
          {
            logger: deps.logger,
            what: { message: messageId, sid: earlier.sid },
            signal: ctx.signal,
          },
        );
        deps.logger.info({ message: messageId, sid: earlier.sid }, 'outbound SMS was already sent by an earlier attempt; not sending again');
        return;
      }
    }
    let sid: string;
    try {
      const sent = await deps.twilio.messages.create({ from: deps.config.TWILIO_FROM_NUMBER, to: m.toAddress, body: m.body });
      sid = sent.sid;
    } catch (err) {
      const e = err as { status?: number; code?: number; message?: string };
      // Twilio's message can quote the number ("The 'To' number +86139... is not valid"): stored
      // and raised as the code plus the text with contacts scrubbed.
      const reason = `${e.code ? `Twilio error ${e.code}: ` : ''}${scrubContacts(e.message ?? String(err))}`.slice(0, 500);
      const deliveryErrorCode = e.code ? String(e.code) : e.status ? `HTTP ${e.status}` : null;
      if (e.code === TWILIO_UNSUBSCRIBED) {
        // Twilio knows of an opt-out we missed (e.g. STOP sent before this service existed): remember it.
        await deps.prisma.tipster.updateMany({ where: { phone: m.toAddress }, data: { smsOptOut: true, optOutAt: deps.clock.now() } });
        await mark({ deliveryState: 'SUPPRESSED', deliveryErrorCode, deliveryError: `not sent: the recipient opted out of SMS (${reason})` });
        return;
      }
      // 4xx (bad number, not a mobile, ...) will not get better by retrying; 429, 5xx and network errors may.
      const permanent = typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.status !== 429;
      const last = permanent || ctx.attempt >= ctx.maxAttempts;
      await mark({
        deliveryState: last ? 'FAILED' : 'QUEUED',
        deliveryError: last ? reason : `attempt ${ctx.attempt} failed, will retry: ${reason}`,
        deliveryErrorCode,
      });
      if (permanent) throw new PermanentJobError(reason);
      // Not the caught error, nor as its cause: its message quotes the number.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(reason);
    }
    await recordAfterSend(
      () => mark({ deliveryState: 'SENT', externalId: sid, sentAt: deps.clock.now(), deliveryError: null, deliveryErrorCode: null }),
      {
        logger: deps.logger,
        what: { message: messageId, sid },
        signal: ctx.signal,
      },
    );
    deps.logger.info({ message: messageId, sid }, 'outbound SMS sent');
  },
};

/**
 * The message Twilio already has from us to this number with this text, created since the
 * message was queued (found by the soak: a worker killed right after Twilio accepted an
 * acknowledgement sent it twice). If Twilio cannot be asked, sending again is the lesser evil.
 */
async function sentEarlier(
  deps: Deps,
  messageId: string,
  m: { to: string; body: string; createdAt: Date },
): Promise<{ sid: string; at: Date } | null> {
  try {
    const recent = await deps.twilio!.messages.list({ to: m.to, from: deps.config.TWILIO_FROM_NUMBER, limit: 50 });
    const since = m.createdAt.getTime() - 60_000;
    const hit = recent.find((x) => (x.body ?? '').trim() === m.body.trim() && (!x.dateCreated || x.dateCreated.getTime() >= since));
    return hit ? { sid: hit.sid, at: hit.dateCreated ?? deps.clock.now() } : null;
  } catch (err) {
    deps.logger.warn({ message: messageId, err: (err as Error).message }, 'could not ask Twilio whether an earlier attempt sent this SMS; sending');
    return null;
  }
}
