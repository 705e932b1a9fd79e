import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './net.js';

// A throwaway Dovecot (Debian's dovecot-imapd) for tests and the benchmark: its own
// config, passwd file and maildir under a temp dir, plain IMAP on a loopback port.
// It runs in the foreground as a child of the test process and can be stopped and
// started again on the same port, which is how tests drop connections mid-IDLE.

export const DOVECOT_BIN = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';

export interface DovecotOptions {
  user?: string;
  password?: string;
  port?: number;
  /** false: the server does not offer IDLE (clients must poll). */
  idle?: boolean;
}

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  /** Env for loadConfig() pointing the email worker at this server. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Delivers a message by IMAP APPEND; returns its UID. */
  append(raw: Buffer | string, opts?: { flags?: string[]; mailbox?: string }): Promise<number>;
  /** UIDs and flags of the messages in a mailbox, for assertions. */
  messages(mailbox?: string): Promise<{ uid: number; flags: string[]; messageId?: string }[]>;
  /** Adds flags from "another mail client". */
  addFlags(uid: number, flags: string[], mailbox?: string): Promise<void>;
  /** Writes a message straight into the maildir, as the MTA does while IMAP is down. */
  deliverToMaildir(raw: Buffer | string): void;
  /** Makes the stored file of every message containing `marker` unreadable for the server. */
  makeUnreadable(marker: string): number;
  /** Throws away the mailbox's UID list and indexes (server stopped first): UIDVALIDITY changes, every UID is new. */
  resetUidValidity(): Promise<bigint>;
  client(): Promise<ImapFlow>;
  running(): boolean;
  /** SIGTERM to the master and every session process: clients see their connections drop. */
  stop(): Promise<void>;
  /** SIGKILL of the whole process group. */
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function existingUser(candidates: string[]): { name: string; uid: number; gid: number } | null {
  for (const name of candidates) {
    const r = spawnSync('id', [name], { encoding: 'utf8' });
    const m = r.status === 0 ? /uid=(\d+).*?gid=(\d+)/.exec(r.stdout) : null;
    if (m) return { name, uid: Number(m[1]), gid: Number(m[2]) };
  }
  return null;
}

