import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { PASSWORD, tipBuilder, userWithToken } from '../support/builders.js';
import { deskHarness, triagedTip, type Auth, type Desk } from './helpers.js';

type Role = 'ADMIN' | 'EDITOR' | 'REPORTER';
type Who = Role | 'ANON';
interface Case {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  allowed: Role[] | 'public';
  /** A request that the caller may make when its role allows the route (fresh fixtures each time). */
  make: (who: Who) => Promise<{ url: string; body?: unknown }>;
}

let d: Desk;
let h: Desk['h'];
let s: Desk['s'];
let api: Desk['api'];

beforeAll(async () => {
  d = await deskHarness();
  ({ h, s, api } = d);
});
afterAll(async () => d?.close());

const authOf = (who: Who): Auth => (who === 'ANON' ? {} : { ADMIN: s.admin, EDITOR: s.editor, REPORTER: s.reporter }[who].auth);
const editorAuth = () => s.editor.auth;

async function claimedByReporter() {
  const t = await triagedTip(h, editorAuth(), { channel: 'EMAIL', email: 'tipster@163.com' });
  const r = await api.post(`/api/tips/${t.id}/claim`, s.reporter.auth);
  return r.body.tip as { id: string; version: number };
}
/** For a reporter: a lead they claimed; for others: a fresh NEW tip. */
async function tipFor(who: Who) {
  if (who === 'REPORTER') return claimedByReporter();
  const t = await tipBuilder(h.deps, { channel: 'EMAIL', email: 'tipster@163.com' });
  return { id: t.id, version: t.version };
}
async function failedReplyFor(who: Who) {
  const t = await tipFor(who);
  const m = await h.deps.prisma.message.create({
    data: {
      tipId: t.id,
      direction: 'OUTBOUND',
      channel: 'EMAIL',
      kind: 'reply',
      body: '您好',
      deliveryState: 'FAILED',
      deliveryError: 'SMTP refused',
    },
  });
  return m.id;
}
async function attachmentFor(who: Who) {
  const t = await tipFor(who);
  const msg = await h.deps.prisma.message.findFirstOrThrow({ where: { tipId: t.id } });
  const a = await h.deps.prisma.attachment.create({
    data: {
      tipId: t.id,
      messageId: msg.id,
      filename: '照片.jpg',
      contentType: 'image/jpeg',
      size: 3,
      blob: { create: { data: new Uint8Array([1, 2, 3]) } },
    },
  });
  return a.id;
}
let ruleSeq = 0;
async function ruleId() {
  const r = await h.deps.prisma.categoryRule.create({ data: { category: 'COMMUNITY', phrase: `测试短语${ruleSeq++}`, weight: 1 } });
  return r.id;
}

async function incidentCode() {
  const r = await h.deps.prisma.incidentType.create({ data: { code: `role-test-${ruleSeq++}`, label: '测试事件', phrases: ['测试说法'] } });
  return r.code;
}

async function placeId() {
  const r = await h.deps.prisma.newsroomPlace.create({ data: { name: `测试地点${ruleSeq++}`, kind: 'landmark' } });
  return r.id;
}

const EDITORS: Role[] = ['ADMIN', 'EDITOR'];
const STAFF: Role[] = ['ADMIN', 'EDITOR', 'REPORTER'];

