import type { Deps } from '../../deps.js';
import type { Channel } from '../../generated/prisma/enums.js';
import { recordSource } from '../intake-sources.js';

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
          await recordSource(this.deps.prisma, id, e.channel, {
            counts: { seen: e.seen, stored: e.stored, skipped: e.skipped, duplicates: e.duplicates },
            ...(e.lastSuccessAt ? { lastSuccessAt: e.lastSuccessAt } : {}),
            ...(e.lastError ? { lastError: e.lastError, lastErrorAt: e.lastErrorAt ?? undefined } : {}),
          });
        } catch (err) {
          this.deps.logger.warn({ source: id, err: (err as Error).message }, 'could not record intake counters');
        }
      }
    })();
    await this.flushing;
    this.flushing = undefined;
  }
}
