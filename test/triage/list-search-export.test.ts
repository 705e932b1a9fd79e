import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TipListResponseSchema } from '../../src/triage/triage.schema.js';
import { tipBuilder } from '../support/builders.js';
import { deskHarness, type Desk } from './helpers.js';

let d: Desk;
let h: Desk['h'];
let s: Desk['s'];
let api: Desk['api'];
const ids: Record<string, string> = {};

beforeAll(async () => {
  d = await deskHarness();
  ({ h, s, api } = d);
  const at = (iso: string) => new Date(iso);
  // 00:30 on 21 March in Shanghai is still 20 March in UTC.
  const t1 = await tipBuilder(h.deps, {
    channel: 'SMS',
    body: '柳航里小区3号楼楼上漏水，家里天花板都泡了。',
    phone: '+8618635290001',
    receivedAt: at('2026-03-20T16:30:00Z'),
  });
  const t2 = await tipBuilder(h.deps, {
    channel: 'EMAIL',
    subject: 'Leaking pipe, "urgent"',
    body: 'Our radiator pipe is LEAKING into the flat below, 平城区永泰街道.\n=SUM(A1)',
    email: 'resident@163.com',
    receivedAt: at('2026-03-21T02:00:00Z'),
  });
  const t3 = await tipBuilder(h.deps, {
    channel: 'VOICE',
    body: '邻居家的猫走失了，橘色的，叫大黄。',
    phone: '+8618635290003',
    receivedAt: at('2026-03-22T03:00:00Z'),
  });
  const t4 = await tipBuilder(h.deps, {
    channel: 'WEB',
    body: '大齿社区周六义诊，100%免费，欢迎参加。',
    email: 'web@paper.cn',
    receivedAt: at('2026-03-19T03:00:00Z'),
  });
  Object.assign(ids, { t1: t1.id, t2: t2.id, t3: t3.id, t4: t4.id });
  await api.patch(`/api/tips/${t1.id}`, s.editor.auth, { version: 1, category: 'household', priority: 'urgent' });
  await api.patch(`/api/tips/${t2.id}`, s.editor.auth, { version: 1, category: 'household', priority: 'high' });
  await api.patch(`/api/tips/${t3.id}`, s.editor.auth, { version: 1, category: 'neighborhood' });
  await api.post(`/api/tips/${t2.id}/assign`, s.editor.auth, { reporterId: s.reporter.user.id });
});
afterAll(async () => d?.close());

const list = async (query: string) => {
  const r = await api.get(`/api/tips${query}`, s.editor.auth);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return TipListResponseSchema.parse(r.body);
};
const idsOf = (r: { tips: { id: string }[] }) => r.tips.map((t) => t.id);

describe('GET /api/tips filters and sorting', () => {
  it('filters by status, category, channel, priority and assignee', async () => {
    expect(idsOf(await list('?status=NEW'))).toEqual([ids.t4]);
    expect(idsOf(await list('?status=TRIAGED,ASSIGNED'))).toEqual([ids.t3, ids.t2, ids.t1]);
    expect(idsOf(await list('?category=household'))).toEqual([ids.t2, ids.t1]);
    expect(idsOf(await list('?category=none'))).toEqual([ids.t4]);
    expect(idsOf(await list('?channel=EMAIL&channel=WEB'))).toEqual([ids.t2, ids.t4]);
    expect(idsOf(await list('?priority=urgent,high'))).toEqual([ids.t2, ids.t1]);
    expect(idsOf(await list(`?assigneeId=${s.reporter.user.id}`))).toEqual([ids.t2]);
    expect(idsOf(await list('?assigneeId=none&status=TRIAGED'))).toEqual([ids.t3, ids.t1]);
  });

  it('reads date-only bounds as whole days in the newsroom time zone', async () => {
    expect(idsOf(await list('?from=2026-03-21&to=2026-03-21'))).toEqual([ids.t2, ids.t1]);
    expect(idsOf(await list('?to=2026-03-20'))).toEqual([ids.t4]);
    expect(idsOf(await list('?from=2026-03-21T00:00:00Z'))).toEqual([ids.t3, ids.t2]);
  });

  it('sorts newest, oldest and by priority', async () => {
    expect(idsOf(await list(''))).toEqual([ids.t3, ids.t2, ids.t1, ids.t4]);
    expect(idsOf(await list('?sort=oldest'))).toEqual([ids.t4, ids.t1, ids.t2, ids.t3]);
    expect(idsOf(await list('?sort=priority'))).toEqual([ids.t1, ids.t2, ids.t3, ids.t4]);
  });

  it('pages with an opaque cursor, for every sort, without gaps or repeats', async () => {
    for (const sort of ['newest', 'oldest', 'priority']) {
      const all = idsOf(await list(`?sort=${sort}`));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { tips: { id: string }[]; nextCursor: string | null } = await list(`?sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...idsOf(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all);
    }
    // Several statuses are queried as one branch per status, merged: pages still line up.
    for (const sort of ['newest', 'oldest', 'priority']) {
      const all = idsOf(await list(`?sort=${sort}&status=NEW,TRIAGED,ASSIGNED`));
      expect(all).toHaveLength(4);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { tips: { id: string }[]; nextCursor: string | null } = await list(
          `?sort=${sort}&status=NEW,TRIAGED,ASSIGNED&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...idsOf(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all);
    }
    const first = await list('?limit=2');
    const wrongSort = await api.get(`/api/tips?sort=oldest&cursor=${first.nextCursor}`, s.editor.auth);
    expect(wrongSort.status).toBe(400);
    expect((await api.get('/api/tips?cursor=bm9wZQ', s.editor.auth)).body.error.details.fields[0].field).toBe('cursor');
  });

  it('rejects bad filters naming them', async () => {
    const r = await api.get('/api/tips?status=OPEN&limit=0&from=yesterday', s.editor.auth);
    expect(r.status).toBe(400);
    expect(r.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['from', 'limit', 'status']);
  });
});

describe('free-text search', () => {
  it('finds Chinese substrings of 1, 2 and 3+ characters and English case-insensitively', async () => {
    expect(idsOf(await list(`?q=${encodeURIComponent('柳航里')}`))).toEqual([ids.t1]);
    expect(idsOf(await list(`?q=${encodeURIComponent('漏水')}`))).toEqual([ids.t1]);
    expect(idsOf(await list(`?q=${encodeURIComponent('猫')}`))).toEqual([ids.t3]);
    expect(idsOf(await list(`?q=${encodeURIComponent('天花板都泡了')}`))).toEqual([ids.t1]);
    expect(idsOf(await list('?q=leaking'))).toEqual([ids.t2]);
    expect(idsOf(await list(`?q=${encodeURIComponent('永泰街道')}&channel=EMAIL`))).toEqual([ids.t2]);
    // LIKE wildcards in the query are literal characters.
    expect(idsOf(await list(`?q=${encodeURIComponent('100%')}`))).toEqual([ids.t4]);
    expect(idsOf(await list(`?q=${encodeURIComponent('%')}`))).toEqual([ids.t4]);
    expect(idsOf(await list('?q=_'))).toEqual([]);
    const ref = (await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: ids.t3 } })).reference;
    expect(idsOf(await list(`?q=${ref.toLowerCase()}`))).toEqual([ids.t3]);
  });

  it('serves a Chinese 3+ character query from the pg_trgm index', async () => {
    const c = new pg.Client({ connectionString: h.deps.databaseUrl });
    await c.connect();
    try {
      await c.query('SET enable_seqscan = off');
      for (const op of ['LIKE', 'ILIKE']) {
        const { rows } = await c.query(`EXPLAIN SELECT id FROM tip WHERE search_text ${op} '%柳航里%'`);
        expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('tip_search_text_trgm_idx');
      }
      // Chinese characters become trigrams (a UTF-8 database with a Unicode-aware ctype).
      const t = await c.query(`SELECT array_length(show_trgm('柳航里小区'), 1) AS n`);
      expect(t.rows[0].n).toBeGreaterThan(3);
    } finally {
      await c.end();
    }
  });
});

