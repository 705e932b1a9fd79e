// npm run user:create -- --email editor@paper.cn --role editor [--name "Wang Li"] [--password ...]
// Without --password a random one is printed once.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../src/config.js';
import { embeddedUrlIfRunning, startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPrisma } from '../src/db/prisma.js';
import { systemClock } from '../src/clock.js';
import { usersService } from '../src/users/users.service.js';
import { CreateUserSchema } from '../src/users/users.schema.js';

const { values } = parseArgs({
  options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } },
});
try {
  const config = loadConfig();
  const password = values.password ?? randomBytes(12).toString('base64url');
  const input = CreateUserSchema.safeParse({ email: values.email, role: values.role, displayName: values.name ?? values.email, password });
  if (!input.success) {
    console.error(`user:create: ${input.error.issues.map((i) => `--${i.path.join('.')} ${i.message}`).join('; ')}`);
    console.error('usage: npm run user:create -- --email someone@example.com --role admin|editor|reporter [--name NAME] [--password PW]');
    process.exit(2);
  }
  let url = config.DATABASE_URL ?? (await embeddedUrlIfRunning(config.EMBEDDED_PG_DIR, config.EMBEDDED_PG_PORT));
  let stop = async () => {};
  if (!url) {
    const db = await startEmbeddedPostgres({ dir: config.EMBEDDED_PG_DIR, port: config.EMBEDDED_PG_PORT });
    url = db.url;
    stop = db.stop;
  }
  await migrate(url);
  const prisma = createPrisma(url, 2);
  try {
    const user = await usersService({ prisma, clock: systemClock, config }).create(input.data);
    console.log(`Created ${user.role.toLowerCase()} ${user.email}${values.password ? '' : ` with password ${password}`}`);
  } finally {
    await prisma.$disconnect();
    await stop();
  }
} catch (e) {
  console.error(`user:create: ${e instanceof ConfigError ? e.message : (e as Error).message}`);
  process.exit(1);
}
