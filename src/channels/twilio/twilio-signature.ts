import type { Request } from 'express';
import twilio from 'twilio';
import type { Config } from '../../config.js';

/** A public base URL together with the full URL Twilio would have signed for this request. */
export interface Candidate {
  base: string;
  url: string;
}

const trim = (u: string) => u.replace(/\/+$/, '');

/**
 * The URLs Twilio may have signed: the configured public base (plus any configured
 * alternatives, e.g. a Messaging Service's webhook host) followed by the path and query
 * as received, and, only behind a trusted proxy, the scheme and host the proxy forwarded.
 */
export function candidateUrls(config: Config, req: Request): Candidate[] {
  const out: Candidate[] = [];
  const add = (base: string) => {
    const b = trim(base);
    if (!out.some((c) => c.base === b)) out.push({ base: b, url: `${b}${req.originalUrl}` });
  };
  if (config.PUBLIC_BASE_URL) add(config.PUBLIC_BASE_URL);
  for (const b of config.TWILIO_WEBHOOK_BASE_URLS) add(b);
  // Express resolves X-Forwarded-Proto/Host into req.protocol/req.host only for trusted hops (TRUST_PROXY).
  const trust = req.app.get('trust proxy') as unknown;
  if (trust !== false && trust !== 0 && trust !== undefined && req.host) add(`${req.protocol}://${req.host}`);
  return out;
}

export type SignatureCheck = { ok: true; base: string } | { ok: false; reason: 'missing' | 'mismatch'; checked: string[] };

export function checkSignature(config: Config, req: Request): SignatureCheck {
  const candidates = candidateUrls(config, req);
  const signature = req.get('X-Twilio-Signature');
  const checked = candidates.map((c) => c.url);
  if (!signature) return { ok: false, reason: 'missing', checked };
  const params = (req.body ?? {}) as Record<string, unknown>;
  const hit = candidates.find((c) => twilio.validateRequest(config.TWILIO_AUTH_TOKEN!, signature, c.url, params));
  return hit ? { ok: true, base: hit.base } : { ok: false, reason: 'mismatch', checked };
}
