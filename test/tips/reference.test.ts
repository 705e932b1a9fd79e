import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

// Reference codes come from one SEQUENCE per day (prisma/migrations/20261202080000_intake_fast_path).

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 20 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const next = async (day: string, client: pg.Pool | pg.PoolClient = pool) =>
  (await client.query<{ r: string }>('SELECT tip_reference_next($1) AS r', [day])).rows[0].r;

describe('reference codes', () => {
  it('are dense and never duplicated when many transactions take them at once, the first of the day included', async () => {
    const day = '260101';
    const refs = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          const r = await next(day, c);
          // Held open a moment, like a webhook's transaction: nobody waits for it.
          await c.query('SELECT pg_sleep(0.01)');
          await c.query('COMMIT');
          return r;
        } finally {
          c.release();
        }
      }),
    );
    expect(new Set(refs).size).toBe(200);
    const numbers = refs.map((r) => Number(r.slice(-4))).sort((a, b) => a - b);
    expect(numbers[0]).toBe(1);
    expect(numbers.at(-1)).toBe(200);
    expect(refs[0]).toMatch(/^T-260101-\d{4}$/);
  });

  it('start a day above its counter row and above codes already made (before the sequences existed)', async () => {
    await pool.query(`INSERT INTO tip_reference_counter (day, last) VALUES ('260102', 41)`);
    expect(await next('260102')).toBe('T-260102-0042');
    await pool.query(`INSERT INTO tip (reference, channel) VALUES ('T-260103-0077', 'SMS')`);
    expect(await next('260103')).toBe('T-260103-0078');
  });

  it('keep counting past 9999 without cutting digits', async () => {
    await pool.query(`INSERT INTO tip_reference_counter (day, last) VALUES ('260104', 9998)`);
    expect([await next('260104'), await next('260104'), await next('260104')]).toEqual(['T-260104-9999', 'T-260104-10000', 'T-260104-10001']);
  });

  it('leave a gap, not a duplicate, when a transaction that took one rolls back', async () => {
    expect(await next('260105')).toBe('T-260105-0001');
    const c = await pool.connect();
    await c.query('BEGIN');
    const lost = await next('260105', c);
    await c.query('ROLLBACK');
    c.release();
    expect(lost).toBe('T-260105-0002');
    expect(await next('260105')).toBe('T-260105-0003');
  });

  it('refuse a day that is not YYMMDD', async () => {
    await expect(next('2026-01-01')).rejects.toThrow(/not YYMMDD/);
  });
});
