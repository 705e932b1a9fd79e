import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/prisma.js';

export interface Metrics {
  registry: Registry;
  jobs: Counter<'kind' | 'outcome'>;
  webhooks: Counter<'route' | 'outcome'>;
}

/** Prometheus metrics; the gauges read the database at scrape time so every process reports the same totals. */
export function createMetrics(prisma: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tipdesk_process_' });
  const jobs = new Counter({
    name: 'tipdesk_jobs_total',
    help: 'Jobs finished by this process',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'tipdesk_webhooks_total',
    help: 'Webhook requests handled by this process',
    labelNames: ['route', 'outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'tipdesk_queue_jobs',
    help: 'Jobs in the queue by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.$queryRaw<{ state: string; n: bigint }[]>`SELECT state::text, count(*) AS n FROM job GROUP BY state`;
      this.reset();
      for (const s of ['QUEUED', 'RUNNING', 'COMPLETED', 'DEAD']) this.set({ state: s }, 0);
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: 'tipdesk_submissions',
    help: 'Stored submissions by channel and state',
    labelNames: ['channel', 'state'] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.$queryRaw<{ channel: string; state: string; n: bigint }[]>`
        SELECT channel::text, state::text, count(*) AS n FROM submission GROUP BY channel, state`;
      this.reset();
      for (const r of rows) this.set({ channel: r.channel, state: r.state }, Number(r.n));
    },
  });
  new Gauge({
    name: 'tipdesk_tips',
    help: 'Tips by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.$queryRaw<{ status: string; n: bigint }[]>`SELECT status::text, count(*) AS n FROM tip GROUP BY status`;
      this.reset();
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  return { registry, jobs, webhooks };
}
