// The dashboard's view of the JSON API: the server's own types (import type, erased from the
// bundle) and the database enums (plain objects, bundled), never a second declaration.
import { Category, Channel as ChannelEnum, Priority, TipStatus } from '../../generated/prisma/enums.js';
import type { ChannelHealth } from '../../channels/intake-sources.js';
import type { channelList } from '../../channels/intake.routes.js';
import type { z } from 'zod';
import type {
  AttachmentViewSchema,
  AuditEventViewSchema,
  Category as CategoryValueT,
  ChannelValue,
  MessageViewSchema,
  NoteViewSchema,
  PriorityValue as PriorityValueT,
  RelatedResponseSchema,
  TipDetail as TipDetailT,
  TipStatus as StatusT,
  TipSummary as TipSummaryT,
} from '../../triage/triage.schema.js';
import type { Role as RoleT } from '../../users/users.schema.js';

export type Role = RoleT;
export type CategoryValue = CategoryValueT;
export type PriorityValue = PriorityValueT;
export type Channel = ChannelValue;
export type Status = StatusT;

const lower = <T extends string>(v: string) => v.toLowerCase() as T;
export const CATEGORIES: CategoryValue[] = Object.values(Category).map((c) => lower<CategoryValue>(c));
export const PRIORITIES: PriorityValue[] = Object.values(Priority).map((p) => lower<PriorityValue>(p));
export const CHANNELS: Channel[] = Object.values(ChannelEnum);
export const STATUSES: Status[] = Object.values(TipStatus);

export interface Person {
  id?: string;
  displayName?: string | null;
  email?: string | null;
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  active?: boolean;
}

export type TipSummary = TipSummaryT;
export type TipDetail = TipDetailT;
export type AttachmentInfo = z.infer<typeof AttachmentViewSchema>;
export type MessageInfo = z.infer<typeof MessageViewSchema>;
export type NoteInfo = z.infer<typeof NoteViewSchema>;
export type EventInfo = z.infer<typeof AuditEventViewSchema>;
export type RelatedTip = z.infer<typeof RelatedResponseSchema>['related'][number];
export type ChannelInfo = ReturnType<typeof channelList>[number];

/** JSON turns the server's Dates into strings. */
type Jsonified<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
export type IntakeChannelHealth = Jsonified<ChannelHealth>;

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
