import { twilioEnabled, type Config } from '../../config.js';
import type { ChannelAdapter } from '../types.js';
import { fetchMediaJob } from './fetch-media.job.js';
import { sendSmsJob } from './send-sms.job.js';
import { decideTwilioSms } from './sms-intake.service.js';
import { twilioSmsReply } from './sms-outbound.service.js';
import { normalizeSms, normalizeVoice } from './twilio.normalize.js';
import { twilioRoutes } from './twilio.routes.js';

function twilioStatus(config: Config): string {
  const missing = [
    !config.PUBLIC_BASE_URL && config.TWILIO_WEBHOOK_BASE_URLS.length === 0 && ['false', '', '0'].includes(config.TRUST_PROXY)
      ? 'PUBLIC_BASE_URL is not set, so webhooks answer 503'
      : null,
    !config.TWILIO_FROM_NUMBER ? 'TWILIO_FROM_NUMBER is not set, so replies and acknowledgements are not sent' : null,
  ].filter(Boolean);
  return `on (webhooks at ${config.PUBLIC_BASE_URL ?? '<public URL>'}/webhooks/twilio/sms and /voice)${missing.length ? `; ${missing.join('; ')}` : ''}`;
}

/** Twilio: SMS/MMS and voice (voicemail with transcript) webhooks; SMS out through the REST API. */
export const twilioAdapter: ChannelAdapter = {
  id: 'twilio',
  label: { zh: '短信与电话 (Twilio)', en: 'SMS and voice (Twilio)' },
  channels: ['SMS', 'VOICE'],
  enabled: twilioEnabled,
  describe: (config) =>
    `SMS and voice: ${twilioEnabled(config) ? twilioStatus(config) : 'off (set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN; webhooks answer 503 until then)'}`,
  routes: twilioRoutes,
  normalize: { SMS: normalizeSms, VOICE: normalizeVoice },
  decide: { SMS: decideTwilioSms },
  jobs: [sendSmsJob, fetchMediaJob],
  reply: () => twilioSmsReply,
  sources: ['twilio:sms', 'twilio:voice'],
};
