// npm run bench:report — assembles bench/results/latest.md from the bench/results/<name>.json
// files the benchmarks wrote (npm run bench runs them all first, then this).
//
// Each figure stands beside its baseline from the same run and the ratio ours ÷ baseline.
// A bench can describe its own rows by writing `rows` in its JSON (the generic shape below);
// the four benches of this repository are read in the shapes they already write.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One line of the report. */
export interface BenchRow {
  metric: string;
  unit: string;
  ours: number | null;
  baseline: number | null;
  baselineLabel: string;
  /** Which direction is good: 'higher' for throughput, 'lower' for latency and memory. */
  better: 'higher' | 'lower';
  /** Pre-formatted cells when one number does not say it all (e.g. "18.9 / 39.9"). */
  oursText?: string;
  baselineText?: string;
  ratioText?: string;
  /** The 1-minute load average while this figure was measured, when the bench recorded it. */
  load?: number;
}

export interface BenchSection {
  name: string;
  title: string;
  script: string;
  /** Why there is no table: missing, failed, stale. */
  status: 'ok' | 'missing' | 'failed' | 'stale' | 'no-results';
  note?: string;
  at?: string;
  context?: string;
  /** The machine's 1-minute load average when the bench started and when it ended. */
  load?: { before: number; after: number };
  rows: BenchRow[];
}

export const BENCHES = [
  { name: 'queue', title: 'Job queue vs pg-boss', script: 'bench:queue' },
  { name: 'webhooks', title: 'SMS webhooks vs a bare pg INSERT route', script: 'bench:webhooks' },
  { name: 'sms-gateway', title: 'SMS gateway webhooks vs a bare pg INSERT route', script: 'bench:sms-gateway' },
  { name: 'email', title: 'Email intake (IMAP → tips)', script: 'bench:email' },
  { name: 'api', title: 'Triage API list/search vs raw SQL', script: 'bench:api' },
  // Channels that may not exist yet on a branch: run-all skips a missing script.
  { name: 'wechat', title: 'WeChat pushes (passive reply) vs a bare XML route', script: 'bench:wechat' },
  { name: 'sms-gateway', title: 'SMS gateway webhooks vs a bare pg INSERT route', script: 'bench:sms-gateway' },
  { name: 'webform', title: 'Web form posts with a 200 KB photo vs a bare multipart route', script: 'bench:webform' },
] as const;

export const RESULTS_DIR = path.resolve(import.meta.dirname, 'results');

type Json = Record<string, any>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const ratio = (a: unknown, b: unknown) => {
  const x = num(a);
  const y = num(b);
  if (x === null || y === null || y === 0) return '—';
  const q = x / y;
  // Small ratios keep two significant digits (0.0032×), not "0.00×".
  return `${q >= 10 ? q.toFixed(1) : q >= 0.1 ? q.toFixed(2) : q.toPrecision(2)}×`;
};

/** A "p50 / p99" row: both figures and both ratios. */
function pairRow(metric: string, ours: [unknown, unknown], base: [unknown, unknown] | null, baselineLabel: string): BenchRow {
  return {
    metric,
    unit: 'ms',
    ours: num(ours[0]),
    baseline: base ? num(base[0]) : null,
    baselineLabel,
    better: 'lower',
    oursText: `${fmt(ours[0])} / ${fmt(ours[1])}`,
    ...(base ? { baselineText: `${fmt(base[0])} / ${fmt(base[1])}`, ratioText: `${ratio(ours[0], base[0])} / ${ratio(ours[1], base[1])}` } : {}),
  };
}

function queueRows(d: Json): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of (d.results ?? []) as Json[]) {
    const bosses = [r.pgBossSlots, r.pgBossBatch].filter(Boolean) as Json[];
    const bestTp = bosses.reduce<Json | null>((b, x) => (!b || x.jobsPerSecond > b.jobsPerSecond ? x : b), null);
    const bestLat = bosses.reduce<Json | null>((b, x) => (!b || x.p50Ms < b.p50Ms ? x : b), null);
    rows.push({
      metric: `throughput, concurrency ${r.concurrency}`,
      unit: 'jobs/s',
      ours: num(r.tipdesk?.jobsPerSecond),
      baseline: num(bestTp?.jobsPerSecond),
      baselineLabel: bestTp?.queue ?? 'pg-boss',
      better: 'higher',
    });
    rows.push(
      pairRow(
        `enqueue→start p50 / p99, concurrency ${r.concurrency}`,
        [r.tipdesk?.p50Ms, r.tipdesk?.p99Ms],
        [bestLat?.p50Ms, bestLat?.p99Ms],
        bestLat?.queue ?? 'pg-boss',
      ),
    );
    for (const g of [r.graphileDefault, r.graphileBatched].filter(Boolean) as Json[]) {
      rows.push({
        metric: `throughput, concurrency ${r.concurrency}`,
        unit: 'jobs/s',
        ours: num(r.tipdesk?.jobsPerSecond),
        baseline: num(g.jobsPerSecond),
        baselineLabel: g.queue,
        better: 'higher',
      });
      rows.push(pairRow(`enqueue→start p50 / p99, concurrency ${r.concurrency}`, [r.tipdesk?.p50Ms, r.tipdesk?.p99Ms], [g.p50Ms, g.p99Ms], g.queue));
    }
  }
  return rows;
}