describe('CSV export', () => {
  it('starts with a UTF-8 BOM, has the columns, Chinese labels, proper quoting and the list filters', async () => {
    const res = await fetch(`${h.baseUrl}/api/tips/export.csv?category=household&sort=oldest`, { headers: s.editor.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tips-\d{8}\.csv"/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(3));
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('reference,created,channel,status,category,priority,subject,assignee');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    const r1 = (await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: ids.t1 } })).reference;
    const r2 = (await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: ids.t2 } })).reference;
    expect(lines[1]).toBe(`${r1},2026-03-21 00:30,SMS,TRIAGED,居家事 Household,urgent,柳航里小区3号楼楼上漏水，家里天花板都泡了。,`);
    expect(lines[2]).toBe(`${r2},2026-03-21 10:00,EMAIL,ASSIGNED,居家事 Household,high,"Leaking pipe, ""urgent""",reporter-shang`);
  });

  it('neutralises spreadsheet formulas and quotes line breaks', async () => {
    const t = await tipBuilder(h.deps, { channel: 'SMS', body: '=HYPERLINK("http://evil")\n第二行' });
    const res = await fetch(`${h.baseUrl}/api/tips/export.csv?status=NEW&q=HYPERLINK`, { headers: s.editor.auth });
    const text = (await res.text()).replace(/^\uFEFF/, '');
    expect(text.split('\r\n')[1]).toContain(`,"'=HYPERLINK(""http://evil"") 第二行",`);
    expect(text).toContain((await h.deps.prisma.tip.findUniqueOrThrow({ where: { id: t.id } })).reference);
  });

  it('is for editors only', async () => {
    expect((await fetch(`${h.baseUrl}/api/tips/export.csv`, { headers: s.reporter.auth })).status).toBe(403);
    expect((await fetch(`${h.baseUrl}/api/tips/export.csv`)).status).toBe(401);
  });
});

describe('stats', () => {
  it('counts by status, category and channel and reports the oldest untriaged tip', async () => {
    const r = await api.get('/api/stats', s.editor.auth);
    expect(r.status).toBe(200);
    expect(r.body.byStatus).toMatchObject({ NEW: 2, TRIAGED: 2, ASSIGNED: 1 });
    expect(r.body.byCategory).toMatchObject({ household: 2, neighborhood: 1, community: 0, none: 2 });
    expect(r.body.byChannel).toMatchObject({ SMS: 2, EMAIL: 1, VOICE: 1, WEB: 1 });
    expect(r.body.total).toBe(5);
    expect(r.body.oldestUntriaged).toMatchObject({ id: ids.t4 });
    expect(r.body.oldestUntriaged.ageSeconds).toBeGreaterThan(0);
  });
});
