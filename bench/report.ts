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
  /** Pre-formatted load when ours and the baseline ran at different times (e.g. "0.8 / 1.1"). */
  loadText?: string;
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

/** Every bench, once each, in the order `npm run bench` runs them (run-all skips a missing script). */
export const BENCHES = [
  { name: 'queue', title: 'Job queue vs pg-boss and graphile-worker', script: 'bench:queue' },
  { name: 'webhooks', title: 'SMS webhooks vs a bare pg INSERT route', script: 'bench:webhooks' },
  {
    name: 'webhooks-api',
    title: 'SMS webhooks acknowledged by API (TWILIO_SMS_ACK=api) vs a bare pg INSERT route',
    script: 'bench:webhooks:api',
  },
  { name: 'sms-gateway', title: 'SMS gateway webhooks vs a bare pg INSERT route', script: 'bench:sms-gateway' },
  { name: 'wechat', title: 'WeChat pushes (passive reply) vs a bare XML route', script: 'bench:wechat' },
  {
    name: 'wechat-api',
    title: 'WeChat pushes acknowledged by API (WECHAT_ACK=api) vs a bare XML route',
    script: 'bench:wechat:api',
  },
  { name: 'webform', title: 'Web form posts with a 200 KB photo vs a bare multipart route', script: 'bench:webform' },
  { name: 'email', title: 'Email intake (IMAP → tips)', script: 'bench:email' },
  { name: 'api', title: 'Triage API list/search vs raw SQL', script: 'bench:api' },
] as const;

export type BenchInfo = { name: string; title: string; script: string };

export const RESULTS_DIR = path.resolve(import.meta.dirname, 'results');

type Json = Record<string, any>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A load average as benches wrote it: a number, or os.loadavg()'s [1, 5, 15] (the 1-minute one). */
const loadValue = (v: unknown): number | null => num(Array.isArray(v) ? v[0] : v);

/** A bench's start → end load: `load` (bench/load.ts), or the older `loadAverage` / `loadavg` shapes. */
function loadSpanOf(d: Json): { before: number; after: number } | undefined {
  const l = (d.load ?? d.loadAverage ?? d.loadavg) as Json | undefined;
  const before = loadValue(l?.before);
  const after = loadValue(l?.after);
  return before !== null && after !== null ? { before, after } : undefined;
}

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
  const loads = (a: Json | undefined, b: Json | undefined) => {
    const x = num(a?.loadAverage);
    const y = num(b?.loadAverage);
    return x === null && y === null ? {} : { load: x ?? y ?? undefined, loadText: `${fmt(x, 1)} / ${fmt(y, 1)}` };
  };
  // Each figure of ours beside each baseline that ran in the same run (a --queues run leaves some out).
  const compare = (r: Json, base: Json, label: string, latencyBase = base) => {
    rows.push({
      metric: `throughput, concurrency ${r.concurrency}`,
      unit: 'jobs/s',
      ours: num(r.tipdesk?.jobsPerSecond),
      baseline: num(base.jobsPerSecond),
      baselineLabel: label,
      better: 'higher',
      ...loads(r.tipdesk, base),
    });
    rows.push({
      ...pairRow(
        `enqueue→start p50 / p99, concurrency ${r.concurrency}`,
        [r.tipdesk?.p50Ms, r.tipdesk?.p99Ms],
        [latencyBase.p50Ms, latencyBase.p99Ms],
        latencyBase.queue ?? label,
      ),
      ...loads(r.tipdesk, latencyBase),
    });
  };
  for (const r of (d.results ?? []) as Json[]) {
    if (!r.tipdesk) continue;
    const bosses = [r.pgBossSlots, r.pgBossBatch].filter(Boolean) as Json[];
    // pg-boss in its better style (slots or batch) for each figure, as the bench's own ratio does.
    const best = bosses.reduce<Json | null>((b, x) => (!b || x.jobsPerSecond > b.jobsPerSecond ? x : b), null);
    const bestLatency = bosses.reduce<Json | null>((b, x) => (!b || x.p50Ms < b.p50Ms ? x : b), null);
    if (best) compare(r, best, best.queue ?? 'pg-boss', bestLatency ?? best);
    for (const g of [r.graphileDefault, r.graphileBatched].filter(Boolean) as Json[]) compare(r, g, g.queue ?? 'graphile-worker');
    if (!best && !r.graphileDefault && !r.graphileBatched) {
      rows.push({
        metric: `throughput, concurrency ${r.concurrency}`,
        unit: 'jobs/s',
        ours: num(r.tipdesk.jobsPerSecond),
        baseline: null,
        baselineLabel: '— (no baseline queue in this run)',
        better: 'higher',
        ...loads(r.tipdesk, undefined),
      });
    }
  }
  return rows;
}

