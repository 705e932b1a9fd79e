import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { JOB_CHANNEL } from '../../src/queue/sql.js';
import { JobWakeups } from '../../src/queue/wakeups.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { waitFor } from '../support/wait.js';

let db: TestDatabase;
let listener: pg.Client;
const heard: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (n) => heard.push(n.payload ?? ''));
  await listener.query(`LISTEN ${JOB_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await db?.drop();
});

describe('JobWakeups', () => {
  it('wakes listening workers once per kind for a burst of pokes, after the caller committed', async () => {
    const w = new JobWakeups(db.url, createLogger('silent'));
    for (let i = 0; i < 50; i++) w.poke('normalize-submission');
    w.poke('send-email');
    await waitFor(async () => (heard.length >= 2 ? heard : null), 10_000, 'notifications');
    await w.close();
    expect(heard.sort()).toEqual(['normalize-submission', 'send-email']);
  });

  it('sends at most one notification per 20 ms to a steady trickle of pokes (one webhook at a time)', async () => {
    heard.length = 0;
    const w = new JobWakeups(db.url, createLogger('silent'));
    const t0 = performance.now();
    for (let i = 0; i < 40; i++) {
      w.poke('normalize-submission');
      await new Promise((r) => setTimeout(r, 2));
    }
    const elapsed = performance.now() - t0;
    await w.close();
    await listener.query('SELECT 1');
    expect(heard.length).toBeGreaterThanOrEqual(1);
    // Without the interval each poke 2 ms apart would have gone out on its own.
    expect(heard.length).toBeLessThanOrEqual(Math.ceil(elapsed / 20) + 1);
  });

  it('sends what is pending on close and nothing after', async () => {
    heard.length = 0;
    const w = new JobWakeups(db.url, createLogger('silent'), 60_000);
    w.poke('a');
    await w.close();
    w.poke('b');
    await waitFor(async () => (heard.length >= 1 ? heard : null), 10_000, 'notification');
    // A round trip on the listener delivers anything still in flight before we look again.
    await listener.query('SELECT 1');
    expect(heard).toEqual(['a']);
  });
});
