import { describe, expect, it } from 'vitest';
import { BENCHES, NOTES_MARKER, renderReport, sectionFromJson, withKeptNotes, type BenchSection, type ReportMeta } from '../../bench/report.js';

// bench:report's assembly from the JSON each bench writes (shapes as the benches write them),
// without running a bench: one table row per figure, each with its baseline and its load.

const meta: ReportMeta = { generatedAt: '2026-12-02T14:00:00.000Z', cores: 2, memGiB: 24, node: 'v20.20.2', loadNow: 0.9 };
const level = (target: 'tipdesk' | 'ceiling', concurrency: number, rps: number, p50: number, p99: number, loadAverage?: number) => ({
  target,
  concurrency,
  requests: 600,
  non2xx: 0,
  errors: 0,
  rps,
  p50,
  p99,
  ...(loadAverage !== undefined ? { loadAverage } : {}),
});
const run = (queue: string, concurrency: number, jobsPerSecond: number, loadAverage: number, p50Ms = 2) => ({
  queue,
  concurrency,
  jobsPerSecond,
  drainSeconds: 1,
  p50Ms,
  p99Ms: 9,
  loadAverage,
});

const sideLoads = (at: string, ours: [number, number, number], ceil: [number, number, number], loadAverage: number) => ({
  at,
  load: { before: 0.7, after: 2.2 },
  results: [1, 10, 50].map((c) => ({
    concurrency: c,
    tipdesk: level('tipdesk', c, ...ours, loadAverage),
    ceiling: level('ceiling', c, ...ceil, loadAverage),
  })),
});

const FIXTURES: Record<string, Record<string, unknown>> = {
  // Concurrency 1 with pg-boss in both styles; 4 and 16 as a short run (--queues tipdesk,graphile-batched) leaves them.
  queue: {
    at: '2026-12-02T12:12:00.000Z',
    postgres: '15.20',
    database: 'local server',
    jobs: 20000,
    queues: ['tipdesk', 'graphile-batched'],
    load: { before: 0.6, after: 1.4 },
    results: [
      {
        concurrency: 1,
        tipdesk: run('tipdesk', 1, 900, 0.7),
        pgBossSlots: run('pg-boss (slots)', 1, 500, 0.8, 3),
        pgBossBatch: run('pg-boss (batch)', 1, 600, 0.9, 5),
      },
      ...[4, 16].map((c) => ({
        concurrency: c,
        tipdesk: run('tipdesk', c, c === 4 ? 16943 : 21361, 1.1),
        graphileBatched: run('graphile-worker (batched)', c, c === 4 ? 25439 : 19095, 1.3),
      })),
    ],
  },
  webhooks: {
    at: '2026-12-02T12:16:41.163Z',
    load: { before: 0.8, after: 3.1 },
    results: [1, 10, 50].map((c) => ({
      concurrency: c,
      tipdesk: level('tipdesk', c, 374, 23, 68, 1.5),
      ceiling: level('ceiling', c, 993, 6, 27, 1.6),
      loadAverage: 1.5,
    })),
  },
  'webhooks-api': {
    at: '2026-12-03T07:40:00.000Z',
    load: { before: 1.1, after: 1.9 },
    ack: 'api',
    results: [1, 10, 50].map((c) => ({
      concurrency: c,
      tipdesk: level('tipdesk', c, 520, 12, 40, 1.4),
      ceiling: level('ceiling', c, 900, 6, 27, 1.5),
      loadAverage: 1.4,
      // Paired rounds: the level's ratio is their median, not ours ÷ ceiling of the totals.
      ratioPercent: 62,
      roundRatios: [55, 70, 62],
    })),
  },
  // The SMS gateway and WeChat benches: one load reading per level, on both sides.
  'sms-gateway': sideLoads('2026-12-02T12:18:17.840Z', [499, 17, 55], [664, 11, 62], 2.0),
  wechat: sideLoads('2026-12-02T12:19:13.003Z', [498, 83, 227], [746, 54, 130], 2.4),
  'wechat-api': sideLoads('2026-12-03T12:40:00.000Z', [640, 20, 70], [746, 54, 130], 1.4),
  // The web form bench writes its own rows.
  webform: {
    at: '2026-12-02T12:20:25.630Z',
    load: { before: 1.0, after: 2.0 },
    rows: [
      {
        metric: 'throughput, concurrency 10',
        unit: 'req/s',
        ours: 66,
        baseline: 100,
        baselineLabel: 'bare multer + pg INSERT route',
        better: 'higher',
        load: 1.7,
      },
    ],
  },
  // An email JSON from before bench/load.ts: os.loadavg() arrays.
  email: {
    at: '2026-12-02T12:21:57.288Z',
    load: { before: [0.5, 0.4, 0.3], after: [1.2, 0.8, 0.5] },
    baseline: { label: 'one FETCH + one Prisma store per message', storedPerSecond: 245 },
    databaseOnly: { label: 'no IMAP', storedPerSecond: 1290 },
    throughput: { messages: 600, storedPerSecond: 720, normalizedPerSecond: 83.2, endToEndPerSecond: 98 },
    latency: { p50Ms: 333, p99Ms: 605, ratePerSecond: 4 },
  },
  api: {
    date: '2026-12-02T14:10:00.000Z',
    tips: 1000000,
    load: { before: 0.9, after: 1.3 },
    results: [
      { scenario: 'newest, no filter', kind: 'list', api: { p50: 4, p99: 9 }, sql: { p50: 1, p99: 3 } },
      { scenario: 'q=电梯 (2 chars: search_tokens)', kind: 'search', api: { p50: 8, p99: 16 }, sql: { p50: 5, p99: 12 } },
    ],
    related: { n: 300, p50: 12, p99: 23 },
    mixed: { p50: 20, p99: 60 },
    claim: { concurrentReporters: 20, requests: { p50: 30, p99: 80 } },
    summary: { list: { api: { worstP99: 9 }, sql: { worstP99: 3 } }, search: { api: { worstP99: 16 }, sql: { worstP99: 12 } } },
  },
};

