import { hasContact, maskContact, maskContactsIn, scrubContacts } from '../contacts.js';
import type { AuthUser } from '../users/users.schema.js';
import { CLAIMED_STATUSES, REPORTER_PATCH_TARGETS, targets } from '../tips/state-machine.js';
import type { TipStatus } from './triage.schema.js';

// Every access and masking rule of the triage API, in one place. The use cases ask these
// functions; none of them decides on its own who may see or change what: which tips a role
// sees, and which fields carry a tipster's contact unmasked (the tipster, any sender merged
// in, the error texts of failed deliveries).
//
// Who may see a tipster's phone number and email address: editors and admins always;
// a reporter only while the lead is claimed by them (CLAIMED or IN_PROGRESS with them as
// assignee). Assigned-but-not-yet-claimed and pool leads show masked values.

export const isEditor = (u: AuthUser) => u.role === 'ADMIN' || u.role === 'EDITOR';

/** The word lists new tips are read against (incident types and their synonyms): editors and admins keep them. */
export const LIST_KEEPERS = ['ADMIN', 'EDITOR'] as const;

export function contactVisible(viewer: AuthUser, tip: { status: string; assigneeId: string | null }): boolean {
  if (isEditor(viewer)) return true;
  return tip.assigneeId === viewer.id && CLAIMED_STATUSES.includes(tip.status as TipStatus);
}

/** A reporter sees their own leads (any status) and the open pool; editors see everything. */
export function tipVisible(viewer: AuthUser, tip: { status: string; assigneeId: string | null }): boolean {
  if (isEditor(viewer)) return true;
  return tip.assigneeId === viewer.id || (tip.status === 'TRIAGED' && tip.assigneeId === null);
}

/** A tipster, or any sender merged into a tip, as this viewer may see them. */
export function presentTipster(
  visible: boolean,
  t: { displayName: string | null; phone: string | null; email: string | null } | null,
): { displayName: string | null; phone: string | null; email: string | null; masked: boolean } {
  if (!t) return { displayName: null, phone: null, email: null, masked: false };
  if (visible) return { displayName: t.displayName, phone: t.phone, email: t.email, masked: false };
  return {
    // Some senders' display name is their address or number (138.0013.8000, full-width
    // digits, spaced out); the contact inside it is masked too.
    displayName: t.displayName && hasContact(t.displayName) ? maskContactsIn(t.displayName) : t.displayName,
    phone: t.phone ? maskContact(t.phone) : null,
    email: t.email ? maskContact(t.email) : null,
    masked: Boolean(t.phone || t.email),
  };
}

/**
 * A delivery's error as this viewer may see it. Stored texts are scrubbed when written, and
 * scrubbed again here (rows written before that rule); a viewer who may not see the contact
 * gets only the provider's code, whatever the text says.
 */
export function presentDeliveryError(
  visible: boolean,
  m: { deliveryError: string | null; deliveryErrorCode: string | null },
): { deliveryError: string | null; deliveryErrorCode: string | null } {
  if (m.deliveryError === null) return { deliveryError: null, deliveryErrorCode: m.deliveryErrorCode };
  if (visible) return { deliveryError: scrubContacts(m.deliveryError), deliveryErrorCode: m.deliveryErrorCode };
  return {
    deliveryError: m.deliveryErrorCode ? `delivery failed (error ${m.deliveryErrorCode})` : 'delivery failed',
    deliveryErrorCode: m.deliveryErrorCode,
  };
}

/** Messages of a tip's thread (its own and those merged in) with delivery errors as the viewer may see them. */
export function presentMessages<M extends { deliveryError: string | null; deliveryErrorCode: string | null }>(
  viewer: AuthUser,
  tip: { status: string; assigneeId: string | null },
  messages: M[],
): M[] {
  const visible = contactVisible(viewer, tip);
  return messages.map((m) => ({ ...m, ...presentDeliveryError(visible, m) }));
}

type LeadRef = { status: string; assigneeId: string | null };

/** The reporter holds the lead: assigned to them and claimed (or being worked). */
const holdsClaim = (viewer: AuthUser, tip: LeadRef) => tip.assigneeId === viewer.id && CLAIMED_STATUSES.includes(tip.status as TipStatus);

/** Finding tips by a tipster's phone or email would tell a reporter who sent masked tips: editors only. */
export const mayFindByContact = (viewer: AuthUser) => isEditor(viewer);

/** Category and priority are the desk's decisions. */
export const mayEditTriageFields = (viewer: AuthUser) => isEditor(viewer);

/** Status, title and location: editors on any tip, a reporter on the lead they hold. */
export const mayChangeLead = (viewer: AuthUser, tip: LeadRef) => isEditor(viewer) || holdsClaim(viewer, tip);

/** Where a viewer may move a tip by PATCH from here: the state machine's targets, narrowed for reporters. */
export function allowedTransitions(viewer: AuthUser, status: TipStatus, assigneeId: string | null): TipStatus[] {
  const all = targets(status, 'patch');
  if (isEditor(viewer)) return all;
  if (!holdsClaim(viewer, { status, assigneeId })) return [];
  return all.filter((s) => REPORTER_PATCH_TARGETS.includes(s));
}

/** Editors, and the reporter the lead is assigned to (claimed or not yet). */
export const mayReply = (viewer: AuthUser, tip: LeadRef) =>
  isEditor(viewer) || (tip.assigneeId === viewer.id && ['ASSIGNED', 'CLAIMED', 'IN_PROGRESS'].includes(tip.status));

/** Notes: editors, and the reporter the lead is assigned to. */
export const mayAddNote = (viewer: AuthUser, tip: { assigneeId: string | null }) => isEditor(viewer) || tip.assigneeId === viewer.id;

/** Release back to the pool: editors, and the reporter the lead is assigned to. */
export const mayRelease = (viewer: AuthUser, tip: { assigneeId: string | null }) => isEditor(viewer) || tip.assigneeId === viewer.id;

/** Attachments: editors, and the reporter the lead is assigned to or claimed by. */
export const mayOpenAttachment = (viewer: AuthUser, tip: { assigneeId: string | null } | null) =>
  isEditor(viewer) || (tip !== null && tip.assigneeId === viewer.id);

/** How long after a merge the desk may undo it (the toast's undo, or POST /tips/:id/unmerge). */
export const UNMERGE_WINDOW_MS = 60_000;

/** Un-merge: editors, within the window after the merge. */
export const mayUnmerge = (viewer: AuthUser, mergedAt: Date, now: Date) =>
  isEditor(viewer) && now.getTime() - mergedAt.getTime() <= UNMERGE_WINDOW_MS;

/** Undoing a dismissal (the bulk dismiss toast's undo): editors, within the same window. */
export const mayUndismiss = (viewer: AuthUser, dismissedAt: Date, now: Date) =>
  isEditor(viewer) && now.getTime() - dismissedAt.getTime() <= UNMERGE_WINDOW_MS;
