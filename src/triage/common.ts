import { AppError } from '../errors.js';
import { transitionDetails, type Via } from '../tips/state-machine.js';
import type { TipStatus } from './triage.schema.js';

// Pieces every triage use case shares: transaction limits, the errors a change can end in, version checks.

export const TX = { maxWait: 10_000, timeout: 20_000 };

export const tipNotFound = () => AppError.notFound('Tip');

export function stale(current: number) {
  return new AppError('CONFLICT', `The tip changed since you read it (now version ${current}); reload and try again`, {
    reason: 'stale_version',
    currentVersion: current,
  });
}

export function illegal(from: TipStatus, to: TipStatus | null, via: Via) {
  const d = transitionDetails(from, to, via);
  const allowed = d.allowed.length ? d.allowed.join(', ') : 'none';
  return new AppError('CONFLICT', `A ${from} tip cannot ${to ? `become ${to}` : 'do that'} this way; allowed by PATCH from ${from}: ${allowed}`, {
    reason: 'illegal_transition',
    ...d,
  });
}

/** `version` in the body or `If-Match: "3"`; neither is 428, both disagreeing is 400. */
export function resolveVersion(bodyVersion: number | undefined, ifMatch: string | undefined): number {
  let header: number | undefined;
  if (ifMatch !== undefined && ifMatch !== '') {
    const m = ifMatch.trim().match(/^(?:W\/)?"?(\d+)"?$/);
    if (!m)
      throw new AppError('VALIDATION', 'Invalid header: If-Match', { fields: [{ field: 'If-Match', message: 'must be the tip version, e.g. "3"' }] });
    header = Number(m[1]);
  }
  if (bodyVersion !== undefined && header !== undefined && bodyVersion !== header) {
    throw new AppError('VALIDATION', 'Invalid request: version and If-Match disagree', {
      fields: [{ field: 'version', message: 'differs from If-Match' }],
    });
  }
  const v = bodyVersion ?? header;
  if (v === undefined) throw new AppError('PRECONDITION_REQUIRED', 'Send the version you read: `version` in the body or an If-Match header');
  return v;
}

export const userRef = { select: { id: true, displayName: true } } as const;
export const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** A thread message as the API shows it (the tip view and a reply's answer). */
export const messageSelect = {
  id: true,
  direction: true,
  channel: true,
  kind: true,
  subject: true,
  body: true,
  fullBody: true,
  createdAt: true,
  sentAt: true,
  deliveryState: true,
  deliveryError: true,
  deliveryErrorCode: true,
  author: userRef,
} as const;
