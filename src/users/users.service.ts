import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { isUniqueViolation, type Tx } from '../db/prisma.js';
import { hashPassword, hashToken, newToken, verifyPassword } from './password.js';
import type { AuthUser, CreateUser, UpdateUser } from './users.schema.js';

// A hash of a random password with the same scrypt cost as real ones, made once per process.
let dummy: Promise<string> | null = null;
const dummyHash = () => (dummy ??= hashPassword(randomBytes(16).toString('hex')));

const publicUser = { id: true, email: true, displayName: true, role: true, active: true, createdAt: true } as const;

export function usersService(deps: Pick<Deps, 'prisma' | 'clock' | 'config'>) {
  const { prisma, clock, config } = deps;

  /** Counts an attempt in a fixed window shared by every process; true when over the limit. */
  async function overLimit(db: Tx, key: string, max: number, windowSeconds: number): Promise<boolean> {
    const now = clock.now();
    // Windows that ended are worth nothing: deleted here, so the table holds only the current
    // window's keys however many addresses and made-up accounts an attacker tries.
    await db.$executeRaw`DELETE FROM rate_limit WHERE window_start < ${now}::timestamptz - make_interval(secs => ${windowSeconds}::float8)`;
    const rows = await db.$queryRaw<{ count: number }[]>`
      INSERT INTO rate_limit (key, count, window_start) VALUES (${key}, 1, ${now})
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN rate_limit.window_start < ${now}::timestamptz - make_interval(secs => ${windowSeconds}::float8) THEN 1 ELSE rate_limit.count + 1 END,
        window_start = CASE WHEN rate_limit.window_start < ${now}::timestamptz - make_interval(secs => ${windowSeconds}::float8) THEN ${now} ELSE rate_limit.window_start END
      RETURNING count`;
    return rows[0].count > max;
  }

  async function revokeTokens(db: Tx, userId: string, exceptTokenHash?: string) {
    await db.authToken.updateMany({
      where: { userId, revokedAt: null, ...(exceptTokenHash ? { tokenHash: { not: exceptTokenHash } } : {}) },
      data: { revokedAt: clock.now() },
    });
  }

  return {
    async create(input: CreateUser, db: Tx = prisma) {
      try {
        return await db.user.create({
          data: { email: input.email, displayName: input.displayName, role: input.role, passwordHash: await hashPassword(input.password) },
          select: publicUser,
        });
      } catch (e) {
        if (isUniqueViolation(e)) throw new AppError('CONFLICT', `A user with email ${input.email} already exists`);
        throw e;
      }
    },

    async update(id: string, input: UpdateUser) {
      const passwordHash = input.password ? await hashPassword(input.password) : undefined;
      return prisma.$transaction(async (tx) => {
        // The active admins' rows are locked, so two admins demoting each other at once
        // cannot both pass the check and leave the desk without one.
        const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id::text FROM app_user WHERE role = 'ADMIN' AND active ORDER BY id FOR UPDATE`;
        const exists = await tx.user.findUnique({ where: { id }, select: { id: true } });
        if (!exists) throw AppError.notFound('User');
        const leavesAdmins = (input.role !== undefined && input.role !== 'ADMIN') || input.active === false;
        if (leavesAdmins && admins.length === 1 && admins[0].id === id) {
          throw new AppError('CONFLICT', 'This is the last active admin: make another user an admin before demoting or deactivating this one', {
            reason: 'last_admin',
          });
        }
        const user = await tx.user.update({
          where: { id },
          data: { active: input.active, displayName: input.displayName, role: input.role, passwordHash },
          select: publicUser,
        });
        // A deactivated user, or one whose password an admin reset, is signed out everywhere at once.
        if (input.active === false || passwordHash) await revokeTokens(tx, id);
        return user;
      });
    },

    /** The logged-in user changes their own password; every other session of theirs ends. */
    async changePassword(user: AuthUser, currentToken: string, currentPassword: string, newPassword: string) {
      const row = await prisma.user.findUnique({ where: { id: user.id }, select: { passwordHash: true } });
      if (!row || !(await verifyPassword(currentPassword, row.passwordHash))) {
        throw new AppError('FORBIDDEN', 'The current password is wrong');
      }
      const passwordHash = await hashPassword(newPassword);
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
        await revokeTokens(tx, user.id, hashToken(currentToken));
      });
    },

    list(filter: { role?: AuthUser['role']; active?: boolean } = {}) {
      return prisma.user.findMany({ where: { role: filter.role, active: filter.active }, select: publicUser, orderBy: { createdAt: 'asc' } });
    },

    async login(email: string, password: string, ip: string) {
      const window = config.LOGIN_WINDOW_SECONDS;
      const max = config.LOGIN_MAX_ATTEMPTS;
      const [byAccount, byIp] = [
        await overLimit(prisma, `login:acct:${email}`, max, window),
        await overLimit(prisma, `login:ip:${ip}`, max * 5, window),
      ];
      if (byAccount || byIp) throw new AppError('RATE_LIMITED', 'Too many login attempts; try again later');
      const user = await prisma.user.findUnique({ where: { email } });
      // The hash runs whether or not the account exists (or is active): an unknown email must
      // take as long as a wrong password, or timing tells which accounts exist.
      const verified = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
      const ok = verified && user?.active;
      if (!ok || !user) throw new AppError('UNAUTHENTICATED', 'Wrong email or password');
      const { token, hash } = newToken();
      const expiresAt = new Date(clock.now().getTime() + config.TOKEN_TTL_HOURS * 3600_000);
      await prisma.authToken.create({ data: { tokenHash: hash, userId: user.id, expiresAt } });
      await prisma.rateLimit.deleteMany({ where: { key: `login:acct:${email}` } });
      return { token, expiresAt, user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role } };
    },

    async logout(token: string) {
      await prisma.authToken.updateMany({ where: { tokenHash: hashToken(token), revokedAt: null }, data: { revokedAt: clock.now() } });
    },

    async authenticate(token: string): Promise<AuthUser | null> {
      // One round trip: this runs before every API request.
      const rows = await prisma.$queryRaw<(AuthUser & { expiresAt: Date; revokedAt: Date | null; active: boolean })[]>`
        SELECT u.id::text AS id, u.email, u.display_name AS "displayName", u.role::text AS role, u.active,
               t.expires_at AS "expiresAt", t.revoked_at AS "revokedAt"
        FROM auth_token t JOIN app_user u ON u.id = t.user_id
        WHERE t.token_hash = ${hashToken(token)}`;
      const row = rows[0];
      if (!row || row.revokedAt || row.expiresAt <= clock.now() || !row.active) return null;
      return { id: row.id, email: row.email, displayName: row.displayName, role: row.role };
    },

    /** First start: make sure someone can log in. Returns the generated password when one was made up. */
    async ensureAdmin(email?: string, password?: string): Promise<{ email: string; password?: string } | null> {
      const count = await prisma.user.count({ where: { role: 'ADMIN' } });
      if (count > 0) return null;
      const adminEmail = email ?? 'admin@tipdesk.local';
      const generated = password ? undefined : randomBytes(12).toString('base64url');
      try {
        await this.create({ email: adminEmail, displayName: 'Administrator', role: 'ADMIN', password: password ?? generated! });
      } catch (e) {
        // Several processes starting together (API + workers) race to make the first admin: one wins.
        if (e instanceof AppError && e.code === 'CONFLICT') return null;
        throw e;
      }
      return { email: adminEmail, password: generated };
    },
  };
}
export type UsersService = ReturnType<typeof usersService>;
