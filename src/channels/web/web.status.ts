import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Tx } from '../../db/prisma.js';
import type { TipStatus } from '../../generated/prisma/enums.js';
import { tipByStatusKey } from './sql.js';

// The tipster's private status link /tip/status/<key>. The key is 256 random bits, or, when the
// client sent an Idempotency-Key, an HMAC of that key (so a retried post can answer with the
// same link without the key ever being stored). Only its SHA-256 is kept; it has nothing to do
// with the reference code, so knowing a reference opens nothing.

export type PublicStatus = 'received' | 'following' | 'published' | 'not-used';

export const PUBLIC_STATUS_LABEL: Record<PublicStatus, { zh: string; en: string }> = {
  received: { zh: '收到', en: 'Received' },
  following: { zh: '跟进中', en: 'Being followed up' },
  published: { zh: '已见报', en: 'Published' },
  'not-used': { zh: '未采用', en: 'Not used' },
};

/** What a tipster may know of a tip's state: never who has it or why. */
export function publicStatus(status: TipStatus): PublicStatus {
  switch (status) {
    case 'NEW':
    case 'TRIAGED':
    case 'MERGED': // only when the survivor could not be found
      return 'received';
    case 'ASSIGNED':
    case 'CLAIMED':
    case 'IN_PROGRESS':
      return 'following';
    case 'PUBLISHED':
      return 'published';
    case 'DISMISSED':
      return 'not-used';
  }
}

export const newStatusKey = () => randomBytes(32).toString('base64url');
export const statusKeyFromIdempotencyKey = (idempotencyKey: string) =>
  createHmac('sha256', idempotencyKey).update('tipdesk web status link v1').digest('base64url');
export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Keys look like base64url; anything else is refused before touching the database. */
export const plausibleKey = (key: string | undefined): key is string => Boolean(key && /^[A-Za-z0-9_-]{32,64}$/.test(key));

export interface StatusView {
  tipId: string;
  reference: string;
  receivedAt: Date;
  status: PublicStatus;
}

export async function statusByKey(db: Tx, key: string | undefined): Promise<StatusView | null> {
  if (!plausibleKey(key)) return null;
  const row = await tipByStatusKey(db, hashKey(key));
  if (!row) return null;
  return {
    tipId: row.tipId,
    reference: row.reference,
    receivedAt: row.createdAt,
    status: publicStatus((row.survivorStatus ?? row.status) as TipStatus),
  };
}
