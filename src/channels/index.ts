import type { Channel } from '../generated/prisma/enums.js';
import { emailAdapter } from './email/index.js';
import { smsGatewayAdapter } from './sms-gateway/index.js';
import type { ChannelAdapter } from './types.js';
import { twilioAdapter } from './twilio/index.js';
import { wechatAdapter } from './wechat/index.js';
import { webAdapter } from './web/index.js';

// The channel registry: adding a channel is one folder and one line here.
export const channelAdapters: readonly ChannelAdapter[] = [emailAdapter, twilioAdapter, smsGatewayAdapter, wechatAdapter, webAdapter];

/** The adapter that owns a database channel (normalizes its submissions, answers its tips). */
export function adapterFor(channel: Channel): ChannelAdapter | undefined {
  return channelAdapters.find((a) => a.channels.includes(channel));
}
