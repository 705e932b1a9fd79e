import nodemailer from 'nodemailer';
import type { Clock } from '../../src/clock.js';
import { allJobs } from '../../src/lifecycle/jobs.js';
import { Worker } from '../../src/queue/worker.js';
import { createAppHarness, type AppHarness } from '../support/harness.js';
import { startSmtpCapture } from '../support/smtp.js';
import { tipBuilder, userWithToken } from '../support/builders.js';

export type Auth = { authorization: string } | Record<string, never>;

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** JSON over HTTP against the harness, the way the dashboard calls the API. */
export function client(h: AppHarness) {
  async function call<T = any>(method: string, path: string, auth: Auth = {}, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> {
    const res = await fetch(`${h.baseUrl}${path}`, {
      method,
      headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  return {
    call,
    get: <T = any>(path: string, auth?: Auth, headers?: Record<string, string>) => call<T>('GET', path, auth, undefined, headers),
    post: <T = any>(path: string, auth?: Auth, body: unknown = {}) => call<T>('POST', path, auth, body),
    patch: <T = any>(path: string, auth?: Auth, body?: unknown, headers?: Record<string, string>) => call<T>('PATCH', path, auth, body, headers),
    del: <T = any>(path: string, auth?: Auth) => call<T>('DELETE', path, auth),
  };
}

export async function staff(h: AppHarness) {
  const [admin, editor, reporter, reporter2] = await Promise.all([
    userWithToken(h.deps, h.baseUrl, 'ADMIN', 'admin'),
    userWithToken(h.deps, h.baseUrl, 'EDITOR', 'editor-wang'),
    userWithToken(h.deps, h.baseUrl, 'REPORTER', 'reporter-shang'),
    userWithToken(h.deps, h.baseUrl, 'REPORTER', 'reporter-zheng'),
  ]);
  return { admin, editor, reporter, reporter2 };
}

/** A tip moved to TRIAGED by an editor over the API. */
export async function triagedTip(h: AppHarness, editorAuth: Auth, o: Parameters<typeof tipBuilder>[1] = {}, category = 'neighborhood') {
  const tip = await tipBuilder(h.deps, o);
  const res = await client(h).patch(`/api/tips/${tip.id}`, editorAuth, { version: tip.version, category });
  if (res.status !== 200) throw new Error(`triage failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.tip as { id: string; version: number; reference: string; status: string };
}

/** Many reporters at once: one scrypt hash shared by all, logins in parallel. */
export async function manyReporters(h: AppHarness, n: number, prefix = 'racer') {
  const { hashPassword } = await import('../../src/users/password.js');
  const { PASSWORD } = await import('../support/builders.js');
  const hash = await hashPassword(PASSWORD);
  const tag = Math.random().toString(36).slice(2, 8);
  const emails = Array.from({ length: n }, (_, i) => `${prefix}${i}-${tag}@paper.example`);
  await h.deps.prisma.user.createMany({
    data: emails.map((email, i) => ({ email, displayName: `${prefix}${i}`, role: 'REPORTER' as const, passwordHash: hash })),
  });
  const users = await h.deps.prisma.user.findMany({ where: { email: { in: emails } } });
  return Promise.all(
    emails.map(async (email) => {
      const res = await fetch(`${h.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      const body = (await res.json()) as { token: string };
      return { user: users.find((u) => u.email === email)!, token: body.token, auth: { authorization: `Bearer ${body.token}` } };
    }),
  );
}

/** An app harness with staff logged in; `mail` adds a capturing SMTP server and a job worker to deliver to it. */
export async function deskHarness(o: { env?: Record<string, string>; clock?: Clock; mail?: boolean } = {}) {
  const smtp = o.mail ? await startSmtpCapture() : null;
  const h = await createAppHarness({
    env: { MAIL_FROM: '晚报社区版 <dtwbsq365@163.com>', LOGIN_MAX_ATTEMPTS: '50', ...o.env },
    overrides: { ...(o.clock ? { clock: o.clock } : {}), ...(smtp ? { mailer: nodemailer.createTransport(smtp.url) } : {}) },
  });
  const worker = smtp
    ? new Worker({
        prisma: h.deps.prisma,
        databaseUrl: h.deps.databaseUrl,
        deps: h.deps,
        definitions: allJobs,
        logger: h.deps.logger,
        pollSeconds: 1,
        backoffBaseSeconds: 0.2,
      })
    : null;
  await worker?.start();
  return {
    h,
    api: client(h),
    s: await staff(h),
    smtp: smtp!,
    async close() {
      await worker?.stop();
      await h.close();
      await smtp?.close();
    },
  };
}
export type Desk = Awaited<ReturnType<typeof deskHarness>>;
