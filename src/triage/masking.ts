import { maskContact } from '../logger.js';
import type { AuthUser } from '../users/users.schema.js';
import { CLAIMED_STATUSES } from '../tips/state-machine.js';
import type { TipStatus } from './triage.schema.js';

// Who may see a tipster's phone number and email address: editors and admins always;
// a reporter only while the lead is claimed by them (CLAIMED or IN_PROGRESS with them as
// assignee). Assigned-but-not-yet-claimed and pool leads show masked values.

export const isEditor = (u: AuthUser) => u.role === 'ADMIN' || u.role === 'EDITOR';

export function contactVisible(viewer: AuthUser, tip: { status: string; assigneeId: string | null }): boolean {
  if (isEditor(viewer)) return true;
  return tip.assigneeId === viewer.id && CLAIMED_STATUSES.includes(tip.status as TipStatus);
}

/** A reporter sees their own leads (any status) and the open pool; editors see everything. */
export function tipVisible(viewer: AuthUser, tip: { status: string; assigneeId: string | null }): boolean {
  if (isEditor(viewer)) return true;
  return tip.assigneeId === viewer.id || (tip.status === 'TRIAGED' && tip.assigneeId === null);
}

const looksLikeContact = (s: string) => s.includes('@') || /\d{7,}/.test(s.replace(/[\s-]/g, ''));

export function presentTipster(
  visible: boolean,
  t: { displayName: string | null; phone: string | null; email: string | null } | null,
): { displayName: string | null; phone: string | null; email: string | null; masked: boolean } {
  if (!t) return { displayName: null, phone: null, email: null, masked: false };
  if (visible) return { displayName: t.displayName, phone: t.phone, email: t.email, masked: false };
  return {
    // Some senders' display name is their address or number; that is masked too.
    displayName: t.displayName && looksLikeContact(t.displayName) ? maskContact(t.displayName) : t.displayName,
    phone: t.phone ? maskContact(t.phone) : null,
    email: t.email ? maskContact(t.email) : null,
    masked: Boolean(t.phone || t.email),
  };
}
