import type { Db, Tx } from '../db/prisma.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { accessPage } from './sql.js';

// Who saw what: one record each time a tipster's contact is shown unmasked (the tip view for a
// role that may see it, a lookup, an export). Ids only, so the record survives an erasure.

export type AccessPurpose = 'tip.view' | 'tipster.lookup' | 'tipster.export';

export async function recordAccess(db: Tx, e: { userId: string; tipsterId: string; tipId?: string | null; purpose: AccessPurpose; at: Date }) {
  await db.contactAccess.create({ data: { userId: e.userId, tipsterId: e.tipsterId, tipId: e.tipId ?? null, purpose: e.purpose, createdAt: e.at } });
}

/** Called after the tip view showed its tipster's contact unmasked. */
export async function recordTipView(deps: Pick<Deps, 'prisma' | 'clock'>, viewer: AuthUser, tipId: string) {
  const tip = await deps.prisma.tip.findUnique({ where: { id: tipId }, select: { tipsterId: true } });
  if (!tip?.tipsterId) return;
  await recordAccess(deps.prisma, { userId: viewer.id, tipsterId: tip.tipsterId, tipId, purpose: 'tip.view', at: deps.clock.now() });
}

const encode = (c: { c: string; i: string }) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(cursor: string): { c: Date; i: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { c: string; i: string };
    const c = new Date(v.c);
    if (Number.isNaN(c.getTime()) || !/^[0-9a-f-]{36}$/.test(v.i)) throw new Error('bad cursor');
    return { c, i: v.i };
  } catch {
    throw new AppError('VALIDATION', 'Invalid query: cursor', { fields: [{ field: 'cursor', message: 'is not a cursor this API gave out' }] });
  }
}

export async function listAccess(db: Db, q: { limit: number; cursor?: string; tipsterId?: string }) {
  const rows = await accessPage(db, q.limit + 1, q.cursor ? decode(q.cursor) : null, q.tipsterId);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    records: page.map((r) => ({
      id: r.id,
      at: r.createdAt.toISOString(),
      user: { id: r.userId, displayName: r.userName },
      tipsterId: r.tipsterId,
      tip: r.tipId ? { id: r.tipId, reference: r.tipReference } : null,
      purpose: r.purpose,
    })),
    nextCursor: rows.length > q.limit && last ? encode({ c: last.createdAt.toISOString(), i: last.id }) : null,
  };
}
