import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, Prisma } from '../generated/prisma/client.js';

export { Prisma, PrismaClient };

export function createPrisma(databaseUrl: string, poolSize = 10) {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize });
  // Raw mail bytes can be megabytes: nobody loads them by accident.
  return new PrismaClient({ adapter, omit: { submission: { raw: true }, attachmentBlob: { data: false } } });
}

export type Db = ReturnType<typeof createPrisma>;
/** Repositories accept the client or an interactive transaction. */
export type Tx = Prisma.TransactionClient | Db;

export const isUniqueViolation = (e: unknown) =>
  e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
