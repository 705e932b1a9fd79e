import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { startDovecot, type Dovecot } from '../test/support/dovecot.js';
import { freePort } from '../test/support/net.js';
import { startSmtpCapture } from '../test/support/smtp.js';
import { ApiClient, apiTraffic, type StaffUser } from './api-traffic.js';
import { phoneFactory, rng } from './fixtures.js';
import { newLedger } from './ledger.js';
import { startSoakPostgres, scratchDatabase, type SoakPostgres } from './postgres.js';
import { ServiceProcess } from './processes.js';
import { formatChecks, reconcile, type Check, type DeadJob } from './reconcile.js';
import { emailTraffic, gatewayTraffic, newSmsTip, smsTraffic, voiceTraffic, type TrafficContext } from './traffic.js';
import { privacyTraffic } from './privacy-traffic.js';
import { gatewayEnv, SIGNING_KEY, startFakeGateway, type FakeGateway } from '../test/sms-gateway/gateway-support.js';
import { webTraffic } from './web-traffic.js';
import { startTwilioFake, type TwilioFake } from './twilio-fake.js';
import { WebhookSender } from './webhooks.js';
import { reconcileWechat } from './reconcile-wechat.js';
import { wechatTraffic, type WechatAttempt, type WechatItem } from './wechat-traffic.js';
import { startWechatApi, wechatEnv, type WechatApi } from '../test/wechat/wechat-support.js';

// The whole service as separate processes (one API, N workers) on its own PostgreSQL, with a
// real Dovecot, an SMTP capture and a Twilio REST fake; mixed traffic from every channel and
// the newsroom; faults injected on a schedule; then a drain and a reconciliation.

export interface SoakOptions {
  /** Length of the traffic window (faults run inside it); the drain comes after. */
  minutes: number;
  workers?: number;
  seed?: number;
  /** Longest wait for the system to finish its work after the traffic stops. */
  drainSeconds?: number;
  /** Keep the run directory (logs, summary) even when the run passes. */
  keep?: boolean;
  /** Progress lines (the CLI prints them; the test keeps them quiet). */
  say?: (line: string) => void;
}

export interface FaultRecord {
  at: number;
  fault: string;
  ms: number;
  note?: string;
}

export interface SoakResult {
  ok: boolean;
  checks: Check[];
  dead: DeadJob[];
  faults: FaultRecord[];
  table: string;
  dir: string;
  counts: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const SOAK_ACCOUNT_SID = `AC${'50a4'.repeat(8)}`;
export const SOAK_AUTH_TOKEN = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const HOTLINE = '+8618635299317';
const PUBLIC_BASE_URL = 'https://tips.soak.example-paper.cn';
const MAILBOX = 'tips@paper.test';
const MAIL_DOMAIN = 'paper.test';
const ADMIN = { email: 'soak-admin@paper.test', password: 'soak-admin-password-平城' };
const STAFF_PASSWORD = 'soak-staff-password-大齿';

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const say = opts.say ?? (() => {});
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const r = rng(seed);
  const runId = randomBytes(3).toString('hex');
  const trafficMs = Math.round(opts.minutes * 60_000);
  const drainMs = (opts.drainSeconds ?? 120) * 1000;
  const nWorkers = Math.max(2, opts.workers ?? 2);

  const dir = mkdtempSync(path.join(tmpdir(), 'tipdesk-soak-'));
  chmodSync(dir, 0o755);
  const logDir = path.join(dir, 'logs');
  mkdirSync(logDir);
  say(`soak ${runId}: seed ${seed}, ${opts.minutes} min of traffic, ${nWorkers} workers; logs in ${logDir}`);

  const cleanups: (() => Promise<void>)[] = [];
  const faults: FaultRecord[] = [];
  let pgServer: SoakPostgres | undefined;
  let dovecot: Dovecot | undefined;
  let twilio: TwilioFake | undefined;
  let gateway: FakeGateway | undefined;
  let wechatApi: WechatApi | undefined;
  const procs: ServiceProcess[] = [];
  let db: pg.Client | undefined;

