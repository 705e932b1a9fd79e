import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDb } from '../src/db/embedded.js';

// The soak's own PostgreSQL: an embedded cluster in the run's temp dir, so that pausing and
// restarting it hurts nobody else (the machine's shared server is never touched).

export interface SoakPostgres {
  adminUrl: string;
  port: number;
  /** Every process of the cluster (postmaster and its backends), for SIGSTOP/SIGCONT. */
  pids(): number[];
  /** SIGSTOP the whole cluster for `ms`, then SIGCONT: connections hang rather than fail. */
  pause(ms: number): Promise<void>;
  /** Fast shutdown (sessions are terminated), down for `downMs`, started again on the same port. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may contain spaces and parentheses: the ppid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* the process ended while we looked */
    }
  }
  return out;
}

export async function startSoakPostgres(dir: string, port: number, log: (line: string) => void): Promise<SoakPostgres> {
  const dataDir = path.join(dir, 'pg');
  let db: EmbeddedDb = await startEmbeddedPostgres({ dir: dataDir, port, database: 'postgres', log });
  const adminUrl = db.url;

  const postmaster = (): number | null => {
    const file = path.join(dataDir, 'postmaster.pid');
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  };
  const pids = () => {
    const pm = postmaster();
    return pm ? [pm, ...childrenOf(pm)] : [];
  };
  const signalAll = (list: number[], sig: NodeJS.Signals) => {
    for (const p of list) {
      try {
        process.kill(p, sig);
      } catch {
        /* gone */
      }
    }
  };

  return {
    adminUrl,
    port,
    pids,
    async pause(ms) {
      const list = pids();
      signalAll(list, 'SIGSTOP');
      try {
        await sleep(ms);
      } finally {
        signalAll(list, 'SIGCONT');
      }
    },
    async restart(downMs) {
      await db.stop();
      await sleep(downMs);
      db = await startEmbeddedPostgres({ dir: dataDir, port, database: 'postgres', log });
    },
    async stop() {
      // A paused cluster would never stop.
      signalAll(pids(), 'SIGCONT');
      await db.stop();
    },
  };
}

/** Creates (or recreates) a scratch database; returns its URL. */
export async function scratchDatabase(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
