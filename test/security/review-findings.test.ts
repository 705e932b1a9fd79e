import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, tipBuilder, userWithToken } from '../support/builders.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { client } from '../triage/helpers.js';

// Security review findings 3, 4, 5, 11, 12 and 13 (issue 15), each reproduced over HTTP
// against the real app and PostgreSQL.

let h: AppHarness;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // Behind a proxy as the README used to suggest it: TRUST_PROXY=true.
  h = await createAppHarness({ env: { TRUST_PROXY: 'true', LOGIN_MAX_ATTEMPTS: '4', LOGIN_WINDOW_SECONDS: '600' } });
  api = client(h);
}, 60_000);
afterAll(async () => h?.close());

/** A login from its own proxied address (so the per-address limit stays out of the way). */
let nextAddress = 0;
async function login(email: string, password: string, address = `198.51.100.${++nextAddress % 250}`) {
  const started = performance.now();
  const res = await fetch(`${h.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ email, password }),
  });
  const body = (await res.json()) as { token?: string };
  return { status: res.status, ms: performance.now() - started, token: body.token, headers: res.headers };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('finding 3: login timing', () => {
  it('takes as long for an unknown or inactive account as for a wrong password on a real one', async () => {
    // Two accounts of each kind, so five tries stay under the per-account limit (4).
    const real = [
      await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'timing-real'),
      await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'timing-real2'),
    ];
    const inactive = [
      await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'timing-off'),
      await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'timing-off2'),
    ];
    await h.deps.prisma.user.updateMany({ where: { id: { in: inactive.map((u) => u.user.id) } }, data: { active: false } });
    // Warm up both paths once (the first scrypt of a process allocates its memory).
    await login(real[0].user.email, 'wrong password 0');
    await login('nobody-0@paper.example', 'wrong password 0');
    const times = { known: [] as number[], unknown: [] as number[], inactive: [] as number[] };
    // Interleaved, a new unknown name each time, so neither the load nor a limit favours one path.
    for (let i = 1; i <= 5; i++) {
      times.known.push((await login(real[i % 2].user.email, `wrong password ${i}`)).ms);
      times.unknown.push((await login(`nobody-${i}@paper.example`, `wrong password ${i}`)).ms);
      times.inactive.push((await login(inactive[i % 2].user.email, `wrong password ${i}`)).ms);
    }
    const [k, u, d] = [median(times.known), median(times.unknown), median(times.inactive)];
    // Before the fix: ~200 ms against ~12 ms (a ratio over 10). One scrypt each way now.
    expect(Math.max(k, u) / Math.min(k, u), JSON.stringify(times)).toBeLessThan(2);
    expect(Math.max(k, d) / Math.min(k, d), JSON.stringify(times)).toBeLessThan(2);
  });
});

describe('finding 4: changing a password', () => {
  it("signs the user's other sessions out and keeps the one that changed it", async () => {
    const u = await userWithToken(h.deps, h.baseUrl, 'EDITOR', 'pw-change');
    const other = await login(u.user.email, PASSWORD);
    expect(other.status).toBe(200);
    const otherAuth = { authorization: `Bearer ${other.token}` };
    expect((await api.get('/api/auth/me', otherAuth)).status).toBe(200);

    const wrong = await api.post('/api/auth/password', u.auth, { currentPassword: 'not my password', newPassword: 'a new long password 1' });
    expect(wrong.status).toBe(403);
    expect((await api.post('/api/auth/password', u.auth, { currentPassword: PASSWORD, newPassword: 'short' })).status).toBe(400);

    const changed = await api.post('/api/auth/password', u.auth, { currentPassword: PASSWORD, newPassword: 'a new long password 1' });
    expect(changed.status).toBe(204);
    expect((await api.get('/api/auth/me', otherAuth)).status).toBe(401);
    expect((await api.get('/api/auth/me', u.auth)).status).toBe(200);
    expect((await login(u.user.email, PASSWORD)).status).toBe(401);
    expect((await login(u.user.email, 'a new long password 1')).status).toBe(200);
  });

  it("an admin's reset signs the user out everywhere", async () => {
    const admin = await userWithToken(h.deps, h.baseUrl, 'ADMIN', 'pw-admin');
    const u = await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'pw-reset');
    const reset = await api.patch(`/api/users/${u.user.id}`, admin.auth, { password: 'reset by the admin 1' });
    expect(reset.status).toBe(200);
    expect((await api.get('/api/auth/me', u.auth)).status).toBe(401);
    expect((await login(u.user.email, 'reset by the admin 1')).status).toBe(200);
  });
});

describe('finding 5: the per-address login limit behind a proxy', () => {
  it('cannot be bypassed by rotating X-Forwarded-For when TRUST_PROXY=true', async () => {
    // The client makes up an X-Forwarded-For each time; the proxy appends the address it saw.
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      statuses.push((await login(`rotating-${i}@paper.example`, 'guess', `10.${i}.0.1, 203.0.113.7`)).status);
    }
    // LOGIN_MAX_ATTEMPTS=4: 20 per address, then 429.
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429]);
    // …and the start-up said how TRUST_PROXY=true is read.
    expect(h.logs.text).toMatch(/TRUST_PROXY=true/);
  });
});

describe('finding 11: the last admin', () => {
  it('cannot demote or deactivate themselves (409); with another admin they can', async () => {
    const a = await userWithToken(h.deps, h.baseUrl, 'ADMIN', 'last-admin');
    await h.deps.prisma.user.updateMany({ where: { role: 'ADMIN', id: { not: a.user.id } }, data: { active: false } });
    for (const change of [{ role: 'EDITOR' }, { active: false }, { role: 'REPORTER', active: false }]) {
      const res = await api.patch(`/api/users/${a.user.id}`, a.auth, change);
      expect(res.status, JSON.stringify(change)).toBe(409);
      expect(res.body.error.message).toMatch(/last active admin/);
    }
    expect(await h.deps.prisma.user.findUniqueOrThrow({ where: { id: a.user.id } })).toMatchObject({ role: 'ADMIN', active: true });
    // Renaming yourself is fine.
    expect((await api.patch(`/api/users/${a.user.id}`, a.auth, { displayName: '总编室' })).status).toBe(200);

    const b = await userWithToken(h.deps, h.baseUrl, 'ADMIN', 'second-admin');
    expect((await api.patch(`/api/users/${a.user.id}`, a.auth, { role: 'EDITOR' })).status).toBe(200);
    expect((await api.patch(`/api/users/${b.user.id}`, b.auth, { active: false })).status).toBe(409);
  });
});

describe('finding 12: dates in the tip list', () => {
  it('answer 400 naming the field for impossible dates', async () => {
    const editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR', 'dates');
    for (const q of ['from=2026-13-45', 'to=2026-02-30', 'from=2026-03-21T25:61:00Z', 'to=2026-00-10', 'from=20260321']) {
      const res = await api.get(`/api/tips?${q}`, editor.auth);
      expect(res.status, q).toBe(400);
      expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual([q.split('=')[0]]);
    }
    for (const q of ['from=2026-02-28', 'to=2028-02-29', 'from=2026-03-21T00:00:00Z', 'from=2026-03-21T08:00:00%2B08:00']) {
      expect((await api.get(`/api/tips?${q}`, editor.auth)).status, q).toBe(200);
    }
  });
});

describe('finding 13: caching and the rate-limit table', () => {
  it('marks answers with tips, contacts and tokens Cache-Control: no-store', async () => {
    const editor = await userWithToken(h.deps, h.baseUrl, 'EDITOR', 'cache');
    const tip = await tipBuilder(h.deps, { phone: '+8618635299317' });
    expect((await login(editor.user.email, PASSWORD)).headers.get('cache-control')).toBe('no-store');
    for (const path of [`/api/tips/${tip.id}`, '/api/tips', '/api/tips/export.csv', '/api/leads', '/api/auth/me']) {
      const res = await api.get(path, editor.auth);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('deletes expired rate-limit windows', async () => {
    const long = new Date(Date.now() - 2 * 86_400_000);
    await h.deps.prisma.rateLimit.createMany({
      data: Array.from({ length: 300 }, (_, i) => ({ key: `login:ip:192.0.2.${i}`, count: 3, windowStart: long })),
    });
    await login('someone-new@paper.example', 'guess');
    expect(await h.deps.prisma.rateLimit.count({ where: { windowStart: { lt: new Date(Date.now() - 600_000) } } })).toBe(0);
    expect(await h.deps.prisma.rateLimit.count({ where: { key: 'login:acct:someone-new@paper.example' } })).toBe(1);
  });
});
