import express, { Router } from 'express';
import type { ZodError } from 'zod';
import type { Deps } from '../../deps.js';
import { AppError, zodToAppError } from '../../errors.js';
import { IntakeCounters } from '../twilio/intake-counters.js';
import { acceptReceived } from './gateway-intake.service.js';
import { checkGatewaySignature } from './gateway-signature.js';
import { EnvelopeSchema, ReceivedPayloadSchema, STATUS_EVENTS, StatusPayloadSchema } from './gateway.schema.js';
import { phoneTime } from './phone-time.js';
import { GATEWAY_SOURCE, gatewayEnabled, gatewayMissing } from './settings.js';
import { moveDelivery } from './sql.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * POST /webhooks/sms-gateway: every event the hotline phone sends (sms:received, sms:sent,
 * sms:delivered, sms:failed, system:ping). The body is read raw because the signature covers
 * its exact bytes; a missing, wrong or stale signature is 403 and nothing is stored. Every
 * accepted event counts as the phone speaking (intake health's "last spoke").
 */
export function gatewayRoutes(deps: Deps): Router {
  const { config, logger } = deps;
  // The counters are generic (one intake_source row, flushed about once a second).
  const counters = new IntakeCounters(deps);
  const r = Router();

  r.use((_req, _res, next) => {
    if (!gatewayEnabled(config))
      throw new AppError('UNAVAILABLE', `SMS gateway intake is off: set ${gatewayMissing(config).join(', ')} to turn it on`);
    next();
  });

  r.post('/', express.raw({ type: () => true, limit: config.REQUEST_BODY_LIMIT }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const check = checkGatewaySignature(
      config.SMS_GATEWAY_SIGNING_KEY!,
      raw,
      { signature: req.get('x-signature'), timestamp: req.get('x-timestamp') },
      deps.clock.now(),
    );
    if (!check.ok) {
      logger.warn({ reason: check.reason }, `SMS gateway webhook refused: ${check.message}`);
      counters.error(GATEWAY_SOURCE, 'SMS_GATEWAY', `webhook refused: ${check.message}`);
      deps.metrics.webhooks.inc({ route: '/sms-gateway', outcome: 'forbidden' });
      throw new AppError('FORBIDDEN', `SMS gateway signature refused: ${check.message}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new AppError('VALIDATION', 'SMS gateway webhook body is not JSON');
    }
    const parse = <T>(r: { success: true; data: T } | { success: false; error: ZodError }, what: string): T => {
      if (r.success) return r.data;
      const err = zodToAppError(r.error, what);
      counters.error(GATEWAY_SOURCE, 'SMS_GATEWAY', err.message);
      deps.metrics.webhooks.inc({ route: '/sms-gateway', outcome: 'invalid' });
      throw err;
    };
    const ev = parse(EnvelopeSchema.safeParse(body), 'SMS gateway event');

    if (ev.event === 'sms:received') {
      const p = parse(ReceivedPayloadSchema.safeParse(ev.payload), 'sms:received payload');
      const result = await acceptReceived(deps, ev, p, body);
      counters.success(GATEWAY_SOURCE, 'SMS_GATEWAY', result.outcome);
      deps.metrics.webhooks.inc({ route: '/sms-gateway', outcome: result.outcome });
      logger.info({ event: ev.id, submission: result.submissionId, outcome: result.outcome }, 'SMS gateway: SMS received');
    } else if (ev.event in STATUS_EVENTS) {
      const move = STATUS_EVENTS[ev.event as keyof typeof STATUS_EVENTS];
      const p = parse(StatusPayloadSchema.safeParse(ev.payload), `${ev.event} payload`);
      const at = phoneTime(p.deliveredAt ?? p.sentAt ?? p.failedAt, config.TIMEZONE) ?? deps.clock.now();
      // Our messages carry our own id; keyword answers (ctl-…) and texts typed on the phone have no row.
      const n = UUID.test(p.messageId) ? await moveDelivery(deps.prisma, p.messageId, move, { at, reason: p.reason ?? p.error ?? null }) : 0;
      counters.success(GATEWAY_SOURCE, 'SMS_GATEWAY', null);
      deps.metrics.webhooks.inc({ route: '/sms-gateway', outcome: 'status' });
      logger.info({ event: ev.id, type: ev.event, message: p.messageId, updated: n }, 'SMS gateway: delivery report');
    } else {
      // system:ping, and events we do not act on (MMS, data SMS): the phone spoke, that is all.
      counters.success(GATEWAY_SOURCE, 'SMS_GATEWAY', null);
      deps.metrics.webhooks.inc({ route: '/sms-gateway', outcome: ev.event === 'system:ping' ? 'ping' : 'ignored' });
      logger.debug({ event: ev.id, type: ev.event }, 'SMS gateway event');
    }
    res.json({ ok: true });
  });
  return r;
}
