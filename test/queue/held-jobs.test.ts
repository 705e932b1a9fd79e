import { describe, expect, it } from 'vitest';
import { HeldJobs } from '../../src/queue/held-jobs.js';
import type { ClaimedRow } from '../../src/queue/sql.js';

// The order in which a worker starts the jobs it has claimed, without a database: priority first,
// kinds at their cap parked so the jobs behind them start, and stale jobs taken out for hand-back.
const job = (id: string, kind: string, priority = 0): ClaimedRow => ({ id, kind, payload: {}, attempts: 1, max_attempts: 5, priority, keyed: false });
const ids = (h: HeldJobs, atCap: (k: string) => boolean = () => false) => {
  const out: string[] = [];
  for (let n = h.next(atCap); n; n = h.next(atCap)) out.push(n.job.id);
  return out;
};

describe('HeldJobs', () => {
  it('starts a later batch of higher priority before the jobs already held', () => {
    const h = new HeldJobs();
    h.add([job('read-1', 'tip.read'), job('read-2', 'tip.read')], 0);
    h.add([job('intake-1', 'normalize-submission', 10), job('intake-2', 'normalize-submission', 10)], 5);
    expect(h.size).toBe(4);
    expect(ids(h)).toEqual(['intake-1', 'intake-2', 'read-1', 'read-2']);
    expect(h.size).toBe(0);
  });

  it('parks a kind at its cap, starts what is behind it, and brings the parked back first once there is room', () => {
    const h = new HeldJobs();
    h.add([job('a1', 'tip.read', 5), job('a2', 'tip.read', 5), job('b1', 'send-sms', 1)], 0);
    let readsAtCap = true;
    const atCap = (k: string) => k === 'tip.read' && readsAtCap;
    expect(h.next(atCap)?.job.id).toBe('b1');
    expect(h.isParked('tip.read')).toBe(true);
    expect(h.isParked('send-sms')).toBe(false);
    expect(h.next(atCap)).toBeUndefined();
    readsAtCap = false;
    h.add([job('c1', 'send-sms', 1)], 1);
    // The parked reads rank above the new send: they start first, in the order they were held.
    expect(ids(h, atCap)).toEqual(['a1', 'a2', 'c1']);
    expect(h.isParked('tip.read')).toBe(false);
  });

  it('takes out the jobs held or parked too long, and keeps the rest in order', () => {
    const h = new HeldJobs();
    h.add([job('old-read', 'tip.read'), job('old-send', 'send-sms')], 0);
    expect(h.next((k) => k === 'tip.read')?.job.id).toBe('old-send');
    h.add([job('new-send', 'send-sms')], 50_000);
    expect(h.takeStale(70_000, 20_000).sort()).toEqual(['old-read']);
    expect(h.isParked('tip.read')).toBe(false);
    expect(ids(h)).toEqual(['new-send']);
  });

  it('gives back everything, held and parked, on stop', () => {
    const h = new HeldJobs();
    h.add([job('r', 'tip.read'), job('s', 'send-sms'), job('t', 'send-sms')], 0);
    expect(h.next((k) => k === 'tip.read')?.job.id).toBe('s');
    expect(h.takeAll().sort()).toEqual(['r', 't']);
    expect(h.size).toBe(0);
    expect(h.next(() => false)).toBeUndefined();
  });
});
