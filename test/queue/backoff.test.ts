import { describe, expect, it } from 'vitest';
import { backoffSeconds } from '../../src/queue/backoff.js';

describe('backoffSeconds', () => {
  it('spreads backoff with jitter in the upper half and caps it', () => {
    expect(backoffSeconds(1, 5, 3600, () => 0)).toBe(2.5);
    expect(backoffSeconds(1, 5, 3600, () => 1)).toBe(5);
    expect(backoffSeconds(4, 5, 3600, () => 0.5)).toBe(30);
    expect(backoffSeconds(30, 5, 3600, () => 1)).toBe(3600);
  });

  it('doubles with each attempt until the cap', () => {
    const upper = (attempt: number) => backoffSeconds(attempt, 5, 3600, () => 1);
    expect([1, 2, 3, 4, 5].map(upper)).toEqual([5, 10, 20, 40, 80]);
    expect(upper(11)).toBe(3600);
    expect(upper(1000)).toBe(3600);
  });

  it('treats attempt 0 and below like the first attempt', () => {
    expect(backoffSeconds(0, 5, 3600, () => 1)).toBe(5);
    expect(backoffSeconds(-3, 5, 3600, () => 0)).toBe(2.5);
  });

  it('never waits less than half nor more than the whole step, whatever the jitter', () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const step = Math.min(3600, 5 * 2 ** (attempt - 1));
      for (const r of [0, 0.25, 0.5, 0.999]) {
        const s = backoffSeconds(attempt, 5, 3600, () => r);
        expect(s).toBeGreaterThanOrEqual(step / 2);
        expect(s).toBeLessThanOrEqual(step);
      }
    }
  });

  it('uses Math.random when no source is given', () => {
    const s = backoffSeconds(3, 5, 3600);
    expect(s).toBeGreaterThanOrEqual(10);
    expect(s).toBeLessThanOrEqual(20);
  });
});
