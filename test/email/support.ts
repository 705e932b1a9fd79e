import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import type { Deps } from '../../src/deps.js';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { Worker } from '../../src/queue/worker.js';
import { ImapWorker, type ImapWorkerOptions } from '../../src/channels/email/imap-worker.js';
import { startDovecot, type Dovecot, type DovecotOptions } from '../support/dovecot.js';
import { baseTestEnv, createAppHarness, type AppHarness } from '../support/harness.js';
import { startSmtpCapture } from '../support/smtp.js';
import { waitFor } from '../support/wait.js';

export const MAIL_FROM = '晚报社区版 <dtwbsq365@163.com>';

export interface EmailRig {
  h: AppHarness;
  deps: Deps;
  /** The environment the rig's config was loaded from (for child processes). */
  env: Record<string, string>;
  dovecot: Dovecot;
  smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  jobs: Worker<Deps>;
  imap: ImapWorker | null;
  startImap(opts?: Omit<ImapWorkerOptions, 'deps'>): Promise<ImapWorker>;
  stopImap(): Promise<void>;
  close(): Promise<void>;
}

/** Real Dovecot, real SMTP capture, a fresh database, the job workers and the mailbox worker. */
export async function startRig(
  opts: { env?: Record<string, string>; imap?: boolean | Omit<ImapWorkerOptions, 'deps'>; dovecot?: DovecotOptions } = {},
): Promise<EmailRig> {
  const dovecot = await startDovecot(opts.dovecot);
  const smtp = await startSmtpCapture();
  const env = { ...dovecot.env({ IMAP_POLL_SECONDS: '3' }), SMTP_URL: smtp.url, MAIL_FROM, ...opts.env };
  const h = await createAppHarness({ env, overrides: { mailer: nodemailer.createTransport(smtp.url) } });
  const jobs = new Worker({
    prisma: h.deps.prisma,
    databaseUrl: h.deps.databaseUrl,
    deps: h.deps,
    definitions: allJobs,
    logger: h.deps.logger,
    pollSeconds: 1,
    backoffBaseSeconds: 0.2,
  });
  await jobs.start();
  const rig: EmailRig = {
    h,
    deps: h.deps,
    env: { ...baseTestEnv, ...env, DATABASE_URL: h.db.url },
    dovecot,
    smtp,
    jobs,
    imap: null,
    async startImap(o = {}) {
      await rig.stopImap();
      const w = new ImapWorker({ deps: h.deps, backoffBaseMs: 200, backoffCapMs: 2000, standbyMs: 300, ...o });
      await w.start();
      rig.imap = w;
      return w;
    },
    async stopImap() {
      await rig.imap?.stop();
      rig.imap = null;
    },
    async close() {
      await rig.stopImap();
      await jobs.stop();
      await h.close();
      await smtp.close();
      await dovecot.close();
    },
  };
  if (opts.imap !== false) await rig.startImap(typeof opts.imap === 'object' ? opts.imap : {});
  return rig;
}

/** The inbound message (with its tip) made from the mail with this Message-ID. */
export function messageFor(deps: Deps, messageId: string, timeoutMs = 45_000) {
  return waitFor(
    () =>
      deps.prisma.message.findFirst({
        where: { emailMessageId: messageId, direction: 'INBOUND' },
        include: { tip: { include: { tipster: true } }, attachments: { include: { blob: true }, orderBy: { sourceKey: 'asc' } } },
      }),
    timeoutMs,
    `a message for ${messageId}`,
  );
}

export function submissionFor(deps: Deps, externalId: string, states: string[] = ['PROCESSED', 'SKIPPED', 'QUARANTINED'], timeoutMs = 45_000) {
  return waitFor(
    async () => {
      const s = await deps.prisma.submission.findUnique({ where: { channel_externalId: { channel: 'EMAIL', externalId } }, omit: { raw: false } });
      return s && states.includes(s.state) ? s : null;
    },
    timeoutMs,
    `submission ${externalId} in ${states.join('/')}`,
  );
}

/** Flags of one message as any other mail client would see them. */
export async function flagsOf(dovecot: Dovecot, uid: number, mailbox = 'INBOX'): Promise<string[] | null> {
  const m = (await dovecot.messages(mailbox)).find((x) => x.uid === uid);
  return m ? m.flags : null;
}

export interface WorkerChild {
  proc: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** The email worker in a child process (see test/support/email-worker-child.ts). */
export function spawnEmailWorker(env: Record<string, string>): WorkerChild {
  const script = fileURLToPath(new URL('../support/email-worker-child.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready')) onReady();
  });
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return { proc, ready, exited, output: () => out };
}
