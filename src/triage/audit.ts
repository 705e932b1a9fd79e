import { Prisma, type Tx } from '../db/prisma.js';

/** Writes the audit row of a change; call it with the transaction that makes the change. */
export async function audit(
  tx: Tx,
  e: { tipId: string | null; actorId: string | null; action: string; before?: object | null; after?: object | null; at: Date },
) {
  await tx.auditEvent.create({
    data: {
      tipId: e.tipId,
      actorId: e.actorId,
      action: e.action,
      before: (e.before ?? Prisma.JsonNull) as Prisma.InputJsonValue,
      after: (e.after ?? Prisma.JsonNull) as Prisma.InputJsonValue,
      createdAt: e.at,
    },
  });
}
