// What the webhook benches (bench/webhooks.bench.ts for Twilio, bench/sms-gateway.bench.ts for
// the hotline phone) share: the service and the ceiling as child processes, their CPU time, and
// autocannon firing one freshly signed request per call.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';

const ROOT = path.resolve(import.meta.dirname, '..');

export async function sql(url: string, text: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** Starts a child process and resolves with the port it prints once it is ready. */
export function startChild(label: string, file: string, env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[${label}] ${d}`));
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code} before it was ready:\n${out}`)));
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

export interface Level {
  target: 'tipdesk' | 'ceiling';
  concurrency: number;
  requests: number;
  non2xx: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU the server process spent per request (ms). */
  cpuPerRequest?: number;
}

/** `amount` POSTs at `concurrency`, each with a body and headers made for it (a new signature). */
export async function fire(
  port: number,
  urlPath: string,
  concurrency: number,
  amount: number,
  target: Level['target'],
  request: () => { body: string; headers: Record<string, string> },
): Promise<Level> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: concurrency,
    amount,
    requests: [{ method: 'POST', path: urlPath, setupRequest: (req) => ({ ...req, ...request() }) }],
  });
  const done = result.requests.total;
  return {
    target,
    concurrency,
    requests: done,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rps: Math.round(done / (result.duration || 1)),
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}
