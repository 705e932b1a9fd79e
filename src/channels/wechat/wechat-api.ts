import type { Deps } from '../../deps.js';
import { lockTokenRefresh, readToken, saveToken } from './sql.js';

// The WeChat server API (api.weixin.qq.com): an access token shared by every process through
// the database, refreshed when WeChat says it is invalid or expired, and JSON calls that turn
// {errcode, errmsg} into WechatApiError.

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com';

/** Invalid credential, expired token, invalid token: get a new token and try once more. */
export const TOKEN_ERRORS = new Set([40001, 42001, 40014]);

export class WechatApiError extends Error {
  constructor(
    readonly code: number,
    readonly errmsg: string,
  ) {
    super(`WeChat API error ${code}: ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

export const apiBase = (deps: Deps) => (deps.config.WECHAT_API_BASE_URL ?? DEFAULT_API_BASE).replace(/\/$/, '');

const REQUEST_MS = 15_000;
/** A token is renewed this long before WeChat says it expires (WeChat itself rotates 5 minutes early). */
const EARLY_MS = 5 * 60_000;

export async function postJson<T extends object>(deps: Deps, path: string, query: Record<string, string>, body: unknown): Promise<T> {
  const url = `${apiBase(deps)}${path}?${new URLSearchParams(query)}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_MS),
  });
  if (!res.ok) throw new Error(`WeChat API ${path} answered HTTP ${res.status}`);
  const json = (await res.json()) as T & { errcode?: number; errmsg?: string };
  if (json.errcode) throw new WechatApiError(json.errcode, json.errmsg ?? '');
  return json;
}

/**
 * The account's access token. A token WeChat just rejected (`rejected`) is never handed out again:
 * the first process to hold the lock asks WeChat for a new one (stable_token, forcing a refresh when
 * the rejected token is still the stored one) and the others read what it stored.
 */
export async function accessToken(deps: Deps, rejected?: string): Promise<string> {
  const appId = deps.config.WECHAT_APP_ID!;
  const usable = (row: { token: string; expiresAt: Date } | null) =>
    row && row.token !== rejected && row.expiresAt.getTime() - EARLY_MS > deps.clock.now().getTime() ? row.token : null;
  const cached = usable(await readToken(deps.prisma, appId));
  if (cached) return cached;
  return deps.prisma.$transaction(
    async (tx) => {
      await lockTokenRefresh(tx, appId);
      const row = await readToken(tx, appId);
      const fresh = usable(row);
      if (fresh) return fresh;
      const got = await postJson<{ access_token: string; expires_in: number }>(
        deps,
        '/cgi-bin/stable_token',
        {},
        {
          grant_type: 'client_credential',
          appid: appId,
          secret: deps.config.WECHAT_APP_SECRET,
          force_refresh: Boolean(rejected && row?.token === rejected),
        },
      );
      if (!got.access_token || !(got.expires_in > 0)) throw new Error('WeChat stable_token answered without a token');
      await saveToken(tx, appId, got.access_token, new Date(deps.clock.now().getTime() + got.expires_in * 1000));
      deps.logger.info({ expiresIn: got.expires_in }, 'WeChat access token refreshed');
      return got.access_token;
    },
    { timeout: REQUEST_MS + 5_000, maxWait: REQUEST_MS },
  );
}

/** Runs a call with the access token; on 40001/42001/40014 gets a new token and runs it once more. */
export async function withToken<T>(deps: Deps, call: (token: string) => Promise<T>): Promise<T> {
  const token = await accessToken(deps);
  try {
    return await call(token);
  } catch (err) {
    if (!(err instanceof WechatApiError) || !TOKEN_ERRORS.has(err.code)) throw err;
    deps.logger.warn({ code: err.code }, 'WeChat rejected the access token; refreshing');
    return call(await accessToken(deps, token));
  }
}
