import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { baseTestEnv, createAppHarness, type AppHarness } from '../support/harness.js';
import { PASSWORD, tipBuilder } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { axe, launchBrowser, login, newsroomUser, openPage, screenshot, type BrowserPage } from './browser.js';
import { minutesAgo } from './fixtures.js';

// The desk live across API processes: a dashboard served by process A (this test's app) sees a
// change made through process B (the real `workers/api.ts` entry as a child process on the same
// database), through PostgreSQL LISTEN/NOTIFY, without a reload; after its stream drops it comes
// back with Last-Event-ID and gets what changed meanwhile. Then the optional alerts: a desktop
// notification and a chime for a new tip and for one marked urgent.

const root = path.resolve(import.meta.dirname, '../..');
let h: AppHarness;
let browser: Browser;
let b: ChildProcess | undefined;
let bUrl: string;
const pages: BrowserPage[] = [];
let editor: Awaited<ReturnType<typeof newsroomUser>>;

/** Process B: the API entry point as `npm run start:api` runs it, on the test's database. */
async function startProcessB(databaseUrl: string): Promise<string> {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(DATABASE_URL|TEST_DATABASE_URL|ADMIN_|IMAP_|SMTP_|TWILIO_|WECHAT_|SMS_GATEWAY_|ALERT_|PORT$|EMBEDDED_)/.test(k)) delete env[k];
  b = spawn(process.execPath, ['--import', 'tsx', 'workers/api.ts'], {
    cwd: root,
    env: { ...env, ...baseTestEnv, LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  b.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  b.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return waitFor(
    async () => {
      if (b!.exitCode !== null) throw new Error(`process B exited ${b!.exitCode}: ${err}`);
      return /Tipdesk is listening on (http:\/\/\S+)/.exec(out)?.[1];
    },
    60_000,
    'process B to listen',
  );
}

beforeAll(async () => {
  [h, browser] = await Promise.all([createAppHarness(), launchBrowser()]);
  editor = await newsroomUser(h.deps, 'EDITOR', '王丽');
  bUrl = await startProcessB(h.db.url);
});
afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => {});
  await browser?.close();
  if (b && b.exitCode === null) {
    const gone = new Promise((r) => b!.once('exit', r));
    b.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
    if (b.exitCode === null) b.kill('SIGKILL');
  }
  await h?.close();
});

const tipRow = (id: string) => h.deps.prisma.tip.findUniqueOrThrow({ where: { id } });

