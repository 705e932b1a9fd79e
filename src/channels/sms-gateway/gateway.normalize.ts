import { parseKeyword } from '../../tips/keywords.js';
import { decidedTarget, landRouted, pendingAckOf, routeByContact } from '../../tips/routing.js';
import { findOrCreateTipster } from '../../tips/threading.js';
import { claimSubmission, markProcessed } from '../submissions.js';
import type { Normalizer } from '../types.js';
import type { GatewayMeta } from './gateway-intake.service.js';
import { normalizePhone } from './gateway.replies.js';
import { storedReceived } from './gateway.schema.js';

// The phone's clock is trusted for the thread's time only within reason: a webhook the app
// retried for hours shows when the SMS really came; a phone set to the wrong year does not.
const PHONE_TIME_BEFORE_MS = 3 * 86_400_000;
const PHONE_TIME_AFTER_MS = 5 * 60_000;

/** A stored sms:received, decided (normalize.job's decideFirst) → the first message of its tip with its reference, or a follow-up in a thread. */
export const normalizeGatewaySms: Normalizer = async (deps, sub) => {
  const p = storedReceived(sub.params).payload;
  const phone = normalizePhone(p.phoneNumber);
  const meta = (sub.meta ?? {}) as Partial<GatewayMeta>;
  const phoneAt = meta.phoneReceivedAt ? new Date(meta.phoneReceivedAt) : null;
  const receivedAt =
    phoneAt &&
    phoneAt.getTime() >= sub.receivedAt.getTime() - PHONE_TIME_BEFORE_MS &&
    phoneAt.getTime() <= sub.receivedAt.getTime() + PHONE_TIME_AFTER_MS
      ? phoneAt
      : sub.receivedAt;
  await deps.prisma.$transaction(
    async (tx) => {
      const claimed = await claimSubmission(tx, sub.id);
      if (!claimed) return;
      const kw = parseKeyword(p.message);
      let d = await decidedTarget(tx, claimed, meta);
      let tipsterId: string;
      if (!d) {
        // The tip its decision joins was never made (its opener quarantined): decide again among the tips that exist.
        const t = await routeByContact(tx, deps, {
          channel: 'SMS_GATEWAY',
          contact: { kind: 'phone', value: phone },
          body: p.message,
          keyword: kw.keyword,
          rest: kw.rest,
          ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
        });
        d = { route: t.route, tipId: t.tipId, reference: null };
        tipsterId = t.tipsterId;
      } else {
        tipsterId = (await findOrCreateTipster(tx, { phone }))!.id;
      }
      const body = (d.route === 'new' && kw.keyword === 'new' ? kw.rest : p.message).trim();
      const common = { channel: 'SMS_GATEWAY' as const, body, tipsterId, submissionId: sub.id, receivedAt, externalId: sub.externalId };
      // The acknowledgement the webhook decided on goes out with the tip's message (it needs the tip).
      const { tipId: target } = await landRouted(tx, d, { ...common, timeZone: deps.config.TIMEZONE }, pendingAckOf(sub));
      await markProcessed(tx, sub.id, target);
    },
    { timeout: 15_000 },
  );
};
