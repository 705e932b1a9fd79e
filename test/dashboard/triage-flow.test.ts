import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { tipBuilder } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { launchBrowser, login, newsroomUser, openPage, screenshot, type BrowserPage } from './browser.js';
import { minutesAgo, TEXTS } from './fixtures.js';

// The desk's day in one browser: an editor files three tips by keyboard and assigns one;
// the reporter, on a phone-sized screen, claims it and only then sees the tipster's number.

let h: AppHarness;
let browser: Browser;
const pages: BrowserPage[] = [];

beforeAll(async () => {
  [h, browser] = await Promise.all([createAppHarness(), launchBrowser()]);
});
afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => {});
  await browser?.close();
  await h?.close();
});

const tipRow = (deps: AppHarness['deps'], id: string) => deps.prisma.tip.findUniqueOrThrow({ where: { id } });

describe('dashboard: triage by keyboard, assign, claim on a phone', () => {
  let editor: Awaited<ReturnType<typeof newsroomUser>>;
  let reporter: Awaited<ReturnType<typeof newsroomUser>>;
  let tips: {
    household: { id: string; reference: string };
    neighborhood: { id: string; reference: string };
    community: { id: string; reference: string };
  };

  beforeAll(async () => {
    editor = await newsroomUser(h.deps, 'EDITOR', '王编辑');
    reporter = await newsroomUser(h.deps, 'REPORTER', '李记者');
    await newsroomUser(h.deps, 'REPORTER', '赵记者');
    // Oldest first, so the inbox (newest first) lists community, neighborhood, household.
    tips = {
      household: await tipBuilder(h.deps, { body: TEXTS.household, phone: '+8613800138001', receivedAt: minutesAgo(h.deps, 30) }),
      neighborhood: await tipBuilder(h.deps, {
        channel: 'EMAIL',
        subject: '楼道和噪音',
        body: TEXTS.neighborhood,
        email: 'zhang.ayi@example.cn',
        receivedAt: minutesAgo(h.deps, 20),
      }),
      community: await tipBuilder(h.deps, { body: TEXTS.community, phone: '+8613900139002', receivedAt: minutesAgo(h.deps, 10) }),
    };
  });

  it('lets an editor file three tips with single keys and assign one with the picker', async () => {
    const bp = await openPage(browser, h.baseUrl);
    pages.push(bp);
    const { page } = bp;
    await login(page, editor.email);
    await page.waitForURL(/#\/inbox$/);
    // The token lives in sessionStorage, never in the address bar.
    expect(page.url()).not.toMatch(/token/i);
    expect(await page.evaluate(() => sessionStorage.getItem('tipdesk.token'))).toBeTruthy();

    const rows = page.locator('.tip-row');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-reference')))).toEqual([
      tips.community.reference,
      tips.neighborhood.reference,
      tips.household.reference,
    ]);
    // Each row: reference, channel icon, masked-or-full tipster, first line, age, suggestion with its trigger words.
    const first = page.locator(`.tip-row[data-id="${tips.household.id}"]`);
    await expect.poll(() => first.locator('.first-line').textContent()).toContain('漏水');
    expect(await first.locator('.chan').getAttribute('title')).toBe('短信');
    // The suggestion shown is the one stored with the tip (whatever the rules made of it), with its words.
    const stored = await tipRow(h.deps, tips.household.id);
    const label = { HOUSEHOLD: '居家事', NEIGHBORHOOD: '邻里事', COMMUNITY: '社区事' }[stored.suggestedCategory!];
    expect(await first.locator('.cell.suggest').textContent()).toContain(label);
    expect(await first.locator('.terms').textContent()).toContain(stored.suggestionTerms[0]);
    await screenshot(page, 'inbox.png');

    // Newest is selected: c files it under 社区事, then 2 and h file the next two.
    await page.keyboard.press('c');
    await waitFor(async () => (await tipRow(h.deps, tips.community.id)).category === 'COMMUNITY', 10_000, 'community filed');
    await page.keyboard.press('2');
    await waitFor(async () => (await tipRow(h.deps, tips.neighborhood.id)).category === 'NEIGHBORHOOD', 10_000, 'neighborhood filed');
    await page.keyboard.press('h');
    await waitFor(async () => (await tipRow(h.deps, tips.household.id)).category === 'HOUSEHOLD', 10_000, 'household filed');
    for (const t of Object.values(tips)) expect((await tipRow(h.deps, t.id)).status).toBe('TRIAGED');
    // The filed rows stay on screen (greyed), so the editor's place in the list is kept.
    await expect.poll(() => page.locator('.tip-row.done').count()).toBe(3);

    // a opens the reporter picker on the selected (household) tip; pick 李记者.
    await page.keyboard.press('a');
    const picker = page.locator('.modal');
    await picker.locator('.picker-item', { hasText: '李记者' }).click();
    await waitFor(async () => (await tipRow(h.deps, tips.household.id)).assigneeId === reporter.id, 10_000, 'assigned');
    expect((await tipRow(h.deps, tips.household.id)).status).toBe('ASSIGNED');
    await expect.poll(() => first.locator('.assignee').textContent()).toBe('李记者');
    await screenshot(page, 'inbox-triaged.png');
    expect(bp.errors).toEqual([]);
  });

  it('shows a reporter the tipster contact only after they claim the lead, on a 375 px screen without sideways scrolling', async () => {
    const bp = await openPage(browser, h.baseUrl, { width: 375, height: 812 });
    pages.push(bp);
    const { page } = bp;
    await login(page, reporter.email);
    await page.waitForURL(/#\/leads$/);
    const card = page.locator(`[data-list=mine] .card[data-id="${tips.household.id}"]`);
    await card.waitFor();
    const contact = card.locator('.contact');
    expect(await contact.textContent()).toContain('138****8001');
    expect(await contact.textContent()).not.toContain('13800138001');
    // The pool holds the two triaged, unassigned tips.
    await expect.poll(() => page.locator('[data-list=pool] .card').count()).toBe(2);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);

    await card.locator('[data-action=claim]').click();
    await expect.poll(() => contact.textContent()).toContain('13800138001');
    const claimed = await tipRow(h.deps, tips.household.id);
    expect(claimed.status).toBe('CLAIMED');
    expect(claimed.assigneeId).toBe(reporter.id);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);

    await card.locator('[data-action=start]').click();
    await waitFor(async () => (await tipRow(h.deps, tips.household.id)).status === 'IN_PROGRESS', 10_000, 'in progress');
    await card.locator('[data-action=publish]').waitFor();
    await screenshot(page, 'leads-phone.png');

    // The same lead opened on the phone: its whole page fits the width too.
    await card.locator('a.reference').click();
    await page.locator('.tip-view .msg-body').first().waitFor();
    expect(await page.locator('.tip-header .contact').textContent()).toContain('13800138001');
    await screenshot(page, 'tip-view-phone.png');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
    expect(bp.errors).toEqual([]);
  });

  it('finds Chinese substrings from the search box and merges a duplicate with m', async () => {
    const first = await tipBuilder(h.deps, {
      body: '永泰街道工农路口的路灯坏了一个星期，晚上很黑。',
      phone: '+8613700137003',
      receivedAt: minutesAgo(h.deps, 8),
    });
    const again = await tipBuilder(h.deps, {
      channel: 'EMAIL',
      email: 'chen@example.cn',
      subject: '路灯',
      body: '工农路口路灯还是不亮，昨天有老人摔倒了。',
      receivedAt: minutesAgo(h.deps, 3),
    });
    // The same resident wrote twice; the second tip's tipster is linked to the first by phone here.
    await h.deps.prisma.tip.update({ where: { id: again.id }, data: { tipsterId: first.tipsterId } });

    const bp = await openPage(browser, h.baseUrl);
    pages.push(bp);
    const { page } = bp;
    await login(page, editor.email);
    await page.click('[data-tab=all]');
    await page.keyboard.press('/');
    await page.keyboard.type('义诊');
    await expect.poll(() => page.locator('.tip-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([tips.community.id]);

    await page.fill('input.search', '路灯');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.tip-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([again.id, first.id]);
    // The newest (the email) is selected; m lists its related tips; 1 merges it into the first.
    await page.keyboard.press('m');
    await page.locator('.modal .picker-item', { hasText: first.reference }).waitFor();
    await page.keyboard.press('1');
    // The confirmation shows both tips; Enter merges.
    await page.locator('.modal[role=alertdialog] [data-role=target]', { hasText: first.reference }).waitFor();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await tipRow(h.deps, again.id)).mergedIntoId === first.id, 10_000, 'merged by keyboard');
    expect((await tipRow(h.deps, again.id)).status).toBe('MERGED');
    expect(bp.errors).toEqual([]);
  });

  it('switches the interface to English and back', async () => {
    const bp = await openPage(browser, h.baseUrl);
    pages.push(bp);
    const { page } = bp;
    await login(page, editor.email);
    expect(await page.locator('.main-nav').textContent()).toContain('收件箱');
    await page.click('[data-testid=lang]');
    await expect.poll(() => page.locator('.main-nav').textContent()).toContain('Inbox');
    expect(await page.locator('.tabs').textContent()).toContain('Household');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.click('[data-testid=lang]');
    await expect.poll(() => page.locator('.main-nav').textContent()).toContain('收件箱');
  });
});