  try {
    // --- infrastructure --------------------------------------------------------------------
    const pgLog = createWriteStream(path.join(logDir, 'postgres.log'));
    cleanups.push(() => new Promise<void>((res) => pgLog.end(() => res())));
    pgServer = await startSoakPostgres(dir, await freePort(), (l) => pgLog.write(`${l}\n`));
    const databaseUrl = await scratchDatabase(pgServer.adminUrl, 'tipdesk_soak');
    await migrate(databaseUrl);
    const smtp = await startSmtpCapture();
    cleanups.push(() => smtp.close());
    twilio = await startTwilioFake(SOAK_ACCOUNT_SID, SOAK_AUTH_TOKEN);
    cleanups.push(twilio.close);
    // The hotline's own phone: a loopback fake of its REST API (local server mode).
    gateway = await startFakeGateway();
    cleanups.push(gateway.close);
    wechatApi = await startWechatApi();
    cleanups.push(wechatApi.close);
    dovecot = await startDovecot({ user: MAILBOX });
    const dc = dovecot;
    cleanups.push(() => dc.close());
    say(`infrastructure up: PostgreSQL :${pgServer.port}, Dovecot :${dovecot.port}, SMTP :${smtp.port}, Twilio fake ${twilio.base}`);

    const apiPort = await freePort();
    const apiBase = `http://127.0.0.1:${apiPort}`;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL,
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '8',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      JOB_POLL_SECONDS: '1',
      JOB_LEASE_SECONDS: '10',
      WORKER_CONCURRENCY: '4',
      ...dovecot.env({ IMAP_POLL_SECONDS: '2' }),
      SMTP_URL: smtp.url,
      MAIL_FROM: `晚报社区版爆料热线 <${MAILBOX}>`,
      TWILIO_ACCOUNT_SID: SOAK_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: SOAK_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: HOTLINE,
      TWILIO_API_BASE_URL: twilio.base,
      ...gatewayEnv(gateway.url),
      ...wechatEnv({ WECHAT_API_BASE_URL: wechatApi.base }),
      // Every web post comes from this one loopback address: the per-address limit is tested elsewhere.
      WEB_FORM_RATE_LIMIT_PER_HOUR: '100000',
    };
    const api = new ServiceProcess({
      name: 'api',
      entry: 'workers/api.ts',
      env: { ...env, PORT: String(apiPort) },
      logFile: path.join(logDir, 'api.log'),
    });
    const workers = Array.from(
      { length: nWorkers },
      (_, i) =>
        new ServiceProcess({
          name: `worker-${i + 1}`,
          entry: 'workers/worker.ts',
          env: { ...env, PORT: '0' },
          logFile: path.join(logDir, `worker-${i + 1}.log`),
        }),
    );
    procs.push(api, ...workers);
    const apiReady = async () => (await fetch(`${apiBase}/readyz`, { signal: AbortSignal.timeout(2000) })).ok;
    const workerReady = (w: ServiceProcess) => async () => w.recentOutput.includes('"msg":"worker started"');
    await Promise.all([api.start(apiReady), ...workers.map((w) => w.start(workerReady(w)))]);
    say(`service up: api pid ${api.pid}, workers ${workers.map((w) => w.pid).join(', ')}`);

    db = new pg.Client({ connectionString: databaseUrl });
    db.on('error', () => {});

