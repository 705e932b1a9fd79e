import { describe, expect, it } from 'vitest';
import { TipStatus } from '../../src/generated/prisma/enums.js';
import { CLAIMABLE_STATUSES, CLAIMED_STATUSES, canTransition, sources, targets, transitionDetails } from '../../src/tips/state-machine.js';

// The state machine is the one source of truth for status changes; the claim and claim-expiry
// SQL take their status lists from it, so these pin what that SQL now matches.
describe('tip state machine', () => {
  it('derives the claimed and claimable statuses used by the claim and claim-expiry statements', () => {
    expect(CLAIMED_STATUSES).toEqual(['CLAIMED', 'IN_PROGRESS']);
    expect(CLAIMABLE_STATUSES).toEqual(['TRIAGED', 'ASSIGNED']);
  });

  it('knows every database status, and final statuses lead nowhere', () => {
    for (const s of Object.values(TipStatus)) expect(Array.isArray(targets(s))).toBe(true);
    expect(targets('PUBLISHED')).toEqual([]);
    expect(targets('MERGED')).toEqual([]);
  });

  it('allows each change only by its own route', () => {
    expect(canTransition('NEW', 'TRIAGED', 'patch')).toBe(true);
    // The desk's undo of a filing.
    expect(canTransition('TRIAGED', 'NEW', 'patch')).toBe(true);
    expect(canTransition('NEW', 'CLAIMED', 'claim')).toBe(false);
    expect(canTransition('TRIAGED', 'CLAIMED', 'claim')).toBe(true);
    expect(canTransition('TRIAGED', 'CLAIMED', 'patch')).toBe(false);
    expect(canTransition('CLAIMED', 'TRIAGED', 'expiry')).toBe(true);
    expect(canTransition('ASSIGNED', 'TRIAGED', 'expiry')).toBe(false);
    expect(sources('MERGED', 'merge')).toEqual(['NEW', 'TRIAGED', 'ASSIGNED', 'CLAIMED', 'IN_PROGRESS']);
  });

  it('explains a refused change with what is allowed from here', () => {
    const d = transitionDetails('NEW', 'PUBLISHED', 'patch');
    expect(d.allowed).toEqual(['TRIAGED', 'DISMISSED']);
    expect(d.actions).toContainEqual({ status: 'MERGED', via: 'POST /api/tips/:id/merge' });
    expect(d.actions.some((a) => a.via === 'claim expiry')).toBe(false);
  });
});
