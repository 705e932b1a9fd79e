import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import { twilioEnabled } from '../../config.js';
import type { Deps } from '../../deps.js';
import { AppError, zodToAppError } from '../../errors.js';
import type { Channel } from '../../generated/prisma/enums.js';
import { IntakeCounters } from './intake-counters.js';
import { acceptSms, storeWebhookSubmission } from './sms-intake.service.js';
import { smsTwiml } from './sms-replies.js';
import { checkSignature } from './twilio-signature.js';
import { BLOCKED_REASON, isBlocked } from '../../privacy/blocks.js';
import {
  AfterRecordParamsSchema,
  CallStatusParamsSchema,
  FINAL_CALL_STATES,
  RecordingParamsSchema,
  SmsParamsSchema,
  TranscriptionParamsSchema,
  VoiceCallParamsSchema,
} from './twilio.schema.js';
import { afterRecordTwiml, emptyVoiceTwiml, plausiblePhone, recordingOf, voiceGreetingTwiml } from './voice-intake.service.js';

type Source = { id: 'twilio:sms' | 'twilio:voice'; channel: Channel };
const SMS: Source = { id: 'twilio:sms', channel: 'SMS' };
const VOICE: Source = { id: 'twilio:voice', channel: 'VOICE' };

/**
 * Twilio webhooks. Bodies are form-encoded and parsed here; every request must carry a valid
 * X-Twilio-Signature for one of the public URLs we are configured with, else 403 and nothing
 * is stored. Answers are TwiML.
 */
