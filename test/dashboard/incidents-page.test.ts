import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { tipBuilder } from '../support/builders.js';
import { axe, launchBrowser, login, newsroomUser, openPage, screenshot, type BrowserPage } from './browser.js';

// #/incidents in Chromium: an editor adds an incident type with its synonyms, edits it and
// deactivates it; the next new tip is read with each change; axe-core finds no serious or
// critical violation, in Chinese and in English.

let h: AppHarness;
let browser: Browser;
let bp: BrowserPage;

beforeAll(async () => {
  [h, browser] = await Promise.all([createAppHarness(), launchBrowser()]);
  const editor = await newsroomUser(h.deps, 'EDITOR', '段编辑');
  bp = await openPage(browser, h.baseUrl);
  await login(bp.page, editor.email);
});
afterAll(async () => {
  await bp?.context.close().catch(() => {});
  await browser?.close();
  await h?.close();
});

const typesOf = async (body: string) => {
  const t = await tipBuilder(h.deps, { body });
  return (await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: t.id } })).incidentTypes;
};

describe('dashboard: incident types', () => {
  it('lists the taxonomy, adds, edits and deactivates a type, with no serious accessibility violation', async () => {
    const { page } = bp;
    await page.click('a[href="#/incidents"]');
    await page.waitForURL(/#\/incidents$/);
    const elevator = page.locator('li[data-incident="elevator"]');
    await elevator.waitFor();
    expect(await elevator.textContent()).toContain('困梯');
    expect(await page.locator('h2').textContent()).toBe('事件类型');
    expect(await axe(page, 'incidents')).toEqual([]);

    // Labels are real <label for>: the form is filled by its labels, as a screen reader user would.
    await page.getByLabel('代码（小写英文，如 elevator）').fill('parcel-locker');
    await page.locator('#incident-new-label').fill('快递柜损坏');
    await page.locator('#incident-new-phrases').fill('快递柜坏了，快递柜被砸');
    await page.locator('#incident-new-subjects').fill('快递柜');
    await page.locator('#incident-new-faults').fill('砸、碎');
    await page.click('.incident-add button[type=submit]');
    const row = page.locator('li[data-incident="parcel-locker"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('快递柜被砸');
    expect(await typesOf('幸福小区门口的快递柜被人砸了，玻璃碎了一地')).toContain('parcel-locker');

    // Edit: a synonym tipsters use.
    await row.getByRole('button', { name: /编辑/ }).click();
    expect(await row.getByRole('button', { name: /编辑/ }).getAttribute('aria-expanded')).toBe('true');
    await row.locator('#incident-parcel-locker-phrases').fill('快递柜坏了，取件柜打不开');
    expect(await axe(page, 'incidents-edit')).toEqual([]);
    await row.locator('.incident-edit button[type=submit]').click();
    await page.locator('li[data-incident="parcel-locker"] dd', { hasText: '取件柜打不开' }).waitFor();
    expect(await typesOf('和信小区北门的取件柜打不开，包裹取不出来')).toContain('parcel-locker');

    // Deactivate: shown as inactive, and new tips are no longer read for it.
    await page.click('[data-testid="toggle-parcel-locker"]');
    await page.locator('li[data-incident="parcel-locker"].inactive').waitFor();
    expect(await page.locator('[data-testid="toggle-parcel-locker"]').textContent()).toContain('启用');
    expect(await typesOf('和信小区北门的取件柜打不开，包裹取不出来')).not.toContain('parcel-locker');
    expect(await axe(page, 'incidents-inactive')).toEqual([]);

    // The same page in English.
    await page.click('[data-testid="lang"]');
    await page.locator('h2', { hasText: 'Incident types' }).waitFor();
    expect(await page.locator('[data-testid="toggle-parcel-locker"]').textContent()).toContain('Reactivate');
    expect(await axe(page, 'incidents-en')).toEqual([]);
    await screenshot(page, 'incident-types.png');
    expect(bp.errors).toEqual([]);
  });
});