const cases: Case[] = [
  { method: 'get', path: '/api/tips', allowed: EDITORS, make: async () => ({ url: '/api/tips?status=NEW' }) },
  { method: 'get', path: '/api/tips/export.csv', allowed: EDITORS, make: async () => ({ url: '/api/tips/export.csv' }) },
  { method: 'get', path: '/api/tips/{id}', allowed: STAFF, make: async (w) => ({ url: `/api/tips/${(await tipFor(w)).id}` }) },
  {
    method: 'patch',
    path: '/api/tips/{id}',
    allowed: STAFF,
    make: async (w) => {
      const t = await tipFor(w);
      return {
        url: `/api/tips/${t.id}`,
        body: w === 'REPORTER' ? { version: t.version, status: 'IN_PROGRESS' } : { version: t.version, priority: 'high' },
      };
    },
  },
  {
    method: 'post',
    path: '/api/tips/{id}/assign',
    allowed: EDITORS,
    make: async () => ({ url: `/api/tips/${(await triagedTip(h, editorAuth())).id}/assign`, body: { reporterId: s.reporter2.user.id } }),
  },
  {
    method: 'post',
    path: '/api/tips/{id}/claim',
    allowed: ['REPORTER'],
    make: async () => ({ url: `/api/tips/${(await triagedTip(h, editorAuth())).id}/claim` }),
  },
  {
    method: 'post',
    path: '/api/tips/{id}/release',
    allowed: STAFF,
    make: async (w) => {
      if (w === 'REPORTER') return { url: `/api/tips/${(await claimedByReporter()).id}/release` };
      const t = await triagedTip(h, editorAuth());
      await api.post(`/api/tips/${t.id}/assign`, editorAuth(), { reporterId: s.reporter2.user.id });
      return { url: `/api/tips/${t.id}/release` };
    },
  },
  {
    method: 'post',
    path: '/api/tips/{id}/merge',
    allowed: EDITORS,
    make: async () => ({ url: `/api/tips/${(await tipBuilder(h.deps)).id}/merge`, body: { intoId: (await tipBuilder(h.deps)).id } }),
  },
  {
    method: 'post',
    path: '/api/tips/{id}/unmerge',
    allowed: EDITORS,
    make: async () => {
      const [a, b] = [await tipBuilder(h.deps), await tipBuilder(h.deps)];
      await api.post(`/api/tips/${a.id}/merge`, editorAuth(), { intoId: b.id });
      return { url: `/api/tips/${a.id}/unmerge` };
    },
  },
  {
    method: 'post',
    path: '/api/tips/{id}/undismiss',
    allowed: EDITORS,
    make: async () => {
      const a = await tipBuilder(h.deps);
      await api.patch(`/api/tips/${a.id}`, editorAuth(), { version: a.version, status: 'DISMISSED' });
      return { url: `/api/tips/${a.id}/undismiss`, body: {} };
    },
  },
  {
    method: 'post',
    path: '/api/tips/{id}/notes',
    allowed: STAFF,
    make: async (w) => ({ url: `/api/tips/${(await tipFor(w)).id}/notes`, body: { body: '已联系' } }),
  },
  {
    method: 'post',
    path: '/api/tips/{id}/reply',
    allowed: STAFF,
    make: async (w) => ({ url: `/api/tips/${(await tipFor(w)).id}/reply`, body: { body: '您好，记者会联系您。' } }),
  },
  { method: 'get', path: '/api/tips/{id}/related', allowed: EDITORS, make: async (w) => ({ url: `/api/tips/${(await tipFor(w)).id}/related` }) },
  { method: 'get', path: '/api/tips/{id}/events', allowed: STAFF, make: async (w) => ({ url: `/api/tips/${(await tipFor(w)).id}/events` }) },
  { method: 'get', path: '/api/leads', allowed: STAFF, make: async () => ({ url: '/api/leads' }) },
  { method: 'get', path: '/api/stats', allowed: EDITORS, make: async () => ({ url: '/api/stats' }) },
  { method: 'get', path: '/api/attachments/{id}', allowed: STAFF, make: async (w) => ({ url: `/api/attachments/${await attachmentFor(w)}` }) },
  { method: 'get', path: '/api/category-rules', allowed: EDITORS, make: async () => ({ url: '/api/category-rules' }) },
  {
    method: 'post',
    path: '/api/category-rules/preview',
    allowed: EDITORS,
    make: async () => ({ url: '/api/category-rules/preview', body: { text: '楼道漏水' } }),
  },
  {
    method: 'post',
    path: '/api/category-rules',
    allowed: ['ADMIN'],
    make: async () => ({ url: '/api/category-rules', body: { category: 'community', phrase: `新短语${ruleSeq++}`, weight: 2 } }),
  },
  {
    method: 'patch',
    path: '/api/category-rules/{id}',
    allowed: ['ADMIN'],
    make: async () => ({ url: `/api/category-rules/${await ruleId()}`, body: { weight: 3 } }),
  },
  { method: 'delete', path: '/api/category-rules/{id}', allowed: ['ADMIN'], make: async () => ({ url: `/api/category-rules/${await ruleId()}` }) },
  { method: 'get', path: '/api/channels', allowed: STAFF, make: async () => ({ url: '/api/channels' }) },
  { method: 'get', path: '/api/places', allowed: EDITORS, make: async () => ({ url: '/api/places' }) },
  {
    method: 'post',
    path: '/api/places',
    allowed: EDITORS,
    make: async () => ({ url: '/api/places', body: { name: `测试小区${ruleSeq++}`, kind: 'estate' } }),
  },
  { method: 'delete', path: '/api/places/{id}', allowed: EDITORS, make: async () => ({ url: `/api/places/${await placeId()}` }) },
  { method: 'get', path: '/api/incident-types', allowed: EDITORS, make: async () => ({ url: '/api/incident-types' }) },
  {
    method: 'post',
    path: '/api/incident-types',
    allowed: EDITORS,
    make: async () => ({ url: '/api/incident-types', body: { code: `new-type-${ruleSeq++}`, label: '新事件', phrases: ['新说法'] } }),
  },
  {
    method: 'patch',
    path: '/api/incident-types/{code}',
    allowed: EDITORS,
    make: async () => ({ url: `/api/incident-types/${await incidentCode()}`, body: { phrases: ['另一种说法'] } }),
  },
  {
    method: 'delete',
    path: '/api/incident-types/{code}',
    allowed: EDITORS,
    make: async () => ({ url: `/api/incident-types/${await incidentCode()}` }),
  },
  { method: 'get', path: '/api/openapi.json', allowed: 'public', make: async () => ({ url: '/api/openapi.json' }) },
  // Routes of the foundation that the OpenAPI document also lists.
  { method: 'get', path: '/api/auth/me', allowed: STAFF, make: async () => ({ url: '/api/auth/me' }) },
  {
    method: 'post',
    path: '/api/auth/password',
    allowed: STAFF,
    // The same password again: the caller's own token stays valid, so the matrix can go on.
    make: async () => ({ url: '/api/auth/password', body: { currentPassword: PASSWORD, newPassword: PASSWORD } }),
  },
  { method: 'get', path: '/api/users', allowed: EDITORS, make: async () => ({ url: '/api/users?role=REPORTER' }) },
  {
    method: 'post',
    path: '/api/users',
    allowed: ['ADMIN'],
    make: async () => ({
      url: '/api/users',
      body: { email: `new-${ruleSeq++}@paper.example`, displayName: '段雨萌', role: 'reporter', password: PASSWORD },
    }),
  },
  {
    method: 'patch',
    path: '/api/users/{id}',
    allowed: ['ADMIN'],
    make: async () => ({ url: `/api/users/${s.reporter2.user.id}`, body: { displayName: '郑林' } }),
  },
  { method: 'get', path: '/api/jobs', allowed: ['ADMIN'], make: async () => ({ url: '/api/jobs?state=dead' }) },
  { method: 'get', path: '/api/submissions', allowed: EDITORS, make: async () => ({ url: '/api/submissions?state=QUARANTINED' }) },
  { method: 'get', path: '/api/intake/health', allowed: EDITORS, make: async () => ({ url: '/api/intake/health' }) },
  // Privacy (src/privacy/privacy.routes.ts).
  { method: 'get', path: '/api/tipsters', allowed: ['ADMIN'], make: async () => ({ url: '/api/tipsters?contact=%2B8618635299317' }) },
  {
    method: 'get',
    path: '/api/tipsters/{id}/export',
    allowed: ['ADMIN'],
    make: async () => ({ url: `/api/tipsters/${await tipsterFor()}/export` }),
  },
  { method: 'post', path: '/api/tipsters/{id}/erase', allowed: ['ADMIN'], make: async () => ({ url: `/api/tipsters/${await tipsterFor()}/erase` }) },
  { method: 'post', path: '/api/admin/retention/run', allowed: ['ADMIN'], make: async () => ({ url: '/api/admin/retention/run' }) },
  { method: 'get', path: '/api/admin/access-log', allowed: ['ADMIN'], make: async () => ({ url: '/api/admin/access-log?limit=5' }) },
  { method: 'get', path: '/api/blocks', allowed: EDITORS, make: async () => ({ url: '/api/blocks' }) },
  {
    method: 'post',
    path: '/api/blocks',
    allowed: EDITORS,
    make: async () => ({ url: '/api/blocks', body: { contact: `1390000${String(ruleSeq++).padStart(4, '0')}` } }),
  },
  { method: 'delete', path: '/api/blocks/{id}', allowed: EDITORS, make: async () => ({ url: `/api/blocks/${await blockId()}` }) },
];

