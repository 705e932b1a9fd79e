import { z } from 'zod';
import { benchDatabase } from '../bench/bench-db.js';
import { createPrisma } from '../src/db/prisma.js';
import { createLogger } from '../src/logger.js';
import { Worker } from '../src/queue/worker.js';
const db = await benchDatabase('tipdesk_probe2');
const prisma = createPrisma(db.url, 4);
const JOBS = Number(process.env.JOBS ?? 20000);
for (const conc of (process.env.CONCS ?? "4,16").split(",").map(Number)) for (let rep = 0; rep < Number(process.env.REPS ?? 2); rep++) {
  await prisma.$executeRaw`TRUNCATE job`;
  await prisma.$executeRaw`INSERT INTO job (kind, payload, max_attempts) SELECT 'bench', jsonb_build_object('n', n), 10 FROM generate_series(1, ${JOBS}::int) AS n`;
  await prisma.$executeRaw`ANALYZE job`;
  let completed = 0; let done!: () => void; const drained = new Promise<void>((r) => (done = r));
  const w = new Worker({ prisma, databaseUrl: db.url, deps: {}, logger: createLogger('silent'), concurrency: conc, pollSeconds: 5,
    definitions: [{ id: 'bench', payload: z.object({ n: z.number() }), handler: async () => {} }],
    onJobEvent: (e) => { if (e === 'completed' && ++completed === JOBS) done(); } });
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await w.start(); await drained;
  const wall = performance.now() - t0; const cpu = process.cpuUsage(c0);
  await w.stop();
  console.log(`conc ${conc}: ${(JOBS / wall * 1000).toFixed(0)} jobs/s, wall ${wall.toFixed(0)} ms, node cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
}
await prisma.$disconnect(); await db.drop(); process.exit(0);
