import { describe, expect, it } from 'vitest';
import { IntakeFirst } from '../../src/lifecycle/intake-first.js';

// Intake first (docs/reliability.md): background jobs wait while webhooks are served, never unboundedly.

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  // Let resolved promises run.
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('intake first', () => {
  it('lets a job go at once when no webhook is being served', async () => {
    const gate = new IntakeFirst(60_000);
    expect(await settled(gate.turn())).toBe(true);
  });

  it('holds a job while a webhook is in flight and lets it go once intake is quiet', async () => {
    const gate = new IntakeFirst(60_000);
    const end = gate.begin();
    const turn = gate.turn();
    expect(await settled(turn)).toBe(false);
    end();
    end(); // a second report of the same end changes nothing
    await turn;
    expect(gate.quiet).toBe(true);
  });

  it('never holds a job longer than the bound, however busy intake is', async () => {
    const gate = new IntakeFirst(30);
    gate.begin(); // never ends
    await gate.turn();
    expect(gate.quiet).toBe(false);
  });

  it('does not hold jobs when turned off, and lets waiting jobs go on close', async () => {
    expect(await settled(new IntakeFirst(0).turn())).toBe(true);
    const gate = new IntakeFirst(60_000);
    gate.begin();
    const turn = gate.turn();
    gate.close();
    expect(await settled(turn)).toBe(true);
  });
});
