import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { axe, launchBrowser, login as logIn, openPage, screenshot } from '../dashboard/browser.js';

const EVERY_CHANNEL = ['EMAIL', 'SMS', 'VOICE', 'WECHAT', 'SMS_GATEWAY', 'WEB'];

// `npm run demo` as a person runs it: a child process on its own throwaway embedded database,
// seen from outside only (its printed lines, its HTTP API, and the dashboard in headless
// Chromium logged in with the printed editor login), stopped with Ctrl-C (SIGINT).

const root = path.resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;

afterAll(async () => {
  // A failed assertion leaves the demo running: stop it as a person would (SIGINT), so its
  // embedded database (in a session of its own) stops and the temporary directory goes too.
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child!.once('exit', r));
  child.kill('SIGINT');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 30_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Summary {
  id: string;
  channel: string;
  status: string;
  priority: string;
  subject: string | null;
  createdAt: string;
  messageCount: number;
}

it(
  'starts on a throwaway database with a week of tips from every channel, shows them to the editor in Chromium, and cleans up on SIGINT',
  { timeout: 240_000 },
  async () => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (/^(DATABASE_URL|TEST_DATABASE_URL|PORT$|LOG_LEVEL$)/.test(k)) delete env[k];
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo/demo.ts'], {
      cwd: root,
      env: { ...env, HOST: '127.0.0.1', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));

    const url = await waitFor(
      async () => {
        if (child!.exitCode !== null) throw new Error(`the demo exited ${child!.exitCode}: ${err}`);
        return /Demo ready: open (http:\/\/\S+?)\/? /.exec(out)?.[1];
      },
      120_000,
      'the demo to be ready',
    );
    const dir = /Demo database in (\S+)/.exec(out)![1];
    expect(existsSync(dir)).toBe(true);
    const login = (role: string) => {
      const m = new RegExp(`^\\s+${role}\\s+(\\S+)\\s+(\\S+)$`, 'm').exec(out);
      if (!m) throw new Error(`no ${role} login printed:\n${out}`);
      return { email: m[1], password: m[2] };
    };
    expect(login('reporter').email).toMatch(/@/);
    expect(login('admin').email).toMatch(/@/);

    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(login('editor')),
    });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const auth = { authorization: `Bearer ${token}` };

    const list = await fetch(`${url}/api/tips?limit=200`, { headers: auth });
    expect(list.status).toBe(200);
    const { tips } = (await list.json()) as { tips: Summary[] };
    expect(tips.length).toBeGreaterThanOrEqual(30);
    expect([...new Set(tips.map((t) => t.channel))].sort()).toEqual([...EVERY_CHANNEL].sort());
    expect(out).not.toMatch(/skipped \d+/);
    // A week, not a minute: the oldest tip is days older than the newest.
    const times = tips.map((t) => Date.parse(t.createdAt));
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(5 * 86_400_000);
    // The desk has been at work: some filed, assigned, claimed, published, merged; a few urgent; threads with follow-ups.
    const statuses = new Set(tips.map((t) => t.status));
    for (const s of ['NEW', 'TRIAGED', 'ASSIGNED', 'CLAIMED', 'PUBLISHED', 'DISMISSED']) expect(statuses).toContain(s);
    const merged = (await (await fetch(`${url}/api/tips?status=MERGED`, { headers: auth })).json()) as { tips: Summary[] };
    expect(merged.tips.length).toBeGreaterThanOrEqual(3);
    expect(tips.filter((t) => t.priority === 'urgent').length).toBeGreaterThanOrEqual(2);
    expect(tips.some((t) => t.messageCount > 1)).toBe(true);

    // A photo arrived with the leak report, and its bytes are a PNG.
    const leak = tips.find((t) => t.subject?.includes('楼上漏水'));
    expect(leak).toBeDefined();
    const { tip: detail } = (await (await fetch(`${url}/api/tips/${leak!.id}`, { headers: auth })).json()) as {
      tip: { attachments: { url: string; contentType: string }[]; messages: { direction: string }[] };
    };
    // The tipster's follow-up joined the thread (besides the acknowledgement).
    expect(detail.messages.filter((m) => m.direction === 'INBOUND').length).toBeGreaterThanOrEqual(2);
    const photo = detail.attachments.find((a) => a.contentType === 'image/png');
    expect(photo).toBeDefined();
    const bytes = Buffer.from(await (await fetch(`${url}${photo!.url}`, { headers: auth })).arrayBuffer());
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');

    // A web form tip came with its photo and a follow-up from its status page.
    const ramp = tips.find((t) => t.channel === 'WEB' && t.messageCount > 1);
    expect(ramp).toBeDefined();

    // The dashboard, as the person who just ran `npm run demo` opens it: the printed editor login,
    // then the 全部 tab filtered by each channel in turn shows that channel's tips.
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openPage(browser, url);
      await logIn(page, login('editor').email, login('editor').password);
      await page.locator('.tip-row').first().waitFor();
      await screenshot(page, 'demo-inbox.png');
      expect(await axe(page, 'demo-inbox')).toEqual([]);
      await page.click('[data-tab=all]');
      for (const channel of EVERY_CHANNEL) {
        await page.selectOption('select[name=channel]', channel);
        await expect.poll(() => page.url()).toContain(`channel=${channel}`);
        await expect.poll(() => page.locator('.tip-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      }
      await page.selectOption('select[name=channel]', '');
      await page.locator('.tip-row').nth(20).waitFor();
      await screenshot(page, 'demo-all.png');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(dir)).toBe(false);
  },
);
