import type { Config } from '../../config.js';
import type { ChannelAdapter } from '../types.js';
import { normalizeWeb } from './web.normalize.js';
import { SOURCE, webRoutes } from './web.routes.js';

function describeWeb(config: Config): string {
  const at = `${config.PUBLIC_BASE_URL ?? '<public URL>'}/tip`;
  const origins = config.WEB_FORM_ORIGINS.length ? `other sites: ${config.WEB_FORM_ORIGINS.join(', ')}` : 'no other site may post (WEB_FORM_ORIGINS)';
  return `Web tip form: on (${at}; ${config.WEB_FORM_RATE_LIMIT_PER_HOUR}/hour per address; challenge ${config.WEB_FORM_CHALLENGE ? 'on' : 'off'}; ${origins})`;
}

/**
 * The public tip form (报料页) and the tipster's status page: always on (it needs no provider).
 * Its tips are answered on the contact the tipster left (src/messaging/reply.ts), so it has no reply sender.
 */
export const webAdapter: ChannelAdapter = {
  id: 'web',
  label: { zh: '网页报料', en: 'Web form' },
  channels: ['WEB'],
  enabled: () => true,
  describe: describeWeb,
  routes: webRoutes,
  mount: '/',
  intakePaths: ['/tip', '/api/public'],
  normalize: { WEB: normalizeWeb },
  sources: [SOURCE],
};
