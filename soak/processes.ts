import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

// The service as it runs in production: separate OS processes started from workers/*.ts.
// Each start appends to the process's own log file (stdout and stderr), which the soak greps
// for tipster contact details at the end.

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface ProcessSpec {
  name: string;
  entry: 'workers/api.ts' | 'workers/worker.ts';
  env: Record<string, string>;
  logFile: string;
}

export class ServiceProcess {
  readonly spec: ProcessSpec;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private log: WriteStream;
  private output = '';
  starts = 0;
  kills = 0;
  /** Exits nobody asked for (a crash): each with the last lines the process wrote. */
  readonly crashes: { at: string; code: string; tail: string }[] = [];
  private expectExit = false;
  /** Bookkeeping for the soak's supervisor. */
  restarting = false;
  crashesHandled = 0;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the process; resolves when `ready` says so (or rejects after the timeout). */
  async start(ready: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    if (this.child) return;
    this.starts++;
    this.output = '';
    this.expectExit = false;
    this.log.write(`\n=== soak: start #${this.starts} of ${this.spec.name} at ${new Date().toISOString()} ===\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, this.spec.entry)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const take = (d: Buffer) => {
      this.log.write(d);
      this.output = (this.output + d.toString('utf8')).slice(-64_000);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    this.exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        this.log.write(`=== soak: ${this.spec.name} exited (${signal ?? code}) at ${new Date().toISOString()} ===\n`);
        if (!this.expectExit) this.crashes.push({ at: new Date().toISOString(), code: String(signal ?? code), tail: this.output.slice(-1500) });
        if (this.child === child) this.child = null;
        resolve();
      }),
    );
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (!this.child) throw new Error(`${this.spec.name} exited during start-up:\n${this.output}`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > end) throw new Error(`${this.spec.name} was not ready after ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The last output (for start-up checks and failure messages). */
  get recentOutput(): string {
    return this.output;
  }

  /** kill -9: no shutdown code runs, in-flight requests and jobs are cut off. */
  async kill9(): Promise<void> {
    if (!this.child) return;
    this.kills++;
    this.expectExit = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait (the clean shutdown at the end of the run), SIGKILL after the grace. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectExit = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((r) => this.log.end(() => r()));
  }
}
