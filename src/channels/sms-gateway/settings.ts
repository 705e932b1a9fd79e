import type { Config } from '../../config.js';

/** The intake_source id under which the phone's webhooks are counted and its silence watched. */
export const GATEWAY_SOURCE = 'sms-gateway';

const REQUIRED = ['SMS_GATEWAY_URL', 'SMS_GATEWAY_USERNAME', 'SMS_GATEWAY_PASSWORD', 'SMS_GATEWAY_SIGNING_KEY'] as const;

/** Settings still missing; the channel is on when none are. */
export const gatewayMissing = (c: Config): string[] => REQUIRED.filter((k) => !c[k]);
export const gatewayEnabled = (c: Config): boolean => gatewayMissing(c).length === 0;

export const silenceMs = (c: Config): number => c.SMS_GATEWAY_SILENCE_MINUTES * 60_000;
