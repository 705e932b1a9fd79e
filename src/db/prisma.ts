import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient, Prisma } from '../generated/prisma/client.js';

export { Prisma, PrismaClient };

/** The process's connection pool, shared by Prisma and the few hot paths that speak `pg` directly. */
export function createPool(databaseUrl: string, poolSize = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // When the server ends a connection (restart, failover, admin termination) while it is checked
  // out between two queries, pg emits 'error' on it with nobody listening, and that ends the
  // process. With a listener the next query on it fails instead and the pool replaces it.
  // (Found by the soak: a PostgreSQL restart crashed the API.)
  pool.on('connect', (client) => client.on('error', () => {}));
  // An idle connection the server ends is also reported on the pool, which drops it; with no
  // listener that report would end the process too (seen when a test dropped its database).
  pool.on('error', () => {});
  return pool;
}

export function createPrisma(databaseUrl: string, poolSize = 10, pool: pg.Pool = createPool(databaseUrl, poolSize)) {
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  // Raw mail bytes can be megabytes: nobody loads them by accident.
  return new PrismaClient({
    adapter,
    omit: { submission: { raw: true }, attachmentBlob: { data: false } },
    // Prisma's defaults (2 s to get a connection, 5 s per transaction) fail a normalization that
    // writes megabytes of attachments on a busy server; a failed job retries, but needlessly.
    transactionOptions: { maxWait: 10_000, timeout: 60_000 },
  });
}

export type Db = ReturnType<typeof createPrisma>;
/** Repositories accept the client or an interactive transaction. */
export type Tx = Prisma.TransactionClient | Db;

export const isUniqueViolation = (e: unknown) => e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
