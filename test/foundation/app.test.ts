import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { userWithToken } from '../support/builders.js';

let h: AppHarness;
beforeAll(async () => {
  h = await createAppHarness();
});
afterAll(async () => h?.close());

describe('health and errors', () => {
  it('answers /healthz and /readyz with migrations applied', async () => {
    expect(await (await fetch(`${h.baseUrl}/healthz`)).json()).toEqual({ ok: true });
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: 'reachable', migrations: 'applied' });
  });

  it('exposes Prometheus metrics with queue depth', async () => {
    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(text).toContain('tipdesk_queue_jobs{state="QUEUED"}');
  });

  it('counts only intake requests for intake first: the dashboard and /api do not hold back background jobs', async () => {
    for (const path of ['/', '/api/auth/me', '/healthz']) await (await fetch(`${h.baseUrl}${path}`)).arrayBuffer();
    expect(h.deps.intakeFirst.quiet).toBe(true);
  });

  it('sets security headers', async () => {
    const res = await fetch(`${h.baseUrl}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('names the bad fields in a 400 and reveals nothing on unknown routes', async () => {
    const res = await fetch(`${h.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nope' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toContain('email');
    expect(body.error.message).toContain('password');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await fetch(`${h.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b.cn', password: 'x'.repeat(2_000_000) }),
    });
    expect(res.status).toBe(413);
  });

  it('lets an admin list dead jobs and refuses others', async () => {
    const admin = await userWithToken(h.deps, h.baseUrl, 'ADMIN');
    const reporter = await userWithToken(h.deps, h.baseUrl, 'REPORTER');
    expect((await fetch(`${h.baseUrl}/api/jobs?state=DEAD`)).status).toBe(401);
    expect((await fetch(`${h.baseUrl}/api/jobs?state=DEAD`, { headers: reporter.auth })).status).toBe(403);
    const ok = await fetch(`${h.baseUrl}/api/jobs?state=DEAD`, { headers: admin.auth });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ jobs: [] });
  });
});
