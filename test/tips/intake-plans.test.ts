import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptMessageStatement, type AcceptMessageParams } from '../../src/channels/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

// intake_route's per-contact lookups must use their own indexes whatever the statistics say. A
// connection keeps a PL/pgSQL statement's generic plan until the table's next ANALYZE; planned on an
// empty table, both lookups once took a broader index (every SMS submission, every RECEIVED one)
// and a webhook slowed as its own backlog grew (migration 20261203093000_intake_contact_lookup_plans).
// Here every plan is the generic one, made on a new database's tables that have no statistics, and
// auto_explain reports each statement's plan inside the function as a notice.

let db: TestDatabase;
let pool: pg.Pool;
let client: pg.PoolClient;
const plans: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 1 });
  client = await pool.connect();
  client.on('notice', (n) => plans.push(n.message ?? ''));
  for (const s of [
    "LOAD 'auto_explain'",
    'SET auto_explain.log_min_duration = 0',
    'SET auto_explain.log_nested_statements = on',
    'SET auto_explain.log_level = notice',
    'SET client_min_messages = notice',
    'SET plan_cache_mode = force_generic_plan',
  ])
    await client.query(s);
});
afterAll(async () => {
  client?.release();
  await pool?.end();
  await db?.drop();
});

let n = 0;
function message(contact: string): AcceptMessageParams {
  const now = new Date();
  return {
    channel: 'SMS',
    externalId: `SMplan${++n}`,
    params: { Body: '楼上漏水' },
    meta: { keyword: null },
    sizeBytes: 12,
    contactKind: 'phone',
    contact,
    control: null,
    isNew: false,
    reference: null,
    ratePerHour: 20,
    followupDays: 14,
    followupCutoff: new Date(now.getTime() - 14 * 86_400_000),
    now,
    day: '261203',
    jobKind: 'normalize-submission',
    jobMaxAttempts: 5,
    blockHashes: [],
    skip: null,
    ack: null,
  };
}

/** The plans of the statements whose text contains `marker`. */
const plansOf = (marker: string) => plans.filter((p) => p.includes(marker));

describe("intake's per-contact lookups", () => {
  it('count the hour and find a pending tip through their own indexes, for a new contact and a known one', async () => {
    // A new contact (no tipster row), then a known one (its tips and its pending tip: the UNION).
    await acceptMessageStatement(client, message('+8613900000001'));
    await client.query(`INSERT INTO tipster (phone) VALUES ('+8613900000002')`);
    await acceptMessageStatement(client, message('+8613900000002'));

    const counts = plansOf('count(*)');
    expect(counts.length).toBeGreaterThanOrEqual(2);
    for (const p of counts) {
      expect(p).toContain('submission_sender_channel_received_at_idx');
      expect(p).not.toContain('submission_channel_external_id_key');
    }
    const pending = plansOf('THEN s.sender END');
    expect(pending.length).toBeGreaterThanOrEqual(2);
    for (const p of pending) {
      expect(p).toContain('submission_pending_sender_idx');
      expect(p).not.toContain('submission_state_received_at_idx');
    }
  });
});
