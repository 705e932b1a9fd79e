import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { launchBrowser, openPage } from '../dashboard/browser.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { address, postApi, solve, TEXTS, tipForm } from './web-support.js';

// WEB_FORM_CHALLENGE=on: a post must carry a solved, unexpired, unused challenge.

let h: AppHarness;
beforeAll(async () => {
  h = await createAppHarness({ env: { TRUST_PROXY: 'true', WEB_FORM_CHALLENGE: 'on', WEB_FORM_SECRET: 'k'.repeat(40) } });
});
afterAll(async () => {
  await h?.close();
});

const challenge = async () =>
  (await (await fetch(`${h.baseUrl}/api/public/challenge`)).json()) as { required: boolean; challenge: string; bits: number };

describe('WEB_FORM_CHALLENGE=on', () => {
  it('refuses a post without a solved challenge (400 naming the field) and stores nothing', async () => {
    const none = await postApi(h.baseUrl, { body: TEXTS.leak }, { address: address() });
    expect(none.status).toBe(400);
    expect(none.json.error?.details?.field).toBe('challenge');
    const c = await challenge();
    const unsolved = await postApi(h.baseUrl, { body: TEXTS.leak, challenge: c.challenge, nonce: 'x' }, { address: address() });
    expect(unsolved.status).toBe(400);
    const forged = c.challenge.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect((await postApi(h.baseUrl, { body: TEXTS.leak, challenge: forged, nonce: solve(forged, c.bits) }, { address: address() })).status).toBe(
      400,
    );
    expect(await h.deps.prisma.submission.count()).toBe(0);
  });

  it('accepts a solved challenge once', async () => {
    const c = await challenge();
    expect(c.required).toBe(true);
    const nonce = solve(c.challenge, c.bits);
    const ok = await postApi(h.baseUrl, tipForm({ body: TEXTS.leak, challenge: c.challenge, nonce }), { address: address() });
    expect(ok.status).toBe(201);
    const reused = await postApi(h.baseUrl, { body: TEXTS.leak, challenge: c.challenge, nonce }, { address: address() });
    expect(reused.status).toBe(400);
    expect(await h.deps.prisma.tip.count()).toBe(1);
  });

  it("is solved by the page's own script in a browser", async () => {
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openPage(browser, h.baseUrl, { width: 375, height: 812 });
      await page.goto('/tip');
      await page.fill('#body', TEXTS.leak);
      await page.click('button[type=submit]');
      await page.locator('#result #reference').waitFor();
      const reference = (await page.locator('#reference').textContent())!.trim();
      expect(await h.deps.prisma.tip.findUnique({ where: { reference } })).not.toBeNull();
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('needs WEB_FORM_SECRET to turn on', () => {
    expect(() => loadConfig({ WEB_FORM_CHALLENGE: 'on' })).toThrow(/WEB_FORM_SECRET/);
  });
});
