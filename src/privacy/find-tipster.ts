import type { Tx } from '../db/prisma.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { recordAccess } from './access-log.js';
import { lookupForms, parseContact } from './contact.js';
import { contactsOf } from './erase.js';
import type { Held } from './privacy.schema.js';
import { findTipsters, messagesOf, needlePattern, submissionsOf, tipIdsOf, tipsByIds, type TipsterRow } from './sql.js';

// "What do you hold about me": a tipster found by any spelling of their phone, email or OpenID,
// with their tips, messages and submissions. Showing it is recorded in the access log.

const iso = (d: Date) => d.toISOString();

/** Everything held about one tipster (raw bytes only as a size). */
export async function heldAbout(tx: Tx, t: TipsterRow): Promise<Held> {
  const c = contactsOf([t]);
  const tipIds = await tipIdsOf(tx, [t.id]);
  const [tips, subs] = await Promise.all([tipsByIds(tx, tipIds), submissionsOf(tx, tipIds, c.senders, needlePattern(c.needles))]);
  const messages = await messagesOf(
    tx,
    tipIds,
    subs.map((s) => s.id),
    c.senders,
  );
  const seen = [t.createdAt, ...subs.map((s) => s.receivedAt)].map((d) => d.getTime());
  return {
    tipster: { ...t, createdAt: iso(t.createdAt) },
    firstSeenAt: iso(new Date(Math.min(...seen))),
    lastSeenAt: iso(new Date(Math.max(...seen))),
    tips: tips.map((x) => ({ ...x, createdAt: iso(x.createdAt), closedAt: x.closedAt ? iso(x.closedAt) : null })),
    messages: messages.map((m) => ({ ...m, createdAt: iso(m.createdAt) })),
    submissions: subs.map((s) => ({ ...s, receivedAt: iso(s.receivedAt), rawBytes: s.rawBytes === null ? null : Number(s.rawBytes) })),
  };
}

export async function findTipster(deps: Pick<Deps, 'prisma' | 'clock'>, viewer: AuthUser, contact: string) {
  const c = parseContact(contact);
  if (!c)
    throw new AppError('VALIDATION', 'Invalid query: contact', {
      fields: [{ field: 'contact', message: 'is not a phone number, email address or OpenID' }],
    });
  const rows = await findTipsters(deps.prisma, lookupForms(c));
  const tipsters = [];
  for (const t of rows) tipsters.push(await heldAbout(deps.prisma, t));
  const at = deps.clock.now();
  for (const t of rows) await recordAccess(deps.prisma, { userId: viewer.id, tipsterId: t.id, purpose: 'tipster.lookup', at });
  return { contact: c, tipsters };
}
