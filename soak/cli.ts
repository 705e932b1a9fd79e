// npm run soak -- --minutes 5 [--workers 3] [--seed 42] [--drain 120] [--keep]
// Exits 0 when every check passed, 1 on any loss, duplicate or leak (the table says which).
import { parseArgs } from 'node:util';
import { runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    workers: { type: 'string', default: '2' },
    seed: { type: 'string' },
    drain: { type: 'string', default: '120' },
    keep: { type: 'boolean', default: false },
  },
});

const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error('--minutes must be a positive number');
  process.exit(2);
}
const started = Date.now();
const result = await runSoak({
  minutes,
  workers: Number(values.workers),
  seed: values.seed === undefined ? undefined : Number(values.seed),
  drainSeconds: Number(values.drain),
  keep: values.keep,
  say: (line) => console.log(line),
});
console.log('');
console.log('Faults injected:');
for (const f of result.faults) console.log(`  @${(f.at / 1000).toFixed(0).padStart(4)}s  ${f.fault} (${f.ms} ms)${f.note ? ` — ${f.note}` : ''}`);
console.log('');
console.log(result.table);
console.log('');
console.log(
  `${result.ok ? 'SOAK PASSED' : 'SOAK FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s${result.ok && !values.keep ? '' : `; logs and summary in ${result.dir}`}`,
);
process.exit(result.ok ? 0 : 1);