    // --- staff -----------------------------------------------------------------------------
    const ledger = newLedger();
    const client = new ApiClient(apiBase, ledger.api);
    const setupDeadline = Date.now() + 30_000;
    const adminToken = await client.login(ADMIN.email, ADMIN.password, setupDeadline);
    const mkUser = async (role: 'EDITOR' | 'REPORTER', handle: string, name: string): Promise<StaffUser> => {
      const email = `${role.toLowerCase()}.${handle}.${runId}@paper.test`;
      const res = await client.call('POST', '/api/users', adminToken, { email, displayName: name, role, password: STAFF_PASSWORD });
      if (res.status !== 201) throw new Error(`could not create ${role} ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      const id = (res.body as { user: { id: string } }).user.id;
      return { id, email, role, token: await client.login(email, STAFF_PASSWORD, setupDeadline) };
    };
    const editor = await mkUser('EDITOR', 'shangli', '尚丽');
    const reporters = [
      await mkUser('REPORTER', 'zhenglin', '郑林'),
      await mkUser('REPORTER', 'wangxiao', '王晓'),
      await mkUser('REPORTER', 'liming', '李明'),
    ];

    // --- traffic and faults ----------------------------------------------------------------
    const start = Date.now();
    const trafficEnds = start + trafficMs;
    const deliveryDeadline = trafficEnds + drainMs;
    const sender = new WebhookSender({
      baseUrl: apiBase,
      publicBaseUrl: PUBLIC_BASE_URL,
      authToken: SOAK_AUTH_TOKEN,
      deadline: () => deliveryDeadline,
      gatewayKey: SIGNING_KEY,
    });
    const pending = new Set<Promise<unknown>>();
    const ctx: TrafficContext = {
      r,
      runId,
      ledger,
      sender,
      twilio,
      dovecot,
      smtpReceived: smtp.received,
      accountSid: SOAK_ACCOUNT_SID,
      hotlineNumber: HOTLINE,
      mailbox: MAILBOX,
      apiBase,
      trafficEnds,
      deliveryDeadline,
      newPhone: phoneFactory(r),
      track: <T>(p: Promise<T>) => {
        const tracked = p.catch((e) => say(`traffic error: ${(e as Error).message}`));
        pending.add(tracked);
        void tracked.finally(() => pending.delete(tracked));
        return p;
      },
      note: say,
    };

    const fault = async (name: string, fn: () => Promise<string | void>) => {
      const t0 = Date.now();
      const note = await fn();
      faults.push({ at: t0 - start, fault: name, ms: Date.now() - t0, ...(note ? { note } : {}) });
      say(`  fault @${((t0 - start) / 1000).toFixed(0)}s: ${name} (${Date.now() - t0} ms)${note ? ` — ${note}` : ''}`);
    };
    const restart = async (p: ServiceProcess) => {
      p.restarting = true;
      try {
        // A start can fail while the database is down (migrations check): try again, like a supervisor.
        for (let i = 1; ; i++) {
          try {
            return await p.start(p === api ? apiReady : workerReady(p));
          } catch (e) {
            if (i >= 5) throw e;
            say(`  ${p.spec.name} did not start (${(e as Error).message.split('\n')[0]}); retrying`);
            await sleep(2000);
          }
        }
      } finally {
        p.restarting = false;
      }
    };
    const at = async (ms: number) => {
      const wait = start + ms - Date.now();
      if (wait > 0) await sleep(wait);
    };

    const faultPlan = async () => {
      const cycles = Math.max(1, Math.round(trafficMs / 60_000));
      const cycle = trafficMs / cycles;
      for (let c = 0; c < cycles; c++) {
        const t = (f: number) => at(c * cycle + f * cycle);
        const wA = workers[c % workers.length];
        const wB = workers[(c + 1) % workers.length];
        await t(0.08);
        await fault(`kill -9 ${wA.spec.name}, restart`, async () => {
          await wA.kill9();
          await sleep(1000);
          await restart(wA);
        });
        await t(0.18);
        await fault('SMTP refuses mail, Twilio REST and the gateway phone fail', async () => {
          smtp.setFailing(true);
          twilio!.setFailing(c % 2 === 0 ? 'http503' : 'reset');
          // The gateway phone: answers 503, or is unreachable (connections dropped).
          if (c % 2 === 0) gateway!.state.status503 = 1_000_000;
          else gateway!.state.refuse = 1_000_000;
          await sleep(Math.min(10_000, 0.12 * cycle));
          smtp.setFailing(false);
          twilio!.setFailing('none');
          gateway!.state.status503 = 0;
          gateway!.state.refuse = 0;
          return `Twilio ${c % 2 === 0 ? '503' : 'connection resets'}`;
        });
        await t(0.32);
        await fault('kill -9 api mid-request, restart', async () => {
          // A burst of new texts, so that requests are in flight when the process dies.
          for (let i = 0; i < 8; i++) void ctx.track(newSmsTip(ctx, 0));
          const before = sender.attempts.length;
          await sleep(40 + r.next() * 60);
          await api.kill9();
          await sleep(1000);
          await restart(api);
          const cut = sender.attempts.slice(before).filter((a) => a.outcome.kind === 'error').length;
          return `${cut} webhook attempts cut off or refused`;
        });
        await t(0.45);
        await fault('Dovecot stopped (IMAP connection dropped), restarted', async () => {
          dovecotPlannedDown = true;
          try {
            await dovecot!.stop();
            await sleep(3000);
            await dovecot!.start();
          } finally {
            dovecotPlannedDown = false;
          }
        });
        await t(0.58);
        await fault('PostgreSQL paused (SIGSTOP)', async () => {
          const n = pgServer!.pids().length;
          await pgServer!.pause(4000);
          return `${n} server processes stopped for 4 s`;
        });
        await t(0.72);
        await fault('PostgreSQL restarted (fast shutdown)', async () => {
          const before = sender.attempts.length;
          await pgServer!.restart(1500);
          await sleep(1500);
          const failed = sender.attempts.slice(before).filter((a) => a.outcome.kind === 'error' || a.outcome.status >= 500).length;
          return `${failed} webhook attempts answered 5xx/failed meanwhile`;
        });
        await t(0.86);
        await fault(`kill -9 ${wB.spec.name}, restart`, async () => {
          await wB.kill9();
          await sleep(1000);
          await restart(wB);
        });
      }
    };

    // The test Dovecot is infrastructure, not the system under test: should it die on its own,
    // it is restarted like a supervisor would, and the run says so.
    let dovecotPlannedDown = false;
    let dovecotDeaths = 0;
    let watching = true;
    const watchdog = async () => {
      while (watching) {
        await sleep(1000);
        if (!dovecotPlannedDown && !dovecot!.running()) {
          dovecotDeaths++;
          faults.push({ at: Date.now() - start, fault: 'Dovecot died unexpectedly; restarted by the soak', ms: 0 });
          await dovecot!.start().catch((e) => say(`could not restart Dovecot: ${(e as Error).message}`));
        }
        // A service process that crashed is restarted, as systemd or Kubernetes would; the crash
        // itself fails the run (see the check below).
        for (const p of procs) {
          if (p.running || p.restarting || p.crashes.length === p.crashesHandled) continue;
          p.crashesHandled = p.crashes.length;
          say(`  ${p.spec.name} crashed (${p.crashes.at(-1)!.code}); restarting it`);
          faults.push({ at: Date.now() - start, fault: `${p.spec.name} CRASHED on its own; restarted by the soak`, ms: 0 });
          await restart(p).catch((e) => say(`could not restart ${p.spec.name}: ${(e as Error).message}`));
        }
      }
    };

    const wechatItems: WechatItem[] = [];
    const wechatAttempts: WechatAttempt[] = [];
    const openIds = new Set<string>();
    let wechatTokens = 0;
    say(`traffic for ${opts.minutes} min...`);
    const loops = [
      smsTraffic(ctx, 450),
      gatewayTraffic(ctx, 900),
      voiceTraffic(ctx, 2200),
      emailTraffic(ctx, 1100),
      wechatTraffic(
        {
          r,
          baseUrl: apiBase,
          api: wechatApi,
          items: wechatItems,
          openIds,
          attempts: wechatAttempts,
          trafficEnds,
          deliveryDeadline,
          nextToken: () => `SK${runId}w${(++wechatTokens).toString(36).padStart(4, '0')}`,
          track: ctx.track,
          note: say,
        },
        700,
      ),
      webTraffic(ctx, 1500),
      apiTraffic({ client, editor, reporters, r, stats: ledger.api, trafficEnds, meanGapMs: 900 }),
      privacyTraffic({ ctx, client, admin: adminToken, editor: editor.token, meanGapMs: 6000 }),
      faultPlan(),
    ];
    const watched = watchdog();
    await Promise.all(loops);
    say(
      `traffic done: ${wechatItems.length} WeChat, ${ledger.sms.length} SMS, ${ledger.gateway.length} gateway SMS, ${ledger.calls.length} calls, ${ledger.emails.length} emails, ${ledger.web.length} web posts, ${ledger.api.calls} API calls, ${ledger.privacy.erasures.length} erasures, ${ledger.privacy.blocks} blocks; draining...`,
    );

    // --- drain -----------------------------------------------------------------------------
    const drainEnd = Date.now() + drainMs;
    while (pending.size && Date.now() < drainEnd) await Promise.race([...pending, sleep(1000)]);
    await db.connect();
    let quiet = 0;
    let last = '';
    while (Date.now() < drainEnd) {
      const state = await drainState(db, dovecot);
      last = state.text;
      quiet = state.idle ? quiet + 1 : 0;
      if (quiet >= 3) break;
      await sleep(1000);
    }
    say(`drained in ${((Date.now() - trafficEnds) / 1000).toFixed(0)} s after the traffic (${last})`);
    watching = false;
    await watched;

    // --- reconcile -------------------------------------------------------------------------
    const wechat = await reconcileWechat(db, { items: wechatItems, attempts: wechatAttempts, sent: wechatApi.sent });
    const { checks, dead } = await reconcile({
      db,
      ledger,
      attempts: sender.attempts,
      smtp: smtp.received,
      sms: twilio.sent,
      gatewayPosts: gateway.posts,
      ackDomain: MAIL_DOMAIN,
      otherTips: wechat.tips,
    });
    checks.push(...wechat.checks);
    await db.end();
    db = undefined;
    for (const p of procs) await p.close();
    // OpenIDs are contacts too: searched like phone numbers.
    checks.push(grepLogs(logDir, new Set([...ledger.phones, ...openIds]), ledger.emailAddresses));
    checks.push(grepServerLog(path.join(logDir, 'postgres.log'), ledger.phones, ledger.emailAddresses));
    const crashes = procs.flatMap((p) =>
      p.crashes.map((c) => `${p.spec.name} exited ${c.code} at ${c.at}: …${c.tail.slice(-600).replace(/\s+/g, ' ')}`),
    );
    checks.push({
      name: 'Service processes that crashed on their own',
      expected: 0,
      actual: crashes.length,
      ok: crashes.length === 0,
      problems: crashes,
    });
    checks.push({
      name: 'Test infrastructure: Dovecot deaths not caused by the soak (restarted)',
      expected: 0,
      actual: dovecotDeaths,
      ok: true,
      info: true,
    });
    checks.push({
      name: `Newsroom API calls by answer (${Object.entries(ledger.api.byStatus)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`,
      expected: '-',
      actual: ledger.api.calls,
      ok: true,
      info: true,
    });
    checks.push({
      name: `Process restarts (${procs.map((p) => `${p.spec.name} ${p.kills}x kill -9`).join(', ')})`,
      expected: '-',
      actual: procs.reduce((n, p) => n + p.kills, 0),
      ok: true,
      info: true,
    });

    const ok = checks.every((c) => c.ok);
    const table = formatChecks(checks, dead);
    const counts = {
      sms: ledger.sms.length,
      gatewaySms: ledger.gateway.length,
      gatewayRedeliveries: ledger.gateway.reduce((n, g) => n + g.redeliveries, 0),
      wechat: wechatItems.length,
      wechatRedeliveries: wechatItems.reduce((n, i) => n + i.redeliveries, 0),
      smsRedeliveries: ledger.sms.reduce((n, s) => n + s.redeliveries, 0),
      calls: ledger.calls.length,
      emails: ledger.emails.length,
      web: ledger.web.length,
      apiCalls: ledger.api.calls,
      claimRaces: ledger.api.claimRaces.length,
      webhookAttempts: sender.attempts.length,
    };
    // What left the system, without the tipsters' contacts: for diagnosing a duplicate.
    const outbound = {
      sms: twilio.sent.map((m) => ({ sid: m.sid, at: new Date(m.at).toISOString(), reference: m.body.match(/T-\d{6}-\d{4}/)?.[0] ?? null })),
      email: smtp.received.map((m) => ({ messageId: m.parsed.messageId ?? null, subject: m.parsed.subject ?? null })),
      twilioCounts: twilio.counts,
    };
    writeFileSync(
      path.join(dir, 'summary.json'),
      JSON.stringify({ ok, seed, runId, minutes: opts.minutes, counts, faults, checks, dead, outbound }, null, 2),
    );
    writeFileSync(path.join(dir, 'summary.txt'), table);
    return { ok, checks, dead, faults, table, dir, counts };
  } finally {
    // Tearing down must not hang the run, whatever state a fault left things in.
    const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => {}), sleep(20_000)]);
    await bounded(db?.end() ?? Promise.resolve());
    for (const p of procs) await bounded(p.close());
    for (const c of cleanups.reverse()) await bounded(c());
    await bounded(pgServer?.stop() ?? Promise.resolve());
    rmSync(path.join(dir, 'pg'), { recursive: true, force: true });
    rmSync(path.join(dir, 'pg.json'), { force: true });
    if (!opts.keep && readdirSync(dir).includes('summary.json') && JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).ok) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Idle = nothing queued or running, nothing waiting to be normalized, the mailbox read to the end. */
async function drainState(db: pg.Client, dovecot: Dovecot): Promise<{ idle: boolean; text: string }> {
  const jobs = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM job WHERE state IN ('QUEUED', 'RUNNING')`)).rows[0].n;
  const received = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM submission WHERE state = 'RECEIVED'`)).rows[0].n;
  const cursor = (await db.query<{ last: string }>(`SELECT coalesce(max(last_uid), 0)::text AS last FROM mailbox_cursor`)).rows[0].last;
  let maxUid = 0;
  try {
    maxUid = Math.max(0, ...(await dovecot.messages()).map((m) => m.uid));
  } catch {
    return { idle: false, text: 'mailbox unreachable' };
  }
  const text = `${jobs} jobs queued/running, ${received} submissions waiting, mailbox UID ${cursor}/${maxUid}`;
  return { idle: jobs === 0 && received === 0 && Number(cursor) >= maxUid, text };
}

const needlesOf = (phones: Set<string>, emails: Set<string>) => [...[...phones].flatMap((p) => [p, p.replace(/^\+86/, '')]), ...emails];

/**
 * PostgreSQL's own log is not ours, but a DBA reads it too: a unique violation's DETAIL line, for
 * instance, would quote a phone number. Reported, not failed.
 */
export function grepServerLog(file: string, phones: Set<string>, emails: Set<string>): Check {
  const needles = needlesOf(phones, emails);
  const lines = readFileSync(file, 'utf8').split('\n');
  const hits = lines.filter((l) => needles.some((n) => l.includes(n)));
  return { name: 'PostgreSQL server log lines quoting a tipster contact (not our logs)', expected: 0, actual: hits.length, ok: true, info: true };
}

/** Every tipster phone number (with and without +86) and email address used, searched in every process log. */
export function grepLogs(logDir: string, phones: Set<string>, emails: Set<string>): Check {
  const needles = needlesOf(phones, emails);
  const problems: string[] = [];
  let bytes = 0;
  const files = readdirSync(logDir).filter((f) => f !== 'postgres.log');
  for (const f of files) {
    const text = readFileSync(path.join(logDir, f), 'utf8');
    bytes += text.length;
    for (const n of needles) {
      const i = text.indexOf(n);
      if (i >= 0) problems.push(`${f}: contains a tipster contact (…${text.slice(Math.max(0, i - 60), i).replace(/\s+/g, ' ')}<contact>…)`);
    }
  }
  return {
    name: `Logs: no tipster phone/email (${needles.length} searched in ${files.length} process logs, ${(bytes / 1024).toFixed(0)} KiB)`,
    expected: 0,
    actual: problems.length,
    ok: problems.length === 0,
    problems: problems.slice(0, 8),
  };
}
