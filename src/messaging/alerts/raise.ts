import type { Tx } from '../../db/prisma.js';
import { enqueue } from '../../queue/enqueue.js';

export type AlertKind = 'urgent' | 'sla' | 'channel';

/**
 * Records an alert once per key and queues its sending, in the caller's transaction. A second
 * raise with the same key (the same urgent tip, the same silence) does nothing. The text must
 * carry no tipster contact and no message text: references, sections, ages and links only.
 */
export async function raiseAlert(tx: Tx, a: { key: string; kind: AlertKind; tipId?: string | null; title: string; text: string }): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO alert (key, kind, tip_id, title, text) VALUES (${a.key}, ${a.kind}, ${a.tipId ?? null}::uuid, ${a.title}, ${a.text})
    ON CONFLICT (key) DO NOTHING RETURNING id::text`;
  if (!rows[0]) return false;
  await enqueue(tx, 'send-alert', { alertId: rows[0].id }, { uniqueKey: `alert:${rows[0].id}`, maxAttempts: 6 });
  return true;
}
