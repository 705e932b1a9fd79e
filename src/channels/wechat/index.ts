import { wechatEnabled, type Config } from '../../config.js';
import type { ChannelAdapter } from '../types.js';
import { fetchWechatMediaJob } from './fetch-wechat-media.job.js';
import { sendWechatJob } from './send-wechat.job.js';
import { decideWechatPush } from './wechat-intake.service.js';
import { wechatReply } from './wechat-outbound.service.js';
import { normalizeWechat } from './wechat.normalize.js';
import { SOURCE, wechatRoutes } from './wechat.routes.js';

function wechatStatus(config: Config): string {
  const mode = config.WECHAT_ENCODING_AES_KEY
    ? 'plaintext, compatible and safe mode'
    : 'plaintext mode only; set WECHAT_ENCODING_AES_KEY for safe mode';
  return `on (server URL ${config.PUBLIC_BASE_URL ?? '<public URL>'}/webhooks/wechat; ${mode})`;
}

/** WeChat Official Account (公众号): message push with passive replies; replies through the customer-service API. */
export const wechatAdapter: ChannelAdapter = {
  id: 'wechat',
  label: { zh: '微信公众号', en: 'WeChat Official Account' },
  channels: ['WECHAT'],
  enabled: wechatEnabled,
  describe: (config) =>
    `WeChat intake: ${wechatEnabled(config) ? wechatStatus(config) : 'off (set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET; /webhooks/wechat answers 503 until then)'}`,
  routes: wechatRoutes,
  normalize: { WECHAT: normalizeWechat },
  decide: { WECHAT: decideWechatPush },
  jobs: [sendWechatJob, fetchWechatMediaJob],
  reply: () => wechatReply,
  sources: [SOURCE],
};
