import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import type { Deps } from '../../src/deps.js';
import { usersService } from '../../src/users/users.service.js';
import type { Role } from '../../src/users/users.schema.js';
import { PASSWORD } from '../support/builders.js';

// Debian's chromium, driven headless by playwright-core (no bundled browser download).
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export interface BrowserPage {
  context: BrowserContext;
  page: Page;
  /** Messages of uncaught page errors and console errors, for asserting a clean run. */
  errors: string[];
  dialogs: string[];
}

export async function openPage(browser: Browser, baseUrl: string, viewport = { width: 1400, height: 900 }): Promise<BrowserPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { context, page, errors, dialogs };
}

/** Logs in through the login form, as a person would. */
export async function login(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await Promise.race([
    page.waitForSelector('.topbar'),
    page.waitForSelector('.login-form .error:not(:empty)').then(async (el) => {
      throw new Error(`login failed: ${await el.textContent()}`);
    }),
  ]);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A newsroom user with a Chinese display name (userWithToken derives the email from the name). */
export async function newsroomUser(deps: Deps, role: Role, displayName: string) {
  const email = `${role.toLowerCase()}-${randomBytes(3).toString('hex')}@paper.example`;
  return usersService(deps).create({ email, displayName, role, password: PASSWORD });
}

const AXE = join(import.meta.dirname, '..', '..', 'node_modules', 'axe-core', 'axe.min.js');

/** axe-core in the page: the serious and critical violations, as "rule: selector" lines. */
export async function axe(page: Page, view: string): Promise<string[]> {
  // Evaluated over the devtools protocol: the page's CSP (script-src 'self') rightly refuses an injected <script>.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const found = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> };
    };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${view} ${v.id}: ${v.targets.join(', ')}`);
}