/** A tipster of its own for each call (an erasure deletes it). */
async function tipsterFor() {
  const t = await tipBuilder(h.deps, { phone: `+86137${String(ruleSeq++).padStart(8, '0')}` });
  return (await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: t.id } })).tipsterId!;
}

async function blockId() {
  const b = await api.post('/api/blocks', s.admin.auth, { contact: `1380000${String(ruleSeq++).padStart(4, '0')}` });
  return b.body.block.id as string;
}
// Allowed callers may still get a 409 here: nothing is dead or quarantined to retry.
const retryCases: Case[] = [
  {
    method: 'post',
    path: '/api/messages/{id}/retry',
    allowed: STAFF,
    // A failed reply on a tip the caller may answer; with no dead send job behind it the answer is 409.
    make: async (w) => ({ url: `/api/messages/${await failedReplyFor(w)}/retry` }),
  },
  {
    method: 'post',
    path: '/api/jobs/{id}/retry',
    allowed: ['ADMIN'],
    make: async () => ({ url: '/api/jobs/00000000-0000-4000-8000-000000000000/retry' }),
  },
  {
    method: 'post',
    path: '/api/submissions/{id}/retry',
    allowed: EDITORS,
    make: async () => ({ url: '/api/submissions/00000000-0000-4000-8000-000000000000/retry' }),
  },
];
// Login and logout have their own tests; the live stream never ends, so test/triage/live-stream.test.ts covers its roles.
const untested = new Set(['post /api/auth/login', 'post /api/auth/logout', 'get /api/events/stream']);