function webhookRows(d: Json, what = 'signed SMS webhook', baselineLabel = 'bare pg INSERT route'): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of (d.results ?? []) as Json[]) {
    const ours = r.tipdesk ?? r.ours;
    const ceil = r.ceiling ?? r.baseline;
    const load = num(r.loadAverage) ?? undefined;
    rows.push({
      metric: `${what}, concurrency ${r.concurrency}`,
      unit: 'req/s',
      ours: num(ours?.rps),
      baseline: num(ceil?.rps),
      baselineLabel,
      better: 'higher',
      load,
    });
    rows.push({ ...pairRow(`latency p50 / p99, concurrency ${r.concurrency}`, [ours?.p50, ours?.p99], [ceil?.p50, ceil?.p99], baselineLabel), load });
  }
  return rows;
}

function apiRows(d: Json): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of (d.results ?? []) as Json[]) {
    rows.push(pairRow(`${r.kind ?? 'list'}: ${r.scenario} — p50 / p99`, [r.api?.p50, r.api?.p99], [r.sql?.p50, r.sql?.p99], 'raw SQL'));
  }
  for (const kind of ['list', 'search']) {
    const s = d.summary?.[kind];
    if (s)
      rows.push({
        metric: `${kind}: worst p99 over its scenarios`,
        unit: 'ms',
        ours: num(s.api?.worstP99),
        baseline: num(s.sql?.worstP99),
        baselineLabel: 'raw SQL',
        better: 'lower',
      });
  }
  if (d.claim?.requests) {
    rows.push(
      pairRow(
        `claim race (${d.claim.concurrentReporters ?? '?'} reporters at once) p50 / p99`,
        [d.claim.requests.p50, d.claim.requests.p99],
        null,
        '—',
      ),
    );
  }
  return rows;
}

function emailRows(d: Json): BenchRow[] {
  const t = d.throughput ?? {};
  const l = d.latency ?? {};
  const m = d.memory ?? {};
  const stored = `mailbox → stored submissions (${t.messages ?? '?'} messages)`;
  const rows: BenchRow[] = [
    {
      metric: stored,
      unit: 'msg/s',
      ours: num(t.storedPerSecond),
      baseline: num(d.baseline?.storedPerSecond),
      baselineLabel: d.baseline?.label ?? '—',
      better: 'higher',
    },
  ];
  if (d.databaseOnly) {
    rows.push({
      metric: `${stored}, against the database alone`,
      unit: 'msg/s',
      ours: num(t.storedPerSecond),
      baseline: num(d.databaseOnly.storedPerSecond),
      baselineLabel: d.databaseOnly.label ?? 'database alone',
      better: 'higher',
    });
  }
  if (t.normalizedPerSecond !== undefined)
    rows.push({
      metric: 'stored → tips (normalization)',
      unit: 'msg/s',
      ours: num(t.normalizedPerSecond),
      baseline: null,
      baselineLabel: '—',
      better: 'higher',
    });
  rows.push({
    metric: 'mailbox → tips (end to end; goal ≥ 30% of the database alone)',
    unit: 'msg/s',
    ours: num(t.endToEndPerSecond),
    baseline: num(d.databaseOnly?.storedPerSecond),
    baselineLabel: d.databaseOnly?.label ?? '—',
    better: 'higher',
  });
  if (l.p50Ms !== undefined) {
    rows.push(pairRow(`arrival → tip p50 / p99 at ${l.ratePerSecond ?? '?'}/s`, [l.p50Ms, l.p99Ms], null, '—'));
  }
  for (const [k, v] of Object.entries(m) as [string, Json][]) {
    rows.push({
      metric: `memory above idle, ${k} (${((v.messageBytes ?? 0) / 1e6).toFixed(0)} MB of mail)`,
      unit: 'MB',
      ours: num(v.aboveIdleMb),
      baseline: null,
      baselineLabel: '—',
      better: 'lower',
    });
  }
  return rows;
}

const ADAPTERS: Record<string, (d: Json) => BenchRow[]> = {
  queue: queueRows,
  webhooks: (d) => webhookRows(d),
  api: apiRows,
  email: emailRows,
  wechat: (d) => webhookRows(d, 'signed WeChat push', 'bare XML parse + INSERT route'),
  'sms-gateway': (d) => webhookRows(d, 'signed SMS gateway webhook'),
};

export function fmt(v: unknown, digits?: number): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}

