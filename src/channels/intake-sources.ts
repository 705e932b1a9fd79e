import type { Channel } from '../generated/prisma/enums.js';
import type { Db } from '../db/prisma.js';
import type { RawSql } from '../db/raw-tx.js';
import { NORMALIZE_EMAIL_BATCH_JOB, NORMALIZE_JOB } from '../queue/kinds.js';

// Reconciliation per intake source (a mailbox, a Twilio webhook): how many items it saw and
// what became of them, when it last worked, what last went wrong. A silent stall shows up
// here as an old lastSuccessAt or a growing backlog, not as tips that quietly stop coming.

export type SourceCounter = 'seen' | 'stored' | 'skipped' | 'duplicates' | 'quarantined';

export interface SourceUpdate {
  counts?: Partial<Record<SourceCounter, number>>;
  lastPollAt?: Date;
  lastSuccessAt?: Date;
  lastError?: string;
  lastErrorAt?: Date;
  /** Items waiting at the source (null when unknown). */
  pending?: number | null;
}

/** Adds to a source's counters (creating its row) in the caller's transaction or on its own. */
export async function recordSource(db: RawSql, id: string, channel: Channel, u: SourceUpdate): Promise<void> {
  const c = u.counts ?? {};
  const lastError = u.lastError === undefined ? null : u.lastError.slice(0, 1000);
  const lastErrorAt = u.lastError === undefined ? null : (u.lastErrorAt ?? new Date());
  await db.$executeRaw`
    INSERT INTO intake_source (id, channel, seen, stored, skipped, duplicates, quarantined, last_poll_at, last_success_at, last_error, last_error_at, pending, updated_at)
    VALUES (${id}, ${channel}::"Channel", ${c.seen ?? 0}::int, ${c.stored ?? 0}::int, ${c.skipped ?? 0}::int, ${c.duplicates ?? 0}::int, ${c.quarantined ?? 0}::int,
            ${u.lastPollAt ?? null}::timestamptz, ${u.lastSuccessAt ?? null}::timestamptz, ${lastError}, ${lastErrorAt}::timestamptz,
            ${u.pending ?? null}::int, now())
    ON CONFLICT (id) DO UPDATE SET
      seen = intake_source.seen + EXCLUDED.seen,
      stored = intake_source.stored + EXCLUDED.stored,
      skipped = intake_source.skipped + EXCLUDED.skipped,
      duplicates = intake_source.duplicates + EXCLUDED.duplicates,
      quarantined = intake_source.quarantined + EXCLUDED.quarantined,
      last_poll_at = GREATEST(intake_source.last_poll_at, EXCLUDED.last_poll_at),
      last_success_at = GREATEST(intake_source.last_success_at, EXCLUDED.last_success_at),
      last_error = COALESCE(EXCLUDED.last_error, intake_source.last_error),
      last_error_at = GREATEST(intake_source.last_error_at, EXCLUDED.last_error_at),
      pending = CASE WHEN ${u.pending !== undefined}::boolean THEN EXCLUDED.pending ELSE intake_source.pending END,
      updated_at = now()`;
}

export interface ChannelHealth {
  id: string;
  channel: Channel;
  seen: number;
  stored: number;
  skipped: number;
  duplicates: number;
  quarantined: number;
  lastPollAt: Date | null;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  /** ok | failing (the last error is newer than the last success) | stale (a poller that has not polled lately, a phone silent too long) */
  status: 'ok' | 'failing' | 'stale' | 'unknown';
  backlog: {
    /** Messages waiting in the mailbox above the cursor, as last seen by the poller (null when unknown). */
    atSource: number | null;
    /** Submissions of this channel waiting for normalization. */
    waiting: number;
    /** Of those, waiting longer than a minute. */
    stalled: number;
  };
}

export interface IntakeHealth {
  channels: ChannelHealth[];
  quarantined: number;
  backlog: { normalizeJobs: number; waitingSubmissions: number; stalledSubmissions: number };
  submissions: Record<string, Record<string, number>>;
}

/**
 * Everything GET /api/intake/health shows; `staleAfterMs` says when a poller counts as silent,
 * `silentAfterMs` when a source that must keep speaking (the hotline phone's pings) does.
 */
export async function intakeHealth(db: Db, now: Date, staleAfterMs: number, silentAfterMs: Record<string, number> = {}): Promise<IntakeHealth> {
  const [sources, states, waiting, jobs] = await Promise.all([
    db.intakeSource.findMany({ orderBy: { id: 'asc' } }),
    db.$queryRaw<
      { channel: Channel; state: string; n: bigint }[]
    >`SELECT channel, state::text, count(*) AS n FROM submission GROUP BY channel, state`,
    db.$queryRaw<{ channel: Channel; waiting: bigint; stalled: bigint }[]>`
      SELECT channel, count(*) AS waiting, count(*) FILTER (WHERE received_at < ${now}::timestamptz - interval '1 minute') AS stalled
      FROM submission WHERE state = 'RECEIVED' GROUP BY channel`,
    db.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM job WHERE kind = ANY(${[NORMALIZE_JOB, NORMALIZE_EMAIL_BATCH_JOB]}::text[]) AND state IN ('QUEUED', 'RUNNING')`,
  ]);
  const submissions: Record<string, Record<string, number>> = {};
  let quarantined = 0;
  for (const r of states) {
    (submissions[r.channel] ??= {})[r.state] = Number(r.n);
    if (r.state === 'QUARANTINED') quarantined += Number(r.n);
  }
  const waitingBy = new Map(waiting.map((w) => [w.channel, { waiting: Number(w.waiting), stalled: Number(w.stalled) }]));
  const channels: ChannelHealth[] = sources.map((s) => {
    const w = waitingBy.get(s.channel) ?? { waiting: 0, stalled: 0 };
    let status: ChannelHealth['status'] = s.lastSuccessAt ? 'ok' : 'unknown';
    const silentMs = silentAfterMs[s.id];
    if (silentMs !== undefined && s.lastSuccessAt && now.getTime() - s.lastSuccessAt.getTime() > silentMs) status = 'stale';
    else if (s.lastErrorAt && (!s.lastSuccessAt || s.lastErrorAt > s.lastSuccessAt)) status = 'failing';
    else if (s.lastPollAt && now.getTime() - s.lastPollAt.getTime() > staleAfterMs) status = 'stale';
    return {
      id: s.id,
      channel: s.channel,
      seen: s.seen,
      stored: s.stored,
      skipped: s.skipped,
      duplicates: s.duplicates,
      quarantined: s.quarantined,
      lastPollAt: s.lastPollAt,
      lastSuccessAt: s.lastSuccessAt,
      lastError: s.lastError,
      lastErrorAt: s.lastErrorAt,
      status,
      backlog: { atSource: s.pending, ...w },
    };
  });
  const sum = (k: 'waiting' | 'stalled') => [...waitingBy.values()].reduce((a, w) => a + w[k], 0);
  return {
    channels,
    quarantined,
    backlog: { normalizeJobs: Number(jobs[0]?.n ?? 0), waitingSubmissions: sum('waiting'), stalledSubmissions: sum('stalled') },
    submissions,
  };
}
