// The shapes of the JSON API as the brief's contract states them (the dashboard uses nothing else).

export type Role = 'ADMIN' | 'EDITOR' | 'REPORTER';
export type CategoryValue = 'household' | 'neighborhood' | 'community';
export type PriorityValue = 'low' | 'normal' | 'high' | 'urgent';
export type Channel = 'EMAIL' | 'SMS' | 'VOICE' | 'WEB' | 'WECHAT';
export type Status = 'NEW' | 'TRIAGED' | 'ASSIGNED' | 'CLAIMED' | 'IN_PROGRESS' | 'PUBLISHED' | 'DISMISSED' | 'MERGED';

export const CATEGORIES: CategoryValue[] = ['household', 'neighborhood', 'community'];
export const PRIORITIES: PriorityValue[] = ['low', 'normal', 'high', 'urgent'];
export const CHANNELS: Channel[] = ['EMAIL', 'SMS', 'VOICE', 'WEB', 'WECHAT'];
export const STATUSES: Status[] = ['NEW', 'TRIAGED', 'ASSIGNED', 'CLAIMED', 'IN_PROGRESS', 'PUBLISHED', 'DISMISSED', 'MERGED'];

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  active?: boolean;
}

export interface TipSummary {
  id: string;
  reference: string;
  channel: Channel;
  status: Status;
  category: CategoryValue | null;
  suggestedCategory: CategoryValue | null;
  suggestionConfidence: number | null;
  suggestionTerms: string[];
  priority: PriorityValue;
  subject: string | null;
  excerpt: string | null;
  title: string | null;
  location: string | null;
  tipster: { displayName: string | null; phone: string | null; email: string | null; masked?: boolean } | null;
  assignee: { id: string; displayName: string } | null;
  createdAt: string;
  lastActivityAt: string;
  claimedAt: string | null;
  returnedToPoolAt: string | null;
  version: number;
  messageCount: number;
}

export interface AttachmentInfo {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  kind: string;
  dangerous: boolean;
  state: string;
}

export interface Person {
  id?: string;
  displayName?: string | null;
  email?: string | null;
}

export interface MessageInfo {
  id: string;
  direction: 'INBOUND' | 'OUTBOUND';
  channel: Channel;
  kind: string;
  subject: string | null;
  body: string;
  fullBody: string | null;
  createdAt: string;
  deliveryState: string;
  deliveryError: string | null;
  author: Person | string | null;
  attachments: AttachmentInfo[];
}

export interface NoteInfo {
  id: string;
  body: string;
  author: Person | string | null;
  createdAt: string;
}

export interface EventInfo {
  id: string;
  action: string;
  actor: Person | string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}

export interface TipDetail extends TipSummary {
  body: string;
  messages: MessageInfo[];
  notes: NoteInfo[];
  events: EventInfo[];
  mergedIntoId: string | null;
  mergedFrom: { id: string; reference: string; channel: Channel; createdAt: string }[];
  /** Tip-level attachments, including those not tied to a message. */
  attachments?: (AttachmentInfo & { messageId?: string | null })[];
  /** Statuses this caller may PATCH the tip to now. */
  allowedTransitions?: Status[];
}

export type RelatedTip = TipSummary & { reason: string; similarity: number | null };

export interface IntakeChannelHealth {
  id: string;
  channel: Channel;
  seen: number;
  stored: number;
  skipped: number;
  duplicates: number;
  quarantined: number;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt?: string | null;
  /** ok | unknown | failing | stale, as the intake judges it. */
  status?: string;
  /** A count, or the intake's breakdown: waiting at the source (mailbox), waiting for normalization, stalled. */
  backlog: number | { atSource: number | null; waiting: number; stalled: number };
}

export interface SubmissionInfo {
  id: string;
  channel: Channel;
  externalId: string;
  state: string;
  lastError: string | null;
  sizeBytes: number;
  receivedAt: string;
  tipId: string | null;
}