describe('role matrix', () => {
  it('covers every route in the OpenAPI document', async () => {
    const doc = (await api.get('/api/openapi.json')).body as { paths: Record<string, Record<string, { 'x-roles': string[] }>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    const tested = [...cases, ...retryCases]
      .map((c) => `${c.method} ${c.path}`)
      .concat([...untested])
      .sort();
    expect(documented).toEqual(tested);
    // The document states the same roles the server enforces.
    for (const c of [...cases, ...retryCases])
      expect(doc.paths[c.path][c.method]['x-roles'].sort()).toEqual(c.allowed === 'public' ? [] : [...c.allowed].sort());
  });

  for (const c of [...cases, ...retryCases]) {
    it(`${c.method.toUpperCase()} ${c.path}`, async () => {
      for (const who of ['ANON', 'ADMIN', 'EDITOR', 'REPORTER'] as Who[]) {
        const req = await c.make(who);
        const res = await api.call(c.method.toUpperCase(), req.url, authOf(who), req.body);
        const label = `${who} ${c.method} ${req.url}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
        if (c.allowed === 'public') expect(res.status, label).toBe(200);
        else if (who === 'ANON') expect(res.status, label).toBe(401);
        else if (!c.allowed.includes(who)) expect(res.status, label).toBe(403);
        else if (retryCases.includes(c)) expect([200, 409], label).toContain(res.status);
        else expect(res.status, label).toBeLessThan(300);
      }
    });
  }

  it('lets only a reporter log out their own token, anonymous gets 401', async () => {
    expect((await api.post('/api/auth/logout', {})).status).toBe(401);
    const u = await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'leaving');
    expect((await api.post('/api/auth/logout', u.auth)).status).toBe(204);
    expect((await api.get('/api/leads', u.auth)).status).toBe(401);
  });
});

describe('users for assignment', () => {
  it('filters by role and active; reporters may not list users', async () => {
    const gone = await userWithToken(h.deps, h.baseUrl, 'REPORTER', 'gone');
    await api.patch(`/api/users/${gone.user.id}`, s.admin.auth, { active: false });
    const all = await api.get('/api/users?role=reporter', s.editor.auth);
    expect(all.body.users.every((u: { role: string }) => u.role === 'REPORTER')).toBe(true);
    expect(all.body.users.map((u: { id: string }) => u.id)).toContain(gone.user.id);
    const active = await api.get('/api/users?role=REPORTER&active=true', s.editor.auth);
    expect(active.body.users.map((u: { id: string }) => u.id)).not.toContain(gone.user.id);
    expect(active.body.users[0]).toEqual(
      expect.objectContaining({ id: expect.any(String), email: expect.any(String), displayName: expect.any(String), role: 'REPORTER', active: true }),
    );
    expect((await api.get('/api/users?role=boss', s.editor.auth)).status).toBe(400);
    // A deactivated reporter cannot be assigned.
    const t = await triagedTip(h, s.editor.auth);
    expect((await api.post(`/api/tips/${t.id}/assign`, s.editor.auth, { reporterId: gone.user.id })).status).toBe(400);
  });
});

describe('login rate limit', () => {
  let lh: AppHarness;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(new Date(Date.now()));
    lh = await createAppHarness({ env: { LOGIN_MAX_ATTEMPTS: '3', LOGIN_WINDOW_SECONDS: '900' }, overrides: { clock } });
  });
  afterAll(async () => lh?.close());
  const login = (email: string, password: string) =>
    fetch(`${lh.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    }).then((r) => r.status);

  it('locks an account after too many attempts, even with the right password, until the window passes', async () => {
    const { usersService } = await import('../../src/users/users.service.js');
    const svc = usersService(lh.deps);
    await svc.create({ email: 'shang.li@paper.example', displayName: '尚丽', role: 'REPORTER', password: PASSWORD });
    await svc.create({ email: 'zheng.lin@paper.example', displayName: '郑林', role: 'REPORTER', password: PASSWORD });
    for (let i = 0; i < 3; i++) expect(await login('shang.li@paper.example', 'wrong password!')).toBe(401);
    expect(await login('shang.li@paper.example', PASSWORD)).toBe(429);
    // Another account from the same address is not locked by it.
    expect(await login('zheng.lin@paper.example', PASSWORD)).toBe(200);
    clock.advance(901_000);
    expect(await login('shang.li@paper.example', PASSWORD)).toBe(200);
  });

  it('limits one address across accounts (5 x the per-account limit)', async () => {
    clock.advance(901_000);
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push(await login(`nobody${i}@paper.example`, 'whatever-it-is'));
    expect(statuses.slice(0, 15).every((s) => s === 401)).toBe(true);
    expect(statuses[15]).toBe(429);
  });
});
