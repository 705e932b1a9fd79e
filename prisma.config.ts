// Prisma 7 CLI config: used for `prisma generate` only. Migrations are authored
// with scripts/db-diff.mjs and applied by src/db/migrate.ts (see README).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
