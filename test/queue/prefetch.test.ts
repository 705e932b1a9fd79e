import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { Prefetch } from '../../src/queue/prefetch.js';

function finish(p: Prefetch, clock: ManualClock, jobs: number, ms: number) {
  for (let i = 0; i < jobs; i++) p.finishedOne();
  clock.advance(ms);
  p.measure();
}

describe('the default prefetch', () => {
  it('starts at 4 × concurrency and grows to about a second of work, at most 1,000, for quick jobs', () => {
    const clock = new ManualClock();
    const p = new Prefetch(4, clock);
    p.measure(); // the first claim
    expect(p.size).toBe(16);
    finish(p, clock, 20, 10); // 2,000 jobs/s
    expect(p.size).toBe(1000);
  });

  it('stays at 4 × concurrency for slow jobs, and comes back down when the work slows', () => {
    const clock = new ManualClock();
    const p = new Prefetch(4, clock);
    p.measure();
    finish(p, clock, 2, 200); // 10 jobs/s: a second's worth is fewer than the floor
    expect(p.size).toBe(16);
    finish(p, clock, 300, 1000);
    expect(p.size).toBeGreaterThan(16);
    for (let i = 0; i < 10; i++) finish(p, clock, 0, 1000);
    expect(p.size).toBe(16);
  });

  it('is the configured number when one is given', () => {
    const clock = new ManualClock();
    const p = new Prefetch(4, clock, 7);
    finish(p, clock, 1000, 100);
    expect(p.size).toBe(7);
  });
});
