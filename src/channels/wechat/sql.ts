import type { Db, Tx } from '../../db/prisma.js';

// Raw SQL of the WeChat adapter, where Prisma cannot say it (advisory locks, one-round-trip reads).

/** Namespace for the access-token refresh lock (second key: hashtext(app id)). */
const TOKEN_LOCK = 4105;

export async function lockTokenRefresh(tx: Tx, appId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${TOKEN_LOCK}::int, hashtext(${appId}))`;
}

export async function readToken(db: Db | Tx, appId: string): Promise<{ token: string; expiresAt: Date } | null> {
  const rows = await db.$queryRaw<{ token: string; expiresAt: Date }[]>`
    SELECT token, expires_at AS "expiresAt" FROM wechat_access_token WHERE app_id = ${appId}`;
  return rows[0] ?? null;
}

export async function saveToken(tx: Tx, appId: string, token: string, expiresAt: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO wechat_access_token (app_id, token, expires_at, updated_at) VALUES (${appId}, ${token}, ${expiresAt}::timestamptz, now())
    ON CONFLICT (app_id) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at, updated_at = now()`;
}

/**
 * When this OpenID last wrote to the account (any push but an unsubscribe), and whether their
 * newest push is an unsubscribe: WeChat's customer-service window is 48 hours from the last message.
 */
export async function lastContact(db: Db | Tx, openId: string): Promise<{ lastAt: Date | null; unsubscribed: boolean }> {
  const rows = await db.$queryRaw<{ lastAt: Date | null; unsubscribed: boolean | null }[]>`
    SELECT max(received_at) FILTER (WHERE coalesce(params->>'Event', '') <> 'unsubscribe') AS "lastAt",
      (array_agg(coalesce(params->>'Event', '') = 'unsubscribe' ORDER BY received_at DESC))[1] AS unsubscribed
    FROM submission WHERE channel = 'WECHAT' AND sender = ${openId}`;
  return { lastAt: rows[0]?.lastAt ?? null, unsubscribed: Boolean(rows[0]?.unsubscribed) };
}

/** The OpenID behind a tip (its tipster's), looked up here so callers need not select it. */
export async function openIdOfTip(db: Db | Tx, tipId: string): Promise<string | null> {
  const rows = await db.$queryRaw<{ openId: string | null }[]>`
    SELECT ts.wechat_open_id AS "openId" FROM tip t JOIN tipster ts ON ts.id = t.tipster_id WHERE t.id = ${tipId}::uuid`;
  return rows[0]?.openId ?? null;
}
