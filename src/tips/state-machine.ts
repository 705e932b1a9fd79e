import type { TipStatus } from '../generated/prisma/enums.js';

// The life of a tip, in one table. Every status change in the service asks this table
// first; an illegal one becomes a 409 that lists what is allowed from where the tip is.
//
//   NEW ──category/status──▶ TRIAGED ──assign──▶ ASSIGNED ──claim──▶ CLAIMED ──▶ IN_PROGRESS ──▶ PUBLISHED
//                               ▲  └────────────claim (pool)─────────────▲            │
//                               └──── release / claim expiry / PATCH TRIAGED ◀────────┘
//   any open status ──▶ DISMISSED (PATCH) ──reopen──▶ TRIAGED;   any open status ──merge──▶ MERGED
//   DISMISSED ──undo (within a minute)──▶ the status it had
//
// PUBLISHED and MERGED are final: a follow-up story is a new tip; a merge is undone by hand.

/** How a change is requested: PATCH status, or one of the action endpoints, or the claim-expiry sweep. */
export type Via = 'patch' | 'assign' | 'claim' | 'release' | 'merge' | 'expiry' | 'undo';

const TABLE: Record<TipStatus, Partial<Record<TipStatus, Via[]>>> = {
  NEW: { TRIAGED: ['patch'], DISMISSED: ['patch'], MERGED: ['merge'] },
  // TRIAGED → NEW: the desk's undo of a filing (the category goes with it).
  TRIAGED: { NEW: ['patch'], ASSIGNED: ['assign'], CLAIMED: ['claim'], DISMISSED: ['patch'], MERGED: ['merge'] },
  ASSIGNED: { ASSIGNED: ['assign'], CLAIMED: ['claim'], TRIAGED: ['patch', 'release'], DISMISSED: ['patch'], MERGED: ['merge'] },
  CLAIMED: {
    IN_PROGRESS: ['patch'],
    PUBLISHED: ['patch'],
    TRIAGED: ['patch', 'release', 'expiry'],
    ASSIGNED: ['assign'],
    DISMISSED: ['patch'],
    MERGED: ['merge'],
  },
  IN_PROGRESS: { PUBLISHED: ['patch'], TRIAGED: ['patch', 'release', 'expiry'], ASSIGNED: ['assign'], DISMISSED: ['patch'], MERGED: ['merge'] },
  PUBLISHED: {},
  DISMISSED: { TRIAGED: ['patch', 'undo'], NEW: ['undo'], ASSIGNED: ['undo'], CLAIMED: ['undo'], IN_PROGRESS: ['undo'] },
  MERGED: {},
};

/** Statuses from which `to` is reachable by `via`: the SQL of claim and claim expiry is built from these. */
export function sources(to: TipStatus, via: Via): TipStatus[] {
  return (Object.keys(TABLE) as TipStatus[]).filter((from) => TABLE[from][to]?.includes(via));
}

/** A reporter is working the lead: the states that claim expiry watches and that reveal contacts to the claimer. */
export const CLAIMED_STATUSES: TipStatus[] = sources('TRIAGED', 'expiry');
/** A claim takes a lead from the pool (TRIAGED, nobody's) or one assigned to the claimer. */
export const CLAIMABLE_STATUSES: TipStatus[] = sources('CLAIMED', 'claim');
/** What a reporter may PATCH their own claimed lead to. */
export const REPORTER_PATCH_TARGETS: TipStatus[] = ['IN_PROGRESS', 'PUBLISHED', 'DISMISSED', 'TRIAGED'];

export function canTransition(from: TipStatus, to: TipStatus, via: Via): boolean {
  return TABLE[from][to]?.includes(via) ?? false;
}

/** Statuses reachable from `from` by `via` (PATCH by default). */
export function targets(from: TipStatus, via: Via = 'patch'): TipStatus[] {
  return (Object.entries(TABLE[from]) as [TipStatus, Via[]][]).filter(([, vias]) => vias.includes(via)).map(([to]) => to);
}

const ENDPOINT: Record<Via, string> = {
  patch: 'PATCH /api/tips/:id {status}',
  assign: 'POST /api/tips/:id/assign',
  claim: 'POST /api/tips/:id/claim',
  release: 'POST /api/tips/:id/release',
  merge: 'POST /api/tips/:id/merge',
  expiry: 'claim expiry',
  undo: 'POST /api/tips/:id/undismiss',
};

/** The 409 details: what the caller can do from here, by PATCH and by the action endpoints. */
export function transitionDetails(from: TipStatus, to: TipStatus | null, via: Via) {
  const actions = (Object.entries(TABLE[from]) as [TipStatus, Via[]][]).flatMap(([status, vias]) =>
    vias.filter((v) => v !== 'expiry').map((v) => ({ status, via: ENDPOINT[v] })),
  );
  return { from, to, via: ENDPOINT[via], allowed: targets(from, 'patch'), actions };
}
