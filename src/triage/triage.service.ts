import type { Deps } from '../deps.js';
import type { AuthUser } from '../users/users.schema.js';
import { addNote } from './add-note.js';
import { assignTip } from './assign.js';
import { openAttachment } from './attachment.js';
import { claimTip } from './claim.js';
import { tipDetail } from './detail.js';
import { tipEvents } from './events.js';
import { myLeads } from './leads.js';
import { iterateTips, listTips } from './list.js';
import { mergeTips } from './merge.js';
import { unmergeTip } from './unmerge.js';
import { undismissTip } from './undismiss.js';
import { patchTip } from './patch.js';
import { relatedTips } from './related.js';
import { releaseTip } from './release.js';
import { replyToTipster } from './reply.js';
import { tipStats } from './stats.js';
import type { ListTipsQuery, PatchTip } from './triage.schema.js';

// Editors' and reporters' work on tips: one use case per file in this folder, every access
// rule in policy.ts. Every change runs in one transaction with the AuditEvent that records it;
// concurrent changes are settled by the database (a version in the WHERE clause, a conditional
// UPDATE, or a row lock), never by reading then hoping. This binds the use cases to Deps for the routes.

export function triageService(deps: Deps) {
  return {
    detail: (viewer: AuthUser, id: string) => tipDetail(deps, viewer, id),
    list: (viewer: AuthUser, query: ListTipsQuery) => listTips(deps, viewer, query),
    iterate: (viewer: AuthUser, query: Omit<ListTipsQuery, 'cursor' | 'limit'>, pageSize?: number) => iterateTips(deps, viewer, query, pageSize),
    patch: (viewer: AuthUser, id: string, input: PatchTip, ifMatch: string | undefined) => patchTip(deps, viewer, id, input, ifMatch),
    assign: (viewer: AuthUser, id: string, reporterId: string, version: number | undefined) => assignTip(deps, viewer, id, reporterId, version),
    claim: (viewer: AuthUser, id: string) => claimTip(deps, viewer, id),
    release: (viewer: AuthUser, id: string) => releaseTip(deps, viewer, id),
    merge: (viewer: AuthUser, id: string, intoId: string, version: number | undefined) => mergeTips(deps, viewer, id, intoId, version),
    unmerge: (viewer: AuthUser, id: string) => unmergeTip(deps, viewer, id),
    undismiss: (viewer: AuthUser, id: string, version: number | undefined) => undismissTip(deps, viewer, id, version),
    addNote: (viewer: AuthUser, id: string, body: string) => addNote(deps, viewer, id, body),
    reply: (viewer: AuthUser, id: string, body: string) => replyToTipster(deps, viewer, id, body),
    related: (viewer: AuthUser, id: string) => relatedTips(deps, viewer, id),
    leads: (viewer: AuthUser) => myLeads(deps, viewer),
    events: (viewer: AuthUser, id: string) => tipEvents(deps, viewer, id),
    stats: () => tipStats(deps),
    attachment: (viewer: AuthUser, id: string) => openAttachment(deps, viewer, id),
  };
}
export type TriageService = ReturnType<typeof triageService>;