export function twilioRoutes(deps: Deps): Router {
  const { config, logger } = deps;
  const counters = new IntakeCounters(deps);
  const r = Router();
  r.use(express.urlencoded({ extended: false, limit: config.REQUEST_BODY_LIMIT, parameterLimit: 500 }));

  r.use((req, _res, next) => {
    if (!twilioEnabled(config)) {
      throw new AppError('UNAVAILABLE', 'SMS and voice intake is off: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to turn it on');
    }
    const proxied = ![false, 0, undefined].includes(req.app.get('trust proxy'));
    if (!config.PUBLIC_BASE_URL && config.TWILIO_WEBHOOK_BASE_URLS.length === 0 && !proxied) {
      throw new AppError('UNAVAILABLE', 'SMS and voice intake needs PUBLIC_BASE_URL (the public URL Twilio calls) to check webhook signatures');
    }
    next();
  });

  const signed = (source: Source) => (req: Request, res: Response, next: NextFunction) => {
    const check = checkSignature(config, req);
    if (!check.ok) {
      const route = routeLabel(req);
      // The URLs tried go to the log only (they show what a proxy or Messaging Service must be
      // set to, and hold no tipster data); the caller, who may be anyone, learns nothing of them.
      logger.warn(
        { route, reason: check.reason, checkedUrls: check.checked },
        `Twilio signature ${check.reason}: checked against ${check.checked.join(' , ')}`,
      );
      counters.error(source.id, source.channel, `signature ${check.reason} on ${route}; the URLs checked are in the log (warn)`);
      deps.metrics.webhooks.inc({ route, outcome: 'forbidden' });
      throw new AppError('FORBIDDEN', `Twilio signature ${check.reason === 'missing' ? 'is missing' : 'does not match'}`);
    }
    res.locals.hooksBase = `${check.base}${req.baseUrl}`;
    next();
  };

  const params = <S extends z.ZodType>(source: Source, schema: S, req: Request): z.infer<S> => {
    const parsed = schema.safeParse(req.body ?? {});
    if (parsed.success) return parsed.data;
    const err = zodToAppError(parsed.error, 'Twilio parameters');
    counters.error(source.id, source.channel, `${routeLabel(req)}: ${err.message}`);
    deps.metrics.webhooks.inc({ route: routeLabel(req), outcome: 'invalid' });
    throw err;
  };

  const twiml = (res: Response, xml: string) => res.type('text/xml').send(xml);

  r.post('/sms', signed(SMS), async (req, res) => {
    const p = params(SMS, SmsParamsSchema, req);
    const result = await acceptSms(deps, p, { ...req.body }, req.get('I-Twilio-Idempotency-Token') ?? undefined);
    counters.success(SMS.id, SMS.channel, result.outcome);
    deps.metrics.webhooks.inc({ route: '/sms', outcome: result.outcome });
    logger.info({ submission: result.submissionId, outcome: result.outcome, reply: result.reply.kind, media: p.NumMedia }, 'SMS webhook');
    twiml(res, smsTwiml(config, result.reply));
  });

  /** Stores one voice callback as a submission (idempotent on its key) and counts it. */
  const storeVoice = async (req: Request, externalId: string, opts: { sender?: string | null; anchor?: boolean; reason?: string } = {}) => {
    const stored = await storeWebhookSubmission(deps, {
      channel: 'VOICE',
      externalId,
      params: { ...req.body },
      sender: opts.sender ?? null,
      ...(opts.anchor ? { state: 'SKIPPED' as const, lastError: opts.reason ?? 'call answered; its callbacks carry the message' } : {}),
    });
    const outcome = stored.created ? 'stored' : 'duplicates';
    counters.success(VOICE.id, VOICE.channel, outcome);
    deps.metrics.webhooks.inc({ route: routeLabel(req), outcome });
    logger.info({ submission: stored.id, key: externalId.split(':')[0], outcome }, 'voice webhook');
    return stored;
  };

  r.post('/voice', signed(VOICE), async (req, res) => {
    const p = params(VOICE, VoiceCallParamsSchema, req);
    const from = plausiblePhone(p.From);
    // A blocked caller is recorded and hung up on: empty TwiML, no greeting, no recording.
    const blocked = await isBlocked(deps.prisma, from);
    // The anchor remembers the caller's number for callbacks that do not carry it.
    await storeVoice(req, `call:${p.CallSid}`, { sender: from, anchor: true, ...(blocked ? { reason: BLOCKED_REASON } : {}) });
    twiml(res, blocked ? emptyVoiceTwiml() : voiceGreetingTwiml(config, res.locals.hooksBase as string));
  });

  r.post('/voice/after-record', signed(VOICE), async (req, res) => {
    const p = params(VOICE, AfterRecordParamsSchema, req);
    await storeVoice(req, `end:${p.CallSid}`, { sender: plausiblePhone(p.From) });
    twiml(res, afterRecordTwiml(Boolean(recordingOf(req.body as Record<string, string>))));
  });

  r.post('/call-status', signed(VOICE), async (req, res) => {
    const p = params(VOICE, CallStatusParamsSchema, req);
    // Only the end of a call matters: without a recording by then it was a missed call.
    if (FINAL_CALL_STATES.has(p.CallStatus)) await storeVoice(req, `end:${p.CallSid}`, { sender: plausiblePhone(p.From) });
    else counters.success(VOICE.id, VOICE.channel, null);
    twiml(res, emptyVoiceTwiml());
  });

  r.post('/recording', signed(VOICE), async (req, res) => {
    const p = params(VOICE, RecordingParamsSchema, req);
    await storeVoice(req, `rec:${p.RecordingSid}`);
    twiml(res, emptyVoiceTwiml());
  });

  r.post('/transcription', signed(VOICE), async (req, res) => {
    const p = params(VOICE, TranscriptionParamsSchema, req);
    await storeVoice(req, `tr:${p.TranscriptionSid}`, { sender: plausiblePhone(p.From) });
    twiml(res, emptyVoiceTwiml());
  });

  // Anything else under /webhooks/twilio: counted under one label, then the app's 404.
  r.use((_req, _res, next) => {
    deps.metrics.webhooks.inc({ route: 'unmatched', outcome: 'not_found' });
    next();
  });

  return r;
}

/**
 * The metric label of a request: the pattern of the route that matched (a fixed set), never the
 * raw path, which the caller chooses (/SMS, /Sms/, ... would each make a new series).
 */
function routeLabel(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && ROUTES.has(path) ? path : 'unmatched';
}
const ROUTES = new Set(['/sms', '/voice', '/voice/after-record', '/call-status', '/recording', '/transcription']);
