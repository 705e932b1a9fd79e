import type { Tx } from '../db/prisma.js';
import { insertAudit } from './sql.js';

/**
 * Writes the audit row of a change; call it with the transaction that makes the change. A change
 * to a tip is also a desk event (the live stream's log) announced by NOTIFY, delivered on commit.
 */
export async function audit(
  tx: Tx,
  e: { tipId: string | null; actorId: string | null; action: string; before?: object | null; after?: object | null; at: Date },
) {
  await insertAudit(tx, e);
}