function groupName(gid: number): string {
  const r = spawnSync('getent', ['group', String(gid)], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(':')[0] : String(gid);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function startDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BIN)) throw new Error(`Dovecot is not installed (${DOVECOT_BIN}); apt-get install dovecot-imapd`);
  const user = opts.user ?? 'tips@paper.test';
  const password = opts.password ?? `pw-${randomBytes(6).toString('hex')}`;
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'tipdesk-dovecot-'));
  chmodSync(dir, 0o755);
  const mailRoot = path.join(dir, 'mail');
  for (const d of ['run', 'state', 'mail']) mkdirSync(path.join(dir, d));

  // As root, Dovecot refuses to keep mail as uid 0: mail belongs to an unprivileged user.
  // As a normal user, everything runs as that user.
  const isRoot = process.getuid?.() === 0;
  const me = userInfo();
  const internal = isRoot ? existingUser(['dovecot', 'nobody']) : { name: me.username, uid: me.uid, gid: me.gid };
  const login = isRoot ? existingUser(['dovenull', 'nobody']) : internal;
  const mailOwner = isRoot ? existingUser(['nobody', 'dovecot']) : internal;
  if (!internal || !login || !mailOwner) throw new Error('no unprivileged user for Dovecot (need dovecot/dovenull or nobody)');
  if (isRoot) chownSync(mailRoot, mailOwner.uid, mailOwner.gid);

  const passwd = path.join(dir, 'passwd');
  writeFileSync(passwd, `${user}:{PLAIN}${password}\n`);
  chmodSync(passwd, 0o644);
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internal.name}
default_internal_group = ${groupName(internal.gid)}
default_login_user = ${login.name}
first_valid_uid = 1
mail_location = maildir:${mailRoot}/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passwd}
}
userdb {
  driver = static
  args = uid=${mailOwner.uid} gid=${mailOwner.gid} home=${mailRoot}/%u
}
${opts.idle === false ? 'protocol imap {\n  imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED ESEARCH MOVE\n}\n' : ''}service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`,
  );

  let proc: ChildProcess | null = null;
  let pgid: number | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const start = async () => {
    if (proc) return;
    stderr = '';
    // Own process group, so a hard kill takes the login and imap processes with it.
    const p = spawn(DOVECOT_BIN, ['-F', '-c', conf], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
    });
    proc = p;
    pgid = p.pid ?? null;
    exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    void exited.then(() => {
      if (proc === p) proc = null;
    });
    const end = Date.now() + 15_000;
    while (!(await portOpen(port))) {
      if (!proc || Date.now() > end) throw new Error(`Dovecot did not start on port ${port}:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  // Dovecot's session processes outlive a master that got SIGTERM, so stopping signals the
  // whole process group and waits until every member is gone: clients then really see the drop.
  const groupAlive = (g: number) => {
    try {
      process.kill(-g, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signal = async (sig: NodeJS.Signals) => {
    const g = pgid;
    if (!g) return;
    try {
      process.kill(-g, sig);
    } catch {
      /* already gone */
    }
    const end = Date.now() + 10_000;
    while (groupAlive(g) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    if (groupAlive(g)) {
      process.kill(-g, 'SIGKILL');
      while (groupAlive(g)) await new Promise((r) => setTimeout(r, 25));
    }
    await exited;
    if (pgid === g) pgid = null;
  };

  const client = async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false, disableAutoIdle: true });
    await c.connect();
    return c;
  };

  const withClient = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = await client();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  };

  const maildir = () => path.join(mailRoot, user);

  await start();

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dir,
    env: (extra = {}) => ({
      IMAP_HOST: '127.0.0.1',
      IMAP_PORT: String(port),
      IMAP_SECURE: 'false',
      IMAP_USER: user,
      IMAP_PASSWORD: password,
      ...extra,
    }),
    append: (raw, o = {}) =>
      withClient(async (c) => {
        const mailbox = o.mailbox ?? 'INBOX';
        if (mailbox !== 'INBOX') await c.mailboxCreate(mailbox).catch(() => {});
        const r = await c.append(mailbox, typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw, o.flags ?? []);
        if (!r || !r.uid) throw new Error('APPEND did not return a UID');
        return r.uid;
      }),
    messages: (mailbox = 'INBOX') =>
      withClient(async (c) => {
        const lock = await c.getMailboxLock(mailbox);
        try {
          if (!c.mailbox || c.mailbox.exists === 0) return [];
          const all = await c.fetchAll('1:*', { uid: true, flags: true, envelope: true }, { uid: true });
          return all.map((m) => ({ uid: m.uid, flags: [...(m.flags ?? [])], messageId: m.envelope?.messageId }));
        } finally {
          lock.release();
        }
      }),
    addFlags: (uid, flags, mailbox = 'INBOX') =>
      withClient(async (c) => {
        const lock = await c.getMailboxLock(mailbox);
        try {
          await c.messageFlagsAdd(String(uid), flags, { uid: true });
        } finally {
          lock.release();
        }
      }),
    deliverToMaildir(raw) {
      const base = maildir();
      for (const d of ['new', 'cur', 'tmp']) mkdirSync(path.join(base, d), { recursive: true });
      const name = `${Math.floor(Date.now() / 1000)}.M${randomBytes(4).toString('hex')}P${process.pid}.test`;
      const file = path.join(base, 'new', name);
      writeFileSync(file, raw);
      if (isRoot) {
        for (const d of ['', 'new', 'cur', 'tmp']) chownSync(path.join(base, d), mailOwner.uid, mailOwner.gid);
        chownSync(file, mailOwner.uid, mailOwner.gid);
      }
    },
    makeUnreadable(marker) {
      let n = 0;
      for (const d of ['new', 'cur']) {
        const folder = path.join(maildir(), d);
        if (!existsSync(folder)) continue;
        for (const f of readdirSync(folder)) {
          const file = path.join(folder, f);
          if (readFileSync(file).includes(marker)) {
            chmodSync(file, 0o000);
            n++;
          }
        }
      }
      return n;
    },
    async resetUidValidity() {
      await signal('SIGTERM');
      const base = maildir();
      for (const f of readdirSync(base)) {
        if (f === 'dovecot-uidlist' || f.startsWith('dovecot.index')) rmSync(path.join(base, f), { force: true });
      }
      await start();
      return withClient(async (c) => (await c.mailboxOpen('INBOX')).uidValidity);
    },
    client,
    running: () => proc !== null,
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start,
    async close() {
      await signal('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
