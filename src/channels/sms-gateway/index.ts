import type { Config } from '../../config.js';
import type { ChannelAdapter } from '../types.js';
import { decideGatewaySms } from './gateway-intake.service.js';
import { gatewaySmsReply } from './gateway-outbound.service.js';
import { normalizeGatewaySms } from './gateway.normalize.js';
import { gatewayRoutes } from './gateway.routes.js';
import { gatewaySendJob } from './send.job.js';
import { GATEWAY_SOURCE, gatewayEnabled, gatewayMissing, silenceMs } from './settings.js';
import { silenceService } from './silence.service.js';

function describe(config: Config): string {
  if (!gatewayEnabled(config)) return `SMS gateway: off (set ${gatewayMissing(config).join(', ')}; /webhooks/sms-gateway answers 503 until then)`;
  const base = (config.PUBLIC_BASE_URL ?? '<public URL>').replace(/\/$/, '');
  return `SMS gateway: on (phone API ${new URL(config.SMS_GATEWAY_URL!).origin}; webhooks at ${base}/webhooks/sms-gateway; silent alarm after ${config.SMS_GATEWAY_SILENCE_MINUTES} min)`;
}

/** The hotline's own SIM in an Android phone running SMS Gateway for Android: SMS in by webhook, out by its REST API. */
export const smsGatewayAdapter: ChannelAdapter = {
  id: 'sms-gateway',
  label: { zh: '热线短信（网关手机）', en: 'Hotline SMS (gateway phone)' },
  channels: ['SMS_GATEWAY'],
  enabled: gatewayEnabled,
  describe,
  routes: gatewayRoutes,
  services: (deps) => [silenceService(deps)],
  normalize: { SMS_GATEWAY: normalizeGatewaySms },
  decide: { SMS_GATEWAY: decideGatewaySms },
  jobs: [gatewaySendJob],
  reply: () => gatewaySmsReply,
  sources: [GATEWAY_SOURCE],
  silence: (config) => ({ [GATEWAY_SOURCE]: silenceMs(config) }),
};
