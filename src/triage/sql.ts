import type { Tx } from '../db/prisma.js';
import type { TipStatus } from './triage.schema.js';

// The triage statements Prisma cannot say: row locks in a fixed order.

export interface LockedTip {
  id: string;
  status: TipStatus;
  assignee_id: string | null;
  version: number;
  reference: string;
  category: string | null;
  priority: string;
  title: string | null;
  tipster_id: string | null;
  search_text: string;
}

export async function lockTips(tx: Tx, ids: string[]): Promise<LockedTip[]> {
  // Locks in id order so two merges of the same pair cannot deadlock.
  return tx.$queryRaw<LockedTip[]>`
    SELECT id::text, status::text, assignee_id::text, version, reference, category::text, priority::text, title, tipster_id::text, search_text
    FROM tip WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
}
