import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { waitFor } from '../support/wait.js';
import { startWorker } from '../twilio/twilio-support.js';
import { amr, base, msgId, openId, push, referenceIn, startWechatApi, wechatEnv, type WechatApi } from '../wechat/wechat-support.js';
import { launchBrowser, login, newsroomUser, openPage, screenshot, type BrowserPage } from './browser.js';

// A WeChat voice message arrives the real way (an encrypted push; the worker downloads the AMR
// audio from a loopback WeChat API and converts it) while an editor has the dashboard open.

let h: AppHarness;
let browser: Browser;
let worker: Worker<unknown>;
let api: WechatApi;
let bp: BrowserPage;

beforeAll(async () => {
  api = await startWechatApi();
  [h, browser] = await Promise.all([createAppHarness({ env: wechatEnv({ WECHAT_API_BASE_URL: api.base }) }), launchBrowser()]);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
  const editor = await newsroomUser(h.deps, 'EDITOR', '李编辑');
  bp = await openPage(browser, h.baseUrl);
  await login(bp.page, editor.email);
});
afterAll(async () => {
  await bp?.context.close().catch(() => {});
  await browser?.close();
  await worker?.stop();
  await h?.close();
  await api?.close();
});

describe('dashboard: a WeChat voice message', () => {
  it('plays the audio (AMR converted for the browser) and shows WeChat’s transcript', async () => {
    const { page } = bp;
    const mediaId = `VOICE_${msgId()}`;
    api.addMedia(mediaId, 'audio/amr', amr(1));
    const recognition = '魏都大道和御河西路路口的红绿灯坏了，早上堵得很厉害。';
    const p = { ...base(openId(), 'voice'), MediaId: mediaId, Format: 'amr', Recognition: recognition, MsgId: msgId() };
    const res = await push(h.baseUrl, p, { mode: 'safe' });
    const reference = referenceIn(res.reply!.Content)!;
    const tip = await waitFor(() => h.deps.prisma.tip.findUnique({ where: { reference } }), 15_000, 'tip');
    await waitFor(() => h.deps.prisma.attachment.findFirst({ where: { tipId: tip.id, state: 'STORED' } }), 20_000, 'voice downloaded');

    await page.goto(`/#/tips/${tip.id}`);
    const audio = page.locator('audio');
    await expect.poll(() => audio.getAttribute('src'), { timeout: 15_000 }).toMatch(/^blob:/);
    // Chromium decoded the bytes: it knows the one-second length (AMR itself would not load).
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => Math.round(a.duration || 0)), { timeout: 15_000 }).toBe(1);
    expect(await audio.evaluate((a: HTMLAudioElement) => a.error)).toBeNull();
    const transcript = page.locator('.msg.kind-transcript');
    expect(await transcript.locator('.msg-body').textContent()).toContain('红绿灯坏了');
    expect(await transcript.textContent()).toContain('录音转写');
    await screenshot(page, 'wechat-voice.png');
    expect(bp.errors).toEqual([]);
  });
});
