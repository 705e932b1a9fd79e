// Config for the Prisma 6.19 CLI (package alias "prisma-legacy"), whose bundled
// WASM schema engine runs offline. Used only to author migrations: see scripts/db-diff.mjs.
import { defineConfig } from 'prisma-legacy/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: '../prisma/schema.prisma',
  migrations: { path: '../prisma/migrations' },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DIFF_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' });
  },
});
