import { randomBytes } from 'node:crypto';
import type { Deps } from '../../src/deps.js';
import { usersService } from '../../src/users/users.service.js';
import type { Role } from '../../src/users/users.schema.js';
import { createTipFromSubmission, findOrCreateTipster } from '../../src/tips/threading.js';
import { readTips } from '../../src/tips/read-tip.job.js';
import type { Channel } from '../../src/generated/prisma/enums.js';

export const PASSWORD = 'correct horse battery staple';

/** Creates a user and logs in over HTTP; returns the bearer token. */
export async function userWithToken(deps: Deps, baseUrl: string, role: Role, name?: string) {
  const email = `${(name ?? role).toLowerCase()}-${randomBytes(3).toString('hex')}@paper.example`;
  const user = await usersService(deps).create({ email, displayName: name ?? role, role, password: PASSWORD });
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const body = (await res.json()) as { token: string };
  return { user, token: body.token, auth: { authorization: `Bearer ${body.token}` } };
}

/** A tip as intake would make it, with its submission, for tests of later stages. */
export async function tipBuilder(
  deps: Deps,
  o: { body?: string; subject?: string; channel?: Channel; phone?: string; email?: string; receivedAt?: Date; location?: string } = {},
) {
  const channel = o.channel ?? 'SMS';
  const made = await deps.prisma.$transaction(async (tx) => {
    const sub = await tx.submission.create({
      data: { channel, externalId: `test-${randomBytes(8).toString('hex')}`, params: {}, state: 'PROCESSED' },
    });
    const tipster = await findOrCreateTipster(tx, { phone: o.phone ?? (o.email ? null : '+8618635299317'), email: o.email ?? null });
    const { tip } = await createTipFromSubmission(tx, {
      channel,
      subject: o.subject ?? null,
      body: o.body ?? '我家楼上漏水，已经三天了，物业不管。',
      tipsterId: tipster?.id,
      submissionId: sub.id,
      receivedAt: o.receivedAt ?? deps.clock.now(),
      timeZone: deps.config.TIMEZONE,
      location: o.location ?? null,
    });
    await tx.submission.update({ where: { id: sub.id }, data: { tipId: tip.id } });
    return tip;
  });
  // What the tip.read job, queued with the tip, does next.
  await readTips(deps, [made.id]);
  return deps.prisma.tip.findUniqueOrThrow({ where: { id: made.id } });
}
