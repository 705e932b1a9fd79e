import type { Deps } from '../../deps.js';
import type { Channel } from '../../generated/prisma/enums.js';

export type CounterName = 'seen' | 'stored' | 'skipped' | 'duplicates';

interface Pending {
  channel: Channel;
  seen: number;
  stored: number;
  skipped: number;
  duplicates: number;
  lastSuccessAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
}

/**
 * Reconciliation counters for webhook sources (`twilio:sms`, `twilio:voice`) in `intake_source`.
 * Every webhook would otherwise update one hot row inside its transaction and serialize
 * all of them, so counts gather in memory and are added to the row about once a second.
 * A crash loses at most that second of counts, never a submission.
 */
export class IntakeCounters {
  private pending = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly deps: Pick<Deps, 'prisma' | 'logger' | 'clock'>,
    private readonly intervalMs = 1000,
  ) {}

  private entry(id: string, channel: Channel): Pending {
    let e = this.pending.get(id);
    if (!e) {
      e = { channel, seen: 0, stored: 0, skipped: 0, duplicates: 0, lastSuccessAt: null, lastError: null, lastErrorAt: null };
      this.pending.set(id, e);
    }
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
    return e;
  }

  /** A webhook that was accepted: counts it and moves lastSuccessAt. */
  success(id: string, channel: Channel, outcome: 'stored' | 'skipped' | 'duplicates' | null) {
    const e = this.entry(id, channel);
    e.seen++;
    if (outcome) e[outcome]++;
    e.lastSuccessAt = this.deps.clock.now();
  }

  /** A webhook that was refused (bad signature, bad parameters): visible on the intake health page. */
  error(id: string, channel: Channel, message: string) {
    const e = this.entry(id, channel);
    e.lastError = message.slice(0, 1000);
    e.lastErrorAt = this.deps.clock.now();
  }

  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    this.flushing = (async () => {
      for (const [id, e] of batch) {
        try {
          await this.deps.prisma.$executeRaw`
            INSERT INTO intake_source (id, channel, seen, stored, skipped, duplicates, last_success_at, last_error, last_error_at, updated_at)
            VALUES (${id}, ${e.channel}::"Channel", ${e.seen}::int, ${e.stored}::int, ${e.skipped}::int, ${e.duplicates}::int,
                    ${e.lastSuccessAt}::timestamptz, ${e.lastError}, ${e.lastErrorAt}::timestamptz, now())
            ON CONFLICT (id) DO UPDATE SET
              seen = intake_source.seen + EXCLUDED.seen,
              stored = intake_source.stored + EXCLUDED.stored,
              skipped = intake_source.skipped + EXCLUDED.skipped,
              duplicates = intake_source.duplicates + EXCLUDED.duplicates,
              last_success_at = GREATEST(intake_source.last_success_at, EXCLUDED.last_success_at),
              last_error = COALESCE(EXCLUDED.last_error, intake_source.last_error),
              last_error_at = GREATEST(intake_source.last_error_at, EXCLUDED.last_error_at),
              updated_at = now()`;
        } catch (err) {
          this.deps.logger.warn({ source: id, err: (err as Error).message }, 'could not record intake counters');
        }
      }
    })();
    await this.flushing;
    this.flushing = undefined;
  }
}
