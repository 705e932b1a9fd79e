import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { tipBuilder } from '../support/builders.js';
import { waitFor } from '../support/wait.js';
import { ACCOUNT_SID, phone, postSigned, sid, smsParams, startTwilioStub, startWorker, twilioEnv } from '../twilio/twilio-support.js';
import { launchBrowser, login, newsroomUser, openPage, screenshot, type BrowserPage } from './browser.js';
import { png, TEXTS, wav } from './fixtures.js';

// Tips arrive the real way (signed Twilio webhooks, the worker normalizing them, media
// fetched from a loopback Twilio) while an editor has the dashboard open.

let h: AppHarness;
let browser: Browser;
let worker: Worker<unknown>;
let stub: Awaited<ReturnType<typeof startTwilioStub>>;
let editor: Awaited<ReturnType<typeof newsroomUser>>;
let bp: BrowserPage;

const caller = phone();
const SMS_TEXT = '大齿社区3号楼楼道灯坏了一个多月，晚上老人上下楼很危险，照片发给你们看看。';

beforeAll(async () => {
  stub = await startTwilioStub();
  [h, browser] = await Promise.all([createAppHarness({ env: twilioEnv({ TWILIO_API_BASE_URL: stub.base }) }), launchBrowser()]);
  const { createTwilioClient } = await import('../../src/deps.js');
  h.deps.twilio = createTwilioClient(h.deps.config);
  worker = startWorker(h.deps) as Worker<unknown>;
  await worker.start();
  editor = await newsroomUser(h.deps, 'EDITOR', '王编辑');
  bp = await openPage(browser, h.baseUrl);
  await login(bp.page, editor.email);
});
afterAll(async () => {
  await bp?.context.close().catch(() => {});
  await browser?.close();
  await worker?.stop();
  await h?.close();
  await stub?.close();
});

const tipBySubmission = (externalId: string) =>
  waitFor(
    async () => (await h.deps.prisma.submission.findFirst({ where: { externalId, state: 'PROCESSED' } }))?.tipId,
    15_000,
    `submission ${externalId} processed`,
  );

