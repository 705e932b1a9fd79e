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

/** Desk events after an id, oldest first (the live stream's replay and catch-up). */
export function deskEventsAfter(db: Pick<Tx, '$queryRaw'>, afterId: bigint, limit: number) {
  return db.$queryRaw<{ id: bigint; tipId: string; action: string }[]>`
    SELECT id, tip_id::text AS "tipId", action FROM desk_event WHERE id > ${afterId} ORDER BY id LIMIT ${limit}`;
}

export async function lastDeskEventId(db: Pick<Tx, '$queryRaw'>): Promise<bigint> {
  const rows = await db.$queryRaw<{ id: bigint | null }[]>`SELECT max(id) AS id FROM desk_event`;
  return rows[0]?.id ?? 0n;
}

/** The live stream replays at most a browser's absence; a week of events is plenty. */
export function pruneDeskEvents(db: Pick<Tx, '$executeRaw'>, now: Date) {
  return db.$executeRaw`DELETE FROM desk_event WHERE created_at < ${now}::timestamptz - interval '7 days'`;
}

/** The newest dead send job of a thread message (its payload names the message). */
export async function deadSendJobOf(tx: Pick<Tx, '$queryRaw'>, messageId: string): Promise<string | null> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM job
    WHERE state = 'DEAD' AND (payload->>'messageId' = ${messageId} OR payload->>'threadMessageId' = ${messageId})
    ORDER BY created_at DESC LIMIT 1`;
  return rows[0]?.id ?? null;
}