const sections = (): BenchSection[] => BENCHES.map((b) => sectionFromJson(b, FIXTURES[b.name], { mtimeMs: Date.parse('2026-12-02T14:10:00Z') }));
const tableRows = (md: string) => md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Bench '));
const cells = (line: string) => line.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, '').trim());

describe('bench:report', () => {
  it('lists every bench once, and every bench of npm run bench has a script name', () => {
    const names = BENCHES.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(['api', 'email', 'queue', 'sms-gateway', 'webform', 'webhooks', 'webhooks-api', 'wechat', 'wechat-api']);
    const md = renderReport(sections(), meta);
    const runs = md.split('## Runs')[1];
    for (const b of BENCHES) expect(runs.split(`**${b.name}**`).length - 1).toBe(1);
  });

  it('writes one row per figure, each beside its same-run baseline', () => {
    const md = renderReport(sections(), meta);
    const rows = tableRows(md);
    const keys = rows.map((l) => cells(l).slice(0, 5).join(' | '));
    expect(new Set(keys).size).toBe(keys.length);
    const of = (title: string) => rows.filter((l) => l.startsWith(`| ${title}`));
    // Queue: pg-boss in its faster style for throughput and its quicker one for latency; where it did
    // not run, graphile-worker alone (throughput and latency per level).
    const queue = of('Job queue').map(cells);
    expect(queue.map((c) => [c[1], c[4], c[5]])).toEqual([
      ['throughput, concurrency 1', 'pg-boss (batch)', '600'],
      ['enqueue→start p50 / p99, concurrency 1', 'pg-boss (slots)', '3.00 / 9.00'],
      ['throughput, concurrency 4', 'graphile-worker (batched)', '25,439'],
      ['enqueue→start p50 / p99, concurrency 4', 'graphile-worker (batched)', '2.00 / 9.00'],
      ['throughput, concurrency 16', 'graphile-worker (batched)', '19,095'],
      ['enqueue→start p50 / p99, concurrency 16', 'graphile-worker (batched)', '2.00 / 9.00'],
    ]);
    expect(queue[2][6]).toBe('0.67×');
    expect(of('SMS webhooks vs')).toHaveLength(6);
    expect(of('SMS webhooks acknowledged by API')).toHaveLength(6);
    expect(cells(of('SMS webhooks acknowledged by API')[0])[6]).toBe('0.62× (median of rounds 0.55× / 0.70× / 0.62×)');
    expect(cells(of('SMS webhooks vs')[0])[6]).toBe('0.38×');
    expect(of('SMS gateway')).toHaveLength(6);
    expect(of('WeChat pushes (passive')).toHaveLength(6);
    expect(of('WeChat pushes acknowledged by API')).toHaveLength(6);
    expect(of('Web form')).toHaveLength(1);
    // API: each scenario, the worst p99 per kind, related tips, mixed load and the claim race.
    const api = of('Triage API');
    expect(api.map((l) => cells(l)[1])).toEqual([
      'list: newest, no filter — p50 / p99',
      'search: q=电梯 (2 chars: search_tokens) — p50 / p99',
      'list: worst p99 over its scenarios',
      'search: worst p99 over its scenarios',
      'related tips (300 different recent tips) p50 / p99',
      'mixed list + search, 8 clients at once, p50 / p99',
      'claim race (20 reporters at once) p50 / p99',
    ]);
    expect(cells(api[0]).slice(3, 7)).toEqual(['4.00 / 9.00', 'raw SQL', '1.00 / 3.00', '4.00× / 3.00×']);
  });

  it('shows a load on every row: per figure where the bench measured it, else the bench’s start → end', () => {
    const rows = tableRows(renderReport(sections(), meta));
    const load = (l: string) => cells(l).at(-1);
    expect(rows.every((l) => load(l) !== '—' && load(l) !== '')).toBe(true);
    expect(load(rows.find((l) => l.startsWith('| Job queue'))!)).toBe('0.7 / 0.9');
    expect(load(rows.filter((l) => l.startsWith('| Job queue'))[2])).toBe('1.1 / 1.3');
    expect(load(rows.find((l) => l.startsWith('| SMS webhooks'))!)).toBe('1.5 / 1.6');
    expect(load(rows.find((l) => l.startsWith('| SMS gateway'))!)).toBe('2.0');
    expect(load(rows.find((l) => l.startsWith('| Web form'))!)).toBe('1.7');
    expect(load(rows.find((l) => l.startsWith('| Email'))!)).toBe('0.5 → 1.2');
    expect(load(rows.find((l) => l.startsWith('| Triage API'))!)).toBe('0.9 → 1.3');
    const md = renderReport(sections(), meta);
    expect(md).toContain(
      '- **queue** (`npm run bench:queue`): ran 2026-12-02T12:12:00.000Z — PostgreSQL 15.20 (local server), 20,000 jobs per run, queues run: tipdesk, graphile-batched; load average 0.6 → 1.4',
    );
  });

  it('says why a bench has no figures, and marks figures older than this run', () => {
    const missing: BenchSection = {
      name: 'api',
      title: 'Triage API list/search vs raw SQL',
      script: 'bench:api',
      status: 'no-results',
      note: 'no bench/results/api.json',
      rows: [],
    };
    const stale = sectionFromJson(BENCHES[0], FIXTURES.queue, { mtimeMs: 1000 }, 2000);
    const md = renderReport([stale, missing], { ...meta, seconds: 600 });
    expect(md).toContain('Generated by `npm run bench` on 2026-12-02T14:00:00.000Z; all benches took 600 s');
    expect(md).toContain('| Triage API list/search vs raw SQL | _no bench/results/api.json_ |');
    expect(tableRows(md).filter((l) => l.startsWith('| Job queue vs pg-boss and graphile-worker (stale) |'))).toHaveLength(6);
  });

  it('keeps the hand-written notes of the previous report', () => {
    const first = withKeptNotes('# Benchmark results\n\nold table\n', null);
    expect(first.endsWith(`${NOTES_MARKER}\n`)).toBe(true);
    const edited = `${first}\n## Session 3\n\nRan alone.\n`;
    const next = withKeptNotes('# Benchmark results\n\nnew table\n', edited);
    expect(next).toContain('new table');
    expect(next).not.toContain('old table');
    expect(next).toContain('## Session 3\n\nRan alone.');
  });
});
