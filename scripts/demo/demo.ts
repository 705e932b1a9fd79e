// `npm run demo`: the whole service on a throwaway embedded PostgreSQL, filled with a week of
// tips from the paper's world. The database lives in a temporary directory that is removed on
// exit; nothing is sent (outbound email, SMS and alert settings are dropped from the environment).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import { main, run, StartupError } from '../../src/lifecycle/runtime.js';
import { seedDemo, type DemoLogin } from './seed.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

// Anything that would reach the outside world or another database.
const DROPPED = /^(DATABASE_URL|EMBEDDED_PG_|ADMIN_|IMAP_|SMTP_|MAIL_FROM|TWILIO_|ALERT_|WECHAT_|SMS_GATEWAY_)/;

const tmp = mkdtempSync(path.join(tmpdir(), 'tipdesk-demo-'));
// As root the embedded server runs as `postgres`, which must reach the data directory.
chmodSync(tmp, 0o755);
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const admin: DemoLogin = { role: 'admin', email: 'admin@demo.tipdesk.local', password: randomBytes(12).toString('base64url') };
for (const k of Object.keys(process.env)) if (DROPPED.test(k)) delete process.env[k];
Object.assign(process.env, {
  EMBEDDED_PG_DIR: path.join(tmp, 'postgres'),
  EMBEDDED_PG_PORT: String(await freePort()),
  ADMIN_EMAIL: admin.email,
  ADMIN_PASSWORD: admin.password,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
console.log(`Demo database in ${tmp} (removed on exit)`);

// Seeding: migrations and the first admin by run() (no API, no workers), the week through the
// service's own code with a clock that walks through it.
let interrupted = false;
const onSignal = () => {
  interrupted = true;
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
const clock = new ManualClock(new Date());
let seeding;
try {
  seeding = await run({ api: false, worker: false, overrides: { clock } });
} catch (e) {
  console.error(`tipdesk demo: ${e instanceof StartupError ? e.message : String(e)}`);
  process.exit(1);
}
let logins: DemoLogin[] = [];
try {
  if (!interrupted) {
    const r = await seedDemo(seeding.deps, clock, admin);
    logins = r.logins;
    console.log(`Seeded ${r.tips} tips over the last 7 days from ${r.channels.join(', ')}.`);
    for (const s of r.skipped) console.log(`  skipped ${s.items} ${s.channel} items: ${s.why}`);
  }
} finally {
  await seeding.stop();
}
process.removeListener('SIGINT', onSignal);
process.removeListener('SIGTERM', onSignal);
if (interrupted) process.exit(0);

// The service itself, as `npm start` runs it, on the seeded database.
let url: string | undefined;
await main({
  api: true,
  worker: true,
  say: (line) => {
    console.log(line);
    url ??= /listening on (\S+)/.exec(line)?.[1];
  },
});
console.log('\nDemo logins (random passwords, for this run only):');
for (const l of logins) console.log(`  ${l.role.padEnd(8)} ${l.email.padEnd(30)} ${l.password}`);
console.log(`\nDemo ready: open ${url}/ (Ctrl-C stops it and deletes the data)`);