function webhookRows(d: Json, what = 'signed SMS webhook', baselineLabel = 'bare pg INSERT route'): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const r of (d.results ?? []) as Json[]) {
    const ours = r.tipdesk ?? r.ours;
    const ceil = r.ceiling ?? r.baseline;
    // Per level: the webhooks bench writes it on the level and on each side (measured after each),
    // the other webhook benches on each side's figures (one reading after both).
    const o = num(ours?.loadAverage);
    const c = num(ceil?.loadAverage);
    const load = num(r.loadAverage) ?? o ?? c ?? undefined;
    const loadText = o !== null && c !== null && o !== c ? `${fmt(o, 1)} / ${fmt(c, 1)}` : undefined;
    // Paired rounds (bench/children.ts pairedLevel): the level's ratio is the median of the rounds'.
    const rounds = Array.isArray(r.roundRatios) ? (r.roundRatios as unknown[]).map(num).filter((x): x is number => x !== null) : [];
    const median = num(r.ratioPercent);
    rows.push({
      metric: `${what}, concurrency ${r.concurrency}`,
      unit: 'req/s',
      ours: num(ours?.rps),
      baseline: num(ceil?.rps),
      baselineLabel,
      better: 'higher',
      load,
      loadText,
      ...(rounds.length > 1 && median !== null
        ? { ratioText: `${ratio(median, 100)} (median of rounds ${rounds.map((x) => ratio(x, 100)).join(' / ')})` }
        : {}),
    });
    rows.push({
      ...pairRow(`latency p50 / p99, concurrency ${r.concurrency}`, [ours?.p50, ours?.p99], [ceil?.p50, ceil?.p99], baselineLabel),
      load,
      loadText,
    });
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
  if (d.related) {
    rows.push(
      pairRow(
        `related tips (${d.related.n ?? '?'} different recent tips) p50 / p99`,
        [d.related.p50, d.related.p99],
        null,
        '— (no SQL floor measured)',
      ),
    );
  }
  if (d.mixed) {
    rows.push(pairRow('mixed list + search, 8 clients at once, p50 / p99', [d.mixed.p50, d.mixed.p99], null, '—'));
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
  'webhooks-api': (d) => webhookRows(d, 'signed SMS webhook, acknowledged by API'),
  api: apiRows,
  email: emailRows,
  wechat: (d) => webhookRows(d, 'signed WeChat push', 'bare XML parse + INSERT route'),
  'wechat-api': (d) => webhookRows(d, 'signed WeChat push, acknowledged by API', 'bare XML parse + INSERT route'),
  'sms-gateway': (d) => webhookRows(d, 'signed SMS gateway webhook'),
};

export function fmt(v: unknown, digits?: number): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}

/**
 * One bench's section from its parsed JSON (pure: bench:report's unit test feeds it fixtures).
 * `file.mtimeMs` older than `since` (epoch ms, the start of this `npm run bench`) marks it stale.
 */