/** Reads one bench's JSON; `since` (epoch ms) marks files older than this run as stale. */
export function readSection(b: { name: string; title: string; script: string }, since?: number): BenchSection {
  const file = path.join(RESULTS_DIR, `${b.name}.json`);
  const base = { name: b.name, title: b.title, script: b.script, rows: [] as BenchRow[] };
  if (!existsSync(file)) return { ...base, status: 'no-results', note: `no bench/results/${b.name}.json` };
  const d = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const at = (d.at ?? d.date ?? statSync(file).mtime.toISOString()) as string;
  const rows = Array.isArray(d.rows) ? (d.rows as BenchRow[]) : (ADAPTERS[b.name]?.(d) ?? []);
  const context = [
    d.postgres ? `PostgreSQL ${d.postgres}${d.database ? ` (${d.database})` : ''}` : null,
    d.tips ? `${Number(d.tips).toLocaleString('en-US')} tips` : null,
    d.jobs ? `${Number(d.jobs).toLocaleString('en-US')} jobs per run` : null,
  ]
    .filter(Boolean)
    .join(', ');
  const stale = since !== undefined && statSync(file).mtimeMs < since;
  const load =
    d.load && num(d.load.before) !== null && num(d.load.after) !== null
      ? { before: d.load.before as number, after: d.load.after as number }
      : undefined;
  return {
    ...base,
    status: stale ? 'stale' : 'ok',
    at,
    context,
    rows,
    ...(load ? { load } : {}),
    ...(stale ? { note: `results from an earlier run (${at})` } : {}),
  };
}

function loadCell(r: BenchRow, s: BenchSection): string {
  if (r.load !== undefined) return r.load.toFixed(1);
  return s.load ? `${s.load.before.toFixed(1)} → ${s.load.after.toFixed(1)}` : '—';
}

function ratioCell(r: BenchRow): string {
  return r.ratioText ?? ratio(r.ours, r.baseline);
}

export function renderReport(sections: BenchSection[], meta: { seconds?: number } = {}): string {
  const made = meta.seconds
    ? `Generated by \`npm run bench\` on ${new Date().toISOString()}; all benches took ${Math.round(meta.seconds)} s, load average ${os.loadavg()[0].toFixed(1)} at the end`
    : `Assembled by \`npm run bench:report\` on ${new Date().toISOString()} from the results below (see each run's date)`;
  const out: string[] = [
    '# Benchmark results',
    '',
    `${made} — ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}.`,
    'Every figure stands beside its baseline measured in the same run on the same machine; the ratio is ours ÷ baseline',
    '(for throughput higher is better, for latency and memory lower is better).',
    '',
    "The load column is the machine's 1-minute load average while the figure was measured (or at the bench's start → end);",
    'above 1.5 on this 2-core machine other work was running and the figures are pessimistic.',
    '',
    '| Bench | Metric | Unit | Tipdesk | Baseline | Baseline value | Ratio | Better | Load |',
    '|---|---|---|---:|---|---:|---:|---|---:|',
  ];
  for (const s of sections) {
    if (!s.rows.length) {
      out.push(
        `| ${s.title} | _${s.status === 'missing' ? `not run: no \`${s.script}\` script in package.json` : (s.note ?? s.status)}_ | | | | | | | |`,
      );
      continue;
    }
    for (const r of s.rows) {
      out.push(
        `| ${s.title}${s.status === 'stale' ? ' (stale)' : ''} | ${r.metric} | ${r.unit} | ${r.oursText ?? fmt(r.ours)} | ${r.baselineLabel} | ${r.baselineText ?? fmt(r.baseline)} | ${ratioCell(r)} | ${r.better} | ${loadCell(r, s)} |`,
      );
    }
  }
  out.push('', '## Runs', '');
  for (const s of sections) {
    const what =
      s.status === 'ok'
        ? `ran ${s.at ?? ''}`
        : s.status === 'missing'
          ? `skipped: no \`${s.script}\` script in package.json`
          : `${s.status}${s.note ? `: ${s.note}` : ''}`;
    const load = s.load ? `; load average ${s.load.before.toFixed(1)} → ${s.load.after.toFixed(1)}` : '';
    out.push(`- **${s.name}** (\`npm run ${s.script}\`): ${what}${s.context ? ` — ${s.context}` : ''}${load}`);
  }
  out.push(
    '',
    'Raw figures: `bench/results/<name>.json`. A bench may add its own rows to this table by writing a `rows` array',
    '(`{metric, unit, ours, baseline, baselineLabel, better}`) in its JSON.',
    '',
  );
  return out.join('\n');
}

export function writeReport(sections: BenchSection[], meta: { seconds?: number } = {}): string {
  const file = path.join(RESULTS_DIR, 'latest.md');
  writeFileSync(file, renderReport(sections, meta));
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = writeReport(BENCHES.map((b) => readSection(b)));
  console.log(readFileSync(file, 'utf8'));
}
