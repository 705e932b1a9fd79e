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

  it('keeps notifications minIntervalMs apart: pokes in between wait and go out together (one webhook at a time)', async () => {
    heard.length = 0;
    // An interval no run can outlast, so the assertion does not depend on the machine's speed.
    const w = new JobWakeups(db.url, createLogger('silent'), 2, 60_000);
    w.poke('normalize-submission');
    await waitFor(async () => (heard.length >= 1 ? heard : null), 10_000, 'first notification');
    for (let i = 0; i < 40; i++) {
      w.poke('normalize-submission');
      await new Promise((r) => setTimeout(r, 2));
    }
    await listener.query('SELECT 1');
    // Without the interval each poke 2 ms apart would have gone out on its own.
    expect(heard).toHaveLength(1);
    await w.close();
    await waitFor(async () => (heard.length >= 2 ? heard : null), 10_000, 'pending notification on close');
    await listener.query('SELECT 1');
    expect(heard).toHaveLength(2);
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