export function sectionFromJson(b: BenchInfo, d: Json, file: { mtimeMs: number }, since?: number): BenchSection {
  const at = (d.at ?? d.date ?? new Date(file.mtimeMs).toISOString()) as string;
  const rows = Array.isArray(d.rows)
    ? (d.rows as BenchRow[]).map((r) => ({ ...r, ...(num(r.load) === null ? { load: undefined } : {}) }))
    : (ADAPTERS[b.name]?.(d) ?? []);
  const context = [
    d.postgres ? `PostgreSQL ${d.postgres}${d.database ? ` (${d.database})` : ''}` : null,
    d.tips ? `${Number(d.tips).toLocaleString('en-US')} tips` : null,
    d.jobs ? `${Number(d.jobs).toLocaleString('en-US')} jobs per run` : null,
    Array.isArray(d.queues) ? `queues run: ${(d.queues as string[]).join(', ')}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  const stale = since !== undefined && file.mtimeMs < since;
  const load = loadSpanOf(d);
  return {
    name: b.name,
    title: b.title,
    script: b.script,
    status: stale ? 'stale' : 'ok',
    at,
    context,
    rows,
    ...(load ? { load } : {}),
    ...(stale ? { note: `results from an earlier run (${at})` } : {}),
  };
}

/** Reads one bench's JSON; `since` (epoch ms) marks files older than this run as stale. */
export function readSection(b: BenchInfo, since?: number): BenchSection {
  const file = path.join(RESULTS_DIR, `${b.name}.json`);
  if (!existsSync(file))
    return { name: b.name, title: b.title, script: b.script, rows: [], status: 'no-results', note: `no bench/results/${b.name}.json` };
  return sectionFromJson(b, JSON.parse(readFileSync(file, 'utf8')) as Json, statSync(file), since);
}

function loadCell(r: BenchRow, s: BenchSection): string {
  if (r.loadText) return r.loadText;
  if (num(r.load) !== null) return r.load!.toFixed(1);
  return s.load ? `${s.load.before.toFixed(1)} → ${s.load.after.toFixed(1)}` : '—';
}

function ratioCell(r: BenchRow): string {
  return r.ratioText ?? ratio(r.ours, r.baseline);
}

/** Where and when the report is assembled (renderReport takes it in so that it stays pure). */
export interface ReportMeta {
  generatedAt: string;
  cores: number;
  memGiB: number;
  node: string;
  /** The 1-minute load average as the report is written. */
  loadNow: number;
  /** How long `npm run bench` took, when it made this report. */
  seconds?: number;
}

export function machineMeta(seconds?: number): ReportMeta {
  return {
    generatedAt: new Date().toISOString(),
    cores: os.cpus().length,
    memGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    loadNow: os.loadavg()[0],
    ...(seconds !== undefined ? { seconds } : {}),
  };
}

export function renderReport(sections: BenchSection[], meta: ReportMeta): string {
  const made =
    meta.seconds !== undefined
      ? `Generated by \`npm run bench\` on ${meta.generatedAt}; all benches took ${Math.round(meta.seconds)} s, load average ${meta.loadNow.toFixed(1)} at the end`
      : `Assembled by \`npm run bench:report\` on ${meta.generatedAt} from the results below (see each run's date)`;
  const out: string[] = [
    '# Benchmark results',
    '',
    `${made} — ${meta.cores} cores, ${meta.memGiB.toFixed(0)} GiB RAM, Node ${meta.node}.`,
    'Every figure stands beside its baseline measured in the same run on the same machine; the ratio is ours ÷ baseline',
    '(for throughput higher is better, for latency and memory lower is better).',
    '',
    'The load column is the machine\'s 1-minute load average when the figure was measured ("ours / baseline" where they ran',
    "apart), or at the bench's start → end when the bench records no load per figure;",
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

/**
 * Hand-written notes below this line in latest.md (a session's commands, what the figures mean)
 * survive the next `npm run bench` / `bench:report`, which rewrite everything above it.
 */
export const NOTES_MARKER = '<!-- Notes below this line are kept when the report is regenerated. -->';

/** The new report, followed by the notes section of the previous one (if it had the marker). */
export function withKeptNotes(report: string, previous: string | null): string {
  const at = previous?.indexOf(NOTES_MARKER) ?? -1;
  return `${report}\n${at >= 0 ? previous!.slice(at) : `${NOTES_MARKER}\n`}`;
}

export function writeReport(sections: BenchSection[], meta: ReportMeta = machineMeta()): string {
  const file = path.join(RESULTS_DIR, 'latest.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : null;
  writeFileSync(file, withKeptNotes(renderReport(sections, meta), previous));
  return file;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = writeReport(BENCHES.map((b) => readSection(b)));
  console.log(readFileSync(file, 'utf8'));
}
