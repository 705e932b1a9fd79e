// npm run bench — runs every benchmark one after the other (they would disturb each other in
// parallel), then writes bench/results/latest.md with each figure beside its baseline.
// A bench whose npm script does not exist is skipped with a line saying so; one that fails
// is reported and the others still run. Extra arguments go to every bench (e.g. nothing, usually).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadNow } from './load.js';
import { BENCHES, machineMeta, readSection, RESULTS_DIR, writeReport, type BenchSection } from './report.js';

const root = path.resolve(import.meta.dirname, '..');
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
mkdirSync(RESULTS_DIR, { recursive: true });

const started = Date.now();
const sections: BenchSection[] = [];
let failed = 0;
for (const b of BENCHES) {
  if (!scripts[b.script]) {
    console.log(`\n== ${b.script}: no such script in package.json — skipped`);
    sections.push({ ...b, status: 'missing', rows: [] });
    continue;
  }
  console.log(`\n== npm run ${b.script}`);
  const t0 = Date.now();
  const before = loadNow();
  const r = spawnSync('npm', ['run', '-s', b.script], { cwd: root, stdio: 'inherit' });
  // The bench records its own start → end load (bench/load.ts); this is the fallback for one that did not.
  const load = { before, after: loadNow() };
  const seconds = ((Date.now() - t0) / 1000).toFixed(0);
  if (r.status !== 0) {
    failed++;
    console.log(`== ${b.script} failed (exit ${r.status ?? r.signal}) after ${seconds} s`);
    const s = readSection(b, t0);
    sections.push({
      ...s,
      load: s.status === 'ok' && s.load ? s.load : load,
      status: 'failed',
      note: `exit ${r.status ?? r.signal}${s.status === 'stale' ? '; the figures shown are from an earlier run' : ''}`,
    });
    continue;
  }
  console.log(`== ${b.script} done in ${seconds} s`);
  const s = readSection(b, t0);
  if (s.status === 'stale') console.log(`== ${b.script} did not write bench/results/${b.name}.json`);
  sections.push({ ...s, load: s.load ?? load });
}
const file = writeReport(sections, machineMeta((Date.now() - started) / 1000));
console.log(`\n${readFileSync(file, 'utf8')}`);
console.log(`Wrote ${path.relative(root, file)}`);
process.exit(failed ? 1 : 0);
