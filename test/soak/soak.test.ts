import { expect, it } from 'vitest';
import { runSoak } from '../../soak/soak.js';

// The CI-sized soak: the service as separate processes (API + 2 workers) under a minute of
// mixed SMS/MMS/voice/email/WeChat/web form/newsroom traffic while workers and the API are killed, IMAP drops,
// PostgreSQL pauses and restarts and SMTP/Twilio fail; then nothing may be lost, doubled or
// leaked (see soak/reconcile.ts for every check). `npm run soak -- --minutes 5` is the long run.
it('one minute of mixed traffic under faults: nothing lost, nothing doubled, no contact details in the logs', async () => {
  const lines: string[] = [];
  const result = await runSoak({ minutes: 1, drainSeconds: 75, say: (l) => lines.push(l) });
  const failed = result.checks.filter((c) => !c.ok).map((c) => c.name);
  expect(failed, `${lines.join('\n')}\n\n${result.table}\n\nlogs kept in ${result.dir}`).toEqual([]);
  expect(result.faults.map((f) => f.fault)).toEqual(
    expect.arrayContaining([
      expect.stringContaining('kill -9 worker'),
      expect.stringContaining('kill -9 api'),
      expect.stringContaining('Dovecot stopped'),
      expect.stringContaining('PostgreSQL paused'),
      expect.stringContaining('PostgreSQL restarted'),
      expect.stringContaining('SMTP refuses mail'),
    ]),
  );
  expect(result.counts.sms).toBeGreaterThan(50);
  expect(result.counts.calls).toBeGreaterThan(5);
  expect(result.counts.emails).toBeGreaterThan(20);
  expect(result.counts.wechat).toBeGreaterThan(30);
  expect(result.counts.web).toBeGreaterThan(10);
  expect(result.counts.claimRaces).toBeGreaterThan(3);
}, 240_000);
