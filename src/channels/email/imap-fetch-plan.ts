import type { FetchMessageObject } from 'imapflow';

// Pure planning of what to fetch from the mailbox and how: no IMAP, no database.

/** One message to fetch, from its UID FETCH metadata; size -1 when the server had none (it is gone). */
export interface Planned {
  uid: number;
  size: number;
  internalDate: string | null;
  flags: string[];
}

export interface PlanLimits {
  /** Messages up to this size are fetched many to one FETCH; larger ones are streamed one by one. */
  smallMessageBytes: number;
  batchBytes: number;
  batchMessages: number;
}

/** "1:3,7,9:12" from sorted UIDs: one short command however many messages. */
export function sequenceSet(uids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length;) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j] + 1) j++;
    parts.push(i === j ? String(uids[i]) : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The messages of a slice of UIDs, in the slice's order, from what FETCH returned for them. */
export function plannedItems(uids: number[], metas: Pick<FetchMessageObject, 'uid' | 'size' | 'internalDate' | 'flags'>[]): Planned[] {
  const byUid = new Map(metas.map((m) => [m.uid, m]));
  return uids.map((uid) => {
    const m = byUid.get(uid);
    const date = m?.internalDate;
    return { uid, size: m?.size ?? -1, internalDate: date ? new Date(date).toISOString() : null, flags: m ? [...(m.flags ?? [])] : [] };
  });
}

/** Small messages go many to a FETCH; large, suspect (failed before) or vanished ones alone. */
export function planBatches(items: Planned[], limits: PlanLimits, failures: (uid: number) => number): Planned[][] {
  const batches: Planned[][] = [];
  let cur: Planned[] = [];
  let bytes = 0;
  const flush = () => {
    if (cur.length) batches.push(cur);
    cur = [];
    bytes = 0;
  };
  for (const it of items) {
    const small = it.size >= 0 && it.size <= limits.smallMessageBytes && failures(it.uid) === 0;
    if (!small) {
      flush();
      batches.push([it]);
      continue;
    }
    if (cur.length >= limits.batchMessages || bytes + it.size > limits.batchBytes) flush();
    cur.push(it);
    bytes += it.size;
  }
  flush();
  return batches;
}

/**
 * How a message that is a batch of its own is fetched: not at all when it is gone or the server
 * failed too often sending it, headers only when it is over the size limit, streamed when it is
 * large or failed before, else like a batch (one FETCH of the whole message).
 */
export type SingleFetch = 'gone' | 'poison' | 'headers' | 'stream' | 'batch';

export function singleFetch(
  it: Planned,
  tries: number,
  o: { maxFetchAttempts: number; smallMessageBytes: number; maxMessageBytes: number },
): SingleFetch {
  if (it.size < 0) return 'gone';
  if (tries >= o.maxFetchAttempts) return 'poison';
  if (it.size > o.maxMessageBytes) return 'headers';
  if (it.size > o.smallMessageBytes || tries > 0) return 'stream';
  return 'batch';
}

/** Downloads that killed the connection, per message (UIDVALIDITY and UID), for this process's lifetime. */
export class FetchFailures {
  private readonly counts = new Map<string, number>();

  get(uidValidity: bigint, uid: number): number {
    return this.counts.get(`${uidValidity}:${uid}`) ?? 0;
  }

  add(uidValidity: bigint, uids: number[]): void {
    for (const uid of uids) this.counts.set(`${uidValidity}:${uid}`, this.get(uidValidity, uid) + 1);
  }

  clear(uidValidity: bigint, uids: number[]): void {
    for (const uid of uids) this.counts.delete(`${uidValidity}:${uid}`);
  }
}
