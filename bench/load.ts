import os from 'node:os';

// The machine's load average beside every figure (docs/benchmarks.md): this 2-core machine is
// shared, and a figure measured at load 3 says less than one at 0.5. Every bench records the
// 1-minute load average at its start and end under `load` in its JSON, and bench:report shows it.

/** The 1-minute load average now, to two decimals. */
export function loadNow(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

/** The 1-minute load average when a bench started and when it ended (its JSON's `load`). */
export interface LoadSpan {
  before: number;
  after: number;
}

/** Call at the bench's start; `end()` at its end gives the `load` its JSON records. */
export function startLoad(): { before: number; end(): LoadSpan } {
  const before = loadNow();
  return { before, end: () => ({ before, after: loadNow() }) };
}