describe('dashboard: live inbox, thread, XSS, intake health', () => {
  let smsTipId: string;
  let voiceTipId: string;

  it('shows a new SMS (with a photo) in an open inbox without reloading', async () => {
    const { page } = bp;
    await page.waitForURL(/#\/inbox$/);
    await page.locator('.tip-list').waitFor();
    // A marker that a reload would wipe.
    await page.evaluate(() => ((window as unknown as { __stayed: boolean }).__stayed = true));

    const photo = stub.serve(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`, 'image/png', png(160, 120, [179, 38, 30]));
    const params = smsParams({ from: caller, body: SMS_TEXT, sid: sid('MM'), media: [{ url: photo, type: 'image/png' }] });
    const res = await postSigned(h.baseUrl, '/webhooks/twilio/sms', params);
    expect(res.status).toBe(200);
    smsTipId = await tipBySubmission(params.MessageSid);

    const row = page.locator(`.tip-row[data-id="${smsTipId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('.first-line').textContent()).toContain('楼道灯坏了');
    expect(await page.evaluate(() => (window as unknown as { __stayed?: boolean }).__stayed)).toBe(true);

    // Open it: the photo shows as a thumbnail fetched with the bearer token (a blob: URL).
    await row.locator('a.reference').click();
    await page.waitForURL(new RegExp(`#/tips/${smsTipId}$`));
    const thumb = page.locator('img.thumb');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(160);
    expect(await thumb.getAttribute('src')).toMatch(/^blob:/);
    await page.keyboard.press('Escape');
    await page.waitForURL(/#\/inbox$/);
  });

  it('plays a voicemail with its transcript, takes a note and a reply, and merges the call into the SMS', async () => {
    const { page } = bp;
    const callSid = sid('CA');
    const recSid = sid('RE');
    const recordingUrl = `${stub.base}/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recSid}`;
    stub.serve(`/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recSid}.mp3`, 'audio/mpeg', wav(1));
    const voice = (path: string, p: Record<string, string>) =>
      postSigned(h.baseUrl, `/webhooks/twilio${path}`, { AccountSid: ACCOUNT_SID, CallSid: callSid, ...p });
    expect((await voice('/voice', { From: caller, To: '+8618635299317', CallStatus: 'ringing' })).status).toBe(200);
    expect(
      (await voice('/recording', { RecordingSid: recSid, RecordingUrl: recordingUrl, RecordingStatus: 'completed', RecordingDuration: '12' })).status,
    ).toBe(200);
    expect(
      (
        await voice('/transcription', {
          TranscriptionSid: sid('TR'),
          TranscriptionText: TEXTS.voicemail,
          TranscriptionStatus: 'completed',
          RecordingSid: recSid,
          From: caller,
        })
      ).status,
    ).toBe(200);
    voiceTipId = await tipBySubmission(`rec:${recSid}`);
    await waitFor(
      () => h.deps.prisma.attachment.findFirst({ where: { tipId: voiceTipId, state: 'STORED', kind: 'voicemail' } }),
      15_000,
      'recording fetched',
    );
    await waitFor(() => h.deps.prisma.message.findFirst({ where: { tipId: voiceTipId, kind: 'transcript' } }), 15_000, 'transcript stored');

    await page.goto(`/#/tips/${voiceTipId}`);
    const audio = page.locator('audio');
    await expect.poll(() => audio.getAttribute('src'), { timeout: 15_000 }).toMatch(/^blob:/);
    // The bytes reached the player intact: Chromium reads the recording's length from them.
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => Math.round(a.duration || 0)), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('.msg.kind-transcript .msg-body').textContent()).toContain('暖气一直不热');

    await page.fill('textarea[name=note]', '已电话联系供暖公司，等回复。');
    await page.click('.note-form button[type=submit]');
    await page.locator('.notes li', { hasText: '已电话联系供暖公司' }).waitFor();

    await page.fill('textarea[name=reply]', '您好，我们已收到您的留言，记者会尽快联系您。');
    await page.click('.reply button[type=submit]');
    const out = page.locator('.msg.out', { hasText: '记者会尽快联系您' });
    await out.waitFor();
    // Delivery state follows the send-sms job to the (loopback) Twilio API.
    await out.locator('.delivery-sent').waitFor({ timeout: 15_000 });
    expect(stub.messageRequests().some((r) => new URLSearchParams(r.body).get('Body')?.includes('记者会尽快联系您'))).toBe(true);

    // Same caller: the SMS tip is listed as related, with a merge button.
    const related = page.locator(`.related [data-merge-into="${smsTipId}"]`);
    await related.waitFor({ timeout: 10_000 });
    await screenshot(page, 'tip-view.png');
    await related.click();
    // A confirmation shows both tips before anything moves.
    const confirm = page.locator('.modal[role=alertdialog]');
    await confirm.locator('[data-role=source]', { hasText: '' }).waitFor();
    await confirm.locator('[data-testid=confirm]').click();
    await page.waitForURL(new RegExp(`#/tips/${smsTipId}$`));
    await waitFor(async () => (await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: voiceTipId } })).mergedIntoId === smsTipId, 10_000, 'merged');
    // The survivor's thread now carries the call too.
    await page.locator('audio').waitFor({ timeout: 10_000 });
    await page.locator('.msg.kind-transcript').waitFor();
    await screenshot(page, 'tip-view-merged.png');
    expect(bp.errors).toEqual([]);
  });

  it('renders a tip carrying <script> and <img onerror> as text, running nothing', async () => {
    const { page, dialogs } = bp;
    const tip = await tipBuilder(h.deps, {
      channel: 'EMAIL',
      email: 'mallory@example.cn',
      subject: '<img src=x onerror="alert(1)">投诉',
      body: TEXTS.xss,
    });
    await page.goto('/#/inbox');
    await page.click('[data-tab=all]');
    const row = page.locator(`.tip-row[data-id="${tip.id}"]`);
    await row.waitFor();
    expect(await row.locator('.first-line').textContent()).toBe('<img src=x onerror="alert(1)">投诉');
    await row.locator('a.reference').click();
    const body = page.locator('.msg-body').first();
    await body.waitFor();
    expect(await body.textContent()).toBe(TEXTS.xss);
    expect(await page.locator('.msg-subject').first().textContent()).toBe('<img src=x onerror="alert(1)">投诉');
    // Give an injected handler every chance to fire before looking.
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('img[src=x], script:not([src])').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows intake health per channel and retries a quarantined SMS', async () => {
    const { page } = bp;
    const params = smsParams({ from: phone(), body: '清远街道的志愿者周末组织义诊，想请报社宣传一下。' });
    const sub = await h.deps.prisma.submission.create({
      data: {
        channel: 'SMS',
        externalId: params.MessageSid,
        params,
        sender: params.From,
        state: 'QUARANTINED',
        lastError: 'normalize failed: database restarting (test)',
      },
    });
    await page.goto('/#/health');
    const sms = page.locator('.health-card[data-source="twilio:sms"]');
    await sms.waitFor();
    expect(Number(await sms.locator('.stat-value').nth(1).textContent())).toBeGreaterThanOrEqual(1);
    const item = page.locator(`[data-submission="${sub.id}"]`);
    expect(await item.locator('.error').textContent()).toContain('database restarting');
    await screenshot(page, 'health.png');
    await item.locator('button').click();
    await waitFor(
      async () => (await h.deps.prisma.submission.findUniqueOrThrow({ where: { id: sub.id } })).state === 'PROCESSED',
      15_000,
      'retried submission processed',
    );
    await item.waitFor({ state: 'detached', timeout: 15_000 });
    expect(bp.errors).toEqual([]);
  });
});
