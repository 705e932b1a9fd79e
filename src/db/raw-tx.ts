import type pg from 'pg';
import { Prisma } from './prisma.js';

// Prisma-style raw SQL ($queryRaw / $executeRaw tagged templates) on a plain pg connection.
// For the few writes where going through Prisma costs too much memory: a 25 MB bytea
// parameter takes about 200 MB on its way through the Prisma client and about 35 MB through pg.
// Shared SQL helpers written for a Prisma transaction (enqueue, storeSubmissionIn) run unchanged.

export type RawSql = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

export function rawSqlOn(client: pg.ClientBase): RawSql {
  const run = (query: TemplateStringsArray | Prisma.Sql, values: unknown[]) => {
    const sql = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
    return client.query(sql.text, sql.values as unknown[]);
  };
  return {
    $queryRaw: ((query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => run(query, values).then((r) => r.rows)) as RawSql['$queryRaw'],
    $executeRaw: ((query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) =>
      run(query, values).then((r) => r.rowCount ?? 0)) as RawSql['$executeRaw'],
  };
}

/** BEGIN ... COMMIT on one pg connection, rolled back when fn throws. */
export async function pgTransaction<T>(client: pg.ClientBase, fn: (tx: RawSql) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(rawSqlOn(client));
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
