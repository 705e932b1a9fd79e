import type { Tx } from '../db/prisma.js';
import { lookupForms, needleOf, parseContact, type ContactKind } from './contact.js';
import { eraseScope, lockSenders, needlePattern, type EraseCounts, type TipsterRow } from './sql.js';

// What erasing a set of tipsters means, shared by a tipster's request (erase-tipster.ts) and
// retention (run-retention.ts): the contacts they are known by, in every stored spelling.

export interface ErasedContacts {
  /** Which kinds of contact were erased (phone, email, openid, name): for the audit row, never the values. */
  kinds: (ContactKind | 'name')[];
  senders: string[];
  needles: string[];
  phones: string[];
}

export function contactsOf(tipsters: TipsterRow[]): ErasedContacts {
  const kinds = new Set<ContactKind | 'name'>();
  const senders = new Set<string>();
  const needles = new Set<string>();
  const phones: string[] = [];
  const add = (kind: ContactKind, stored: string | null) => {
    if (!stored) return;
    kinds.add(kind);
    senders.add(stored);
    senders.add(stored.toLowerCase());
    const c = parseContact(stored);
    if (c && c.kind === kind) for (const f of lookupForms(c)) senders.add(f);
    needles.add(needleOf(kind, stored));
    if (kind === 'phone') phones.push(stored);
  };
  for (const t of tipsters) {
    add('phone', t.phone);
    add('email', t.email);
    add('openid', t.wechatOpenId);
    if (t.displayName) kinds.add('name');
  }
  return { kinds: [...kinds], senders: [...senders], needles: [...needles], phones };
}

/** Deletes the tipsters and erases their contact data from the given tips, in the caller's transaction. */
export async function eraseTipsters(
  tx: Tx,
  o: { tipsters: TipsterRow[]; tipIds: string[]; wholeTips: boolean; at: Date },
): Promise<{ counts: EraseCounts; kinds: ErasedContacts['kinds'] }> {
  const c = contactsOf(o.tipsters);
  await lockSenders(tx, c.phones);
  const counts = await eraseScope(tx, {
    tipIds: o.tipIds,
    tipsterIds: o.tipsters.map((t) => t.id),
    senders: c.senders,
    pattern: needlePattern(c.needles),
    wholeTips: o.wholeTips,
    at: o.at,
  });
  return { counts, kinds: c.kinds };
}
