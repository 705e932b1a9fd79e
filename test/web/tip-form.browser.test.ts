import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from '../../src/queue/worker.js';
import { launchBrowser, login, newsroomUser, openPage, screenshot, type BrowserPage } from '../dashboard/browser.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { startWorker } from '../twilio/twilio-support.js';
import { png, TEXTS } from './web-support.js';

// A resident on a phone (375 px wide, headless Chromium): fills in the form with two photos,
// gets the reference, opens the private status link and adds a follow-up; then an editor's
// inbox shows one tip carrying both photos and the follow-up.

let h: AppHarness;
let browser: Browser;
let worker: Worker<unknown>;
const pages: BrowserPage[] = [];
const PHONE = { width: 375, height: 812 };

beforeAll(async () => {
  [h, browser] = await Promise.all([createAppHarness(), launchBrowser()]);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
});
afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => {});
  await browser?.close();
  await worker?.stop();
  await h?.close();
});

describe('web tip form on a phone', () => {
  let reference = '';

  it('sends a tip with two photos, shows the reference, opens the status link and adds a follow-up', async () => {
    const bp = await openPage(browser, h.baseUrl, PHONE);
    pages.push(bp);
    const { page } = bp;
    const blocked: string[] = [];
    page.on('console', (m) => m.type() === 'error' && blocked.push(`${m.text()} ${m.location().url}`));
    await page.goto('/tip');
    expect(await page.locator('h1').textContent()).toBe('我要爆料');
    // No contact yet: no consent box.
    expect(await page.locator('#consent-box').isHidden()).toBe(true);
    await page.fill('#body', TEXTS.leak);
    await page.fill('#location', TEXTS.location);
    await page.setInputFiles('#photos', [
      { name: '楼梯结冰.png', mimeType: 'image/png', buffer: png(120, 90, { rgb: [40, 110, 200] }) },
      { name: '暖气管.png', mimeType: 'image/png', buffer: png(90, 120, { rgb: [200, 120, 40] }) },
    ]);
    await expect.poll(() => page.locator('#previews img').count()).toBe(2);
    await page.fill('#phone', '13800138000');
    expect(await page.locator('#consent-box').isVisible()).toBe(true);
    await page.check('#consent');
    // The page fits the phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'web-form-375.png');

    await page.click('button[type=submit]');
    await page.locator('#result #reference').waitFor();
    reference = (await page.locator('#reference').textContent())!.trim();
    expect(reference).toMatch(/^T-\d{6}-\d{4}$/);
    await screenshot(page, 'web-form-received-375.png');

    await page.click('#status-link');
    await page.locator('#status #reference').waitFor();
    expect(await page.locator('#reference').textContent()).toBe(reference);
    expect(await page.locator('#public-status').textContent()).toBe('收到');
    await page.fill('#body', TEXTS.followUp);
    await page.click('button[type=submit]');
    await page.locator('#notice').waitFor();
    expect(await page.locator('#notice').textContent()).toContain('补充内容已收到');
    await screenshot(page, 'web-status-375.png');

    // The page's own script only: nothing refused by the Content-Security-Policy, no errors.
    expect(bp.errors).toEqual([]);
    expect(blocked).toEqual([]);
  });

  it('switches to English', async () => {
    const bp = await openPage(browser, h.baseUrl, PHONE);
    pages.push(bp);
    await bp.page.goto('/tip');
    await bp.page.click('a.lang');
    expect(await bp.page.locator('h1').textContent()).toBe('Send us a tip');
    expect(await bp.page.locator('#privacy').textContent()).toContain('365 days');
  });

  it('shows the editor one tip with both photos and the follow-up', async () => {
    const tip = await waitFor(async () => {
      const t = await h.deps.prisma.tip.findUnique({ where: { reference }, include: { messages: true } });
      return t && t.messages.filter((m) => m.direction === 'INBOUND').length === 2 ? t : null;
    });
    expect(await h.deps.prisma.tip.count()).toBe(1);
    const editor = await newsroomUser(h.deps, 'EDITOR', '王编辑');
    const bp = await openPage(browser, h.baseUrl);
    pages.push(bp);
    const { page } = bp;
    await login(page, editor.email);
    const rows = page.locator('.tip-row');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-reference')).toBe(reference);
    await page.goto(`/#/tips/${tip.id}`);
    await page.locator('.msg.kind-followup').waitFor();
    expect(await page.locator('.msg.kind-followup .msg-body').textContent()).toBe(TEXTS.followUp);
    const thumbs = page.locator('.msg.in .att.image img');
    await expect.poll(() => thumbs.count()).toBe(2);
    await expect.poll(() => thumbs.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    expect(await thumbs.evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')))).toEqual(['楼梯结冰.png', '暖气管.png']);
    await screenshot(page, 'web-tip-in-dashboard.png');
    expect(bp.errors).toEqual([]);
  });
});
