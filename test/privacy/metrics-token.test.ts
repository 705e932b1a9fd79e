import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../support/harness.js';

// /metrics is open without METRICS_TOKEN (loopback deployments) and needs it as a bearer token when set.

let open: AppHarness;
let locked: AppHarness;
const TOKEN = 'scrape-8b1f0c2e9d7a4b6c';

beforeAll(async () => {
  [open, locked] = await Promise.all([createAppHarness(), createAppHarness({ env: { METRICS_TOKEN: TOKEN } })]);
});
afterAll(async () => {
  await Promise.all([open?.close(), locked?.close()]);
});

const scrape = (h: AppHarness, authorization?: string) => fetch(`${h.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });

describe('/metrics', () => {
  it('answers without a token when METRICS_TOKEN is not set', async () => {
    const res = await scrape(open);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('tipdesk_tips');
  });

  it('is 401 without the token or with a wrong one, and answers with the right one', async () => {
    const none = await scrape(locked);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as any).error.code).toBe('UNAUTHENTICATED');
    expect((await scrape(locked, `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await scrape(locked, `Basic ${TOKEN}`)).status).toBe(401);
    const ok = await scrape(locked, `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('tipdesk_queue_jobs');
  });
});
