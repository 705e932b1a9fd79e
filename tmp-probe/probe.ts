import pg from 'pg';
import { benchDatabase } from '../bench/bench-db.js';
const db = await benchDatabase('tipdesk_probe');
const pool = new pg.Pool({ connectionString: db.url, max: 2, options: '-c synchronous_commit=off' } as pg.PoolConfig);
const N = 20000;
async function fill() {
  await pool.query('TRUNCATE job');
  await pool.query(`INSERT INTO job (kind, payload, max_attempts) SELECT 'bench', jsonb_build_object('n', n), 10 FROM generate_series(1, ${N}) n`);
  await pool.query('ANALYZE job');
}
const claimSql = `WITH next AS (SELECT id FROM job WHERE state = 'QUEUED' AND run_at <= now() AND kind = ANY($1::text[]) ORDER BY priority DESC, run_at LIMIT $2::int FOR UPDATE SKIP LOCKED)
UPDATE job j SET state = 'RUNNING', attempts = j.attempts + 1, locked_by = 'w', locked_until = now() + interval '60 s', started_at = now() FROM next WHERE j.id = next.id RETURNING j.id::text AS id, j.kind, j.payload, j.attempts, j.max_attempts`;
const completes: Record<string, string> = {
  update: `UPDATE job SET state = 'COMPLETED', finished_at = now(), locked_by = NULL, locked_until = NULL, last_error = NULL WHERE id = ANY($1::uuid[]) AND locked_by = 'w' AND state = 'RUNNING'`,
  delete: `DELETE FROM job WHERE id = ANY($1::uuid[]) AND locked_by = 'w' AND state = 'RUNNING'`,
};
for (const batch of [20, 100, 500]) for (const mode of ['update', 'delete']) {
  await fill();
  let tc = 0, tf = 0;
  for (;;) {
    let t = performance.now();
    const r = await pool.query(claimSql, [['bench'], batch]);
    tc += performance.now() - t;
    if (!r.rows.length) break;
    t = performance.now();
    await pool.query(completes[mode], [r.rows.map((x) => x.id)]);
    tf += performance.now() - t;
  }
  console.log(`batch ${batch} ${mode}: claim ${(tc / N * 1000).toFixed(0)} us/job, complete ${(tf / N * 1000).toFixed(0)} us/job, total ${(N / ((tc + tf) / 1000)).toFixed(0)} jobs/s`);
}
await pool.end();
await db.drop();