/** An API client logged in on one process. */
async function apiOn(baseUrl: string) {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: editor.email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  const { token } = (await res.json()) as { token: string };
  return (method: string, p: string, body?: unknown) =>
    fetch(`${baseUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

describe('the desk live across two API processes', () => {
  it('shows a change made through process B on a dashboard served by process A, and resumes with Last-Event-ID after a drop', async () => {
    const x = await tipBuilder(h.deps, {
      body: '平城区永泰街道的路口红绿灯不亮了，早高峰车辆乱成一团。',
      phone: '+8613600000101',
      receivedAt: minutesAgo(h.deps, 8),
    });
    const y = await tipBuilder(h.deps, {
      body: '大齿社区3号楼的楼梯扶手松了，老人不敢扶。',
      phone: '+8613600000102',
      receivedAt: minutesAgo(h.deps, 5),
    });
    const bp = await openPage(browser, h.baseUrl);
    pages.push(bp);
    const { page, errors } = bp;
    const streams: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/events/stream')) streams.push(r.headers()['last-event-id']);
    });
    await login(page, editor.email);
    const rowX = page.locator(`.tip-row[data-id="${x.id}"]`);
    const rowY = page.locator(`.tip-row[data-id="${y.id}"]`);
    await rowX.waitFor();
    await expect.poll(() => streams.length).toBeGreaterThan(0);
    await page.evaluate(() => ((window as unknown as { __stayed: boolean }).__stayed = true));

    // Through process B: x is marked urgent. A's dashboard shows the badge, no reload.
    const viaB = await apiOn(bUrl);
    expect((await viaB('PATCH', `/api/tips/${x.id}`, { version: (await tipRow(x.id)).version, priority: 'urgent' })).status).toBe(200);
    await rowX.locator('.chip.prio-urgent').waitFor({ timeout: 15_000 });
    await screenshot(page, 'live-two-processes.png');
    expect(await axe(page, 'inbox-live')).toEqual([]);

    // The stream drops (process A closes every connection) and cannot come back for a while;
    // meanwhile y is filed through process B.
    await page.route('**/api/events/stream', (r) => r.abort());
    const before = streams.length;
    h.server.closeAllConnections();
    await expect.poll(() => page.locator('.toast.toast-error').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect((await viaB('PATCH', `/api/tips/${y.id}`, { version: (await tipRow(y.id)).version, category: 'neighborhood' })).status).toBe(200);
    expect(await rowY.getAttribute('class')).toContain('untriaged');
    await page.unroute('**/api/events/stream');

    // The reconnect names the last event it saw, and the change it missed arrives.
    await expect.poll(() => rowY.getAttribute('class'), { timeout: 20_000 }).not.toContain('untriaged');
    const resumed = streams.slice(before).filter(Boolean);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.at(-1)).toMatch(/^\d+$/);
    expect(await page.evaluate(() => (window as unknown as { __stayed?: boolean }).__stayed)).toBe(true);
    await screenshot(page, 'live-resumed.png');
    expect(errors).toEqual([]);
  });
});

describe('alerts', () => {
  it('shows a desktop notification and plays the chime for a new tip and for one marked urgent', async () => {
    const old = await tipBuilder(h.deps, {
      body: '操场城街道的暖气不热，家里只有十几度。',
      phone: '+8613600000103',
      receivedAt: minutesAgo(h.deps, 20),
    });
    const context = await browser.newContext({
      baseURL: h.baseUrl,
      viewport: { width: 1400, height: 900 },
      locale: 'zh-CN',
      permissions: ['notifications'],
    });
    // Records what the page shows and plays: every Notification constructed, every oscillator started.
    await context.addInitScript(() => {
      const w = window as unknown as { __notes: { title: string; body: string }[]; __tones: number[]; Notification: typeof Notification };
      w.__notes = [];
      w.__tones = [];
      const Real = w.Notification;
      class Recorded extends Real {
        constructor(title: string, o?: NotificationOptions) {
          w.__notes.push({ title, body: o?.body ?? '' });
          super(title, o);
        }
      }
      Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
      const start = OscillatorNode.prototype.start;
      OscillatorNode.prototype.start = function (this: OscillatorNode, ...a: [number?]) {
        w.__tones.push(this.frequency.value);
        return start.apply(this, a);
      };
    });
    const page = await context.newPage();
    const bp: BrowserPage = { context, page, errors: [], dialogs: [] };
    page.on('pageerror', (e) => bp.errors.push(e.message));
    pages.push(bp);
    await login(page, editor.email);
    await page.locator(`.tip-row[data-id="${old.id}"]`).waitFor();
    expect(await page.evaluate(() => Notification.permission)).toBe('granted');
    // The editor turns alerts on (off by default, kept per browser).
    await page.locator('input[name=alerts]').check();
    expect(await page.evaluate(() => localStorage.getItem('tipdesk.alerts'))).toBe('on');
    expect(await axe(page, 'inbox-alerts')).toEqual([]);

    const notes = () => page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes);
    const tones = () => page.evaluate(() => (window as unknown as { __tones: number[] }).__tones);

    // A new tip arrives: one notification naming its reference, and the two-tone chime.
    const fresh = await tipBuilder(h.deps, { body: '清远街道十字路口红绿灯坏了，车辆乱成一团。', phone: '+8613600000104' });
    await expect.poll(notes, { timeout: 15_000 }).toEqual([expect.objectContaining({ title: expect.stringContaining(fresh.reference) })]);
    await expect.poll(tones).toEqual([660, 880]);

    // Another editor marks the old tip urgent: the urgent notification and the three-tone chime.
    const api = await apiOn(h.baseUrl);
    expect((await api('PATCH', `/api/tips/${old.id}`, { version: (await tipRow(old.id)).version, priority: 'urgent' })).status).toBe(200);
    await expect.poll(async () => (await notes()).length, { timeout: 15_000 }).toBe(2);
    const urgent = (await notes())[1];
    expect(urgent.title).toContain(old.reference);
    expect(urgent.title).toContain('紧急');
    expect(urgent.body).toContain('暖气');
    await expect.poll(tones).toEqual([660, 880, 880, 660, 880]);
    // Nothing about the tipster in the notification: no phone number.
    expect(JSON.stringify(await notes())).not.toContain('13600000');
    await screenshot(page, 'alerts-on.png');
    expect(bp.errors).toEqual([]);
  });
});
