import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { tipBuilder } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { axe, launchBrowser, login, newsroomUser, openPage, screenshot, type BrowserPage } from './browser.js';
import { minutesAgo } from './fixtures.js';

// Bulk work at the desk: rows ticked with Shift/Ctrl+click and `x`, then filed, assigned to a
// reporter, and dismissed at once; the dismissal undone from its toast, each tip back to the
// status it had (one of them assigned, with its reporter), each undo audited.

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

const tipRow = (id: string) => h.deps.prisma.tip.findUniqueOrThrow({ where: { id } });
const AT = { position: { x: 420, y: 10 } };

describe('bulk actions', () => {
  it('ticks with Shift/Ctrl+click and x, files and assigns several tips, dismisses several and undoes the dismissal', async () => {
    const editor = await newsroomUser(h.deps, 'EDITOR', '王丽');
    const reporter = await newsroomUser(h.deps, 'REPORTER', '李记者');
    await newsroomUser(h.deps, 'REPORTER', '郑林');
    // Newest first in the inbox: d, c, b, a.
    const a = await tipBuilder(h.deps, { body: '永泰街道的路灯坏了一排，晚上很黑。', phone: '+8613700000021', receivedAt: minutesAgo(h.deps, 4) });
    const b = await tipBuilder(h.deps, {
      body: '楼上邻居装修，周末早上七点就开始砸墙。',
      phone: '+8613700000022',
      receivedAt: minutesAgo(h.deps, 3),
    });
    const c = await tipBuilder(h.deps, {
      body: '大齿社区的垃圾站三天没清运了，味道很大。',
      phone: '+8613700000023',
      receivedAt: minutesAgo(h.deps, 2),
    });
    const d = await tipBuilder(h.deps, { body: '工农路社区8号楼楼道灯坏了一个多月。', phone: '+8613700000024', receivedAt: minutesAgo(h.deps, 1) });
    const bp = await openPage(browser, h.baseUrl);
    pages.push(bp);
    const { page, errors } = bp;
    await login(page, editor.email);
    const row = (id: string) => page.locator(`.tip-row[data-id="${id}"]`);
    await row(a.id).waitFor();

    // A reload with a session asks for the first page of tips before /api/auth/me has answered (side by side, not one after the other).
    const seen: string[] = [];
    const api = (u: string) => new URL(u).pathname;
    page.on('request', (r) => seen.push(`start ${api(r.url())}`));
    page.on('requestfinished', (r) => seen.push(`end ${api(r.url())}`));
    await page.reload();
    await row(a.id).waitFor();
    expect(seen.indexOf('start /api/tips')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('start /api/tips')).toBeLessThan(seen.indexOf('end /api/auth/me'));

    // Click d, Shift+click c: d and c ticked. 1 files both as 居家事.
    await row(d.id).click(AT);
    await row(c.id).click({ ...AT, modifiers: ['Shift'] });
    await expect.poll(() => page.locator('.tip-row.ticked').count()).toBe(2);
    await page.keyboard.press('1');
    await waitFor(async () => (await tipRow(c.id)).category === 'HOUSEHOLD' && (await tipRow(d.id)).category === 'HOUSEHOLD', 10_000, 'bulk filed');
    await expect.poll(() => page.locator('.tip-row.ticked').count()).toBe(0);

    // Ctrl+click c and d again; a assigns both to the reporter picked in the dialog.
    await row(c.id).click({ ...AT, modifiers: ['Control'] });
    await row(d.id).click({ ...AT, modifiers: ['Control'] });
    await page.locator('[data-testid=bulk-count]').waitFor();
    await page.keyboard.press('a');
    const picker = page.locator('.modal[role=dialog]');
    await picker.locator('.picker-item', { hasText: '李记者' }).waitFor();
    await screenshot(page, 'bulk-assign.png');
    expect(await axe(page, 'bulk-assign')).toEqual([]);
    await picker.locator('.picker-item', { hasText: '李记者' }).locator('button').click();
    await waitFor(
      async () => (await tipRow(c.id)).assigneeId === reporter.id && (await tipRow(d.id)).assigneeId === reporter.id,
      10_000,
      'bulk assigned',
    );
    expect((await tipRow(c.id)).status).toBe('ASSIGNED');

    // x ticks a (selected by j/k), Ctrl+click b and c: three tips in three states. d dismisses them all.
    await row(a.id).click(AT);
    await page.keyboard.press('x');
    await row(b.id).click({ ...AT, modifiers: ['Control'] });
    await row(c.id).click({ ...AT, modifiers: ['Control'] });
    await expect.poll(() => page.locator('.tip-row.ticked').count()).toBe(3);
    expect(await page.locator('[data-testid=bulk-count]').textContent()).toContain('3');
    await screenshot(page, 'bulk-ticked.png');
    expect(await axe(page, 'bulk-ticked')).toEqual([]);
    await page.keyboard.press('d');
    await waitFor(
      async () => (await Promise.all([a, b, c].map((t) => tipRow(t.id)))).every((t) => t.status === 'DISMISSED'),
      10_000,
      'bulk dismissed',
    );
    expect((await tipRow(d.id)).status).toBe('ASSIGNED');

    // Undo from the toast: each tip gets back the status it had; c keeps its reporter.
    const undo = page.locator('.toast [data-testid=undo]').last();
    await undo.waitFor();
    await screenshot(page, 'bulk-dismissed.png');
    await undo.click();
    await waitFor(
      async () => (await tipRow(a.id)).status === 'NEW' && (await tipRow(b.id)).status === 'NEW' && (await tipRow(c.id)).status === 'ASSIGNED',
      10_000,
      'bulk dismissal undone',
    );
    expect((await tipRow(c.id)).assigneeId).toBe(reporter.id);
    const undone = await h.deps.prisma.auditEvent.findMany({ where: { action: 'tip.undismissed' }, orderBy: { createdAt: 'asc' } });
    expect(undone.map((e) => e.tipId).sort()).toEqual([a.id, b.id, c.id].sort());
    expect(undone.every((e) => e.actorId === editor.id)).toBe(true);
    // The rows show it without a reload: a and b are untriaged again.
    await expect.poll(() => row(a.id).getAttribute('class')).toContain('untriaged');
    await expect.poll(() => row(b.id).getAttribute('class')).toContain('untriaged');

    // The tip view's history says it in words.
    await page.goto(`/#/tips/${c.id}`);
    await expect.poll(() => page.locator('.events').textContent()).toMatch(/王丽 把状态从 .+ 改为 .+/);
    expect(await axe(page, 'tip-view')).toEqual([]);
    expect(errors).toEqual([]);
  });
});
