import { z } from 'zod';
import { AttachmentState, Channel, DeliveryState, Direction, TipStatus as DbTipStatus } from '../generated/prisma/enums.js';

// Request and response shapes of the triage API. The routes validate with these and
// GET /api/openapi.json is generated from the same objects, so the two cannot drift.

export const CATEGORIES = ['household', 'neighborhood', 'community'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
// Status and channel lists come from the database enums (Prisma's generated objects): one source of truth.
const enumValues = <T extends Record<string, string>>(e: T) => Object.values(e) as [T[keyof T], ...T[keyof T][]];
export const STATUSES = enumValues(DbTipStatus);
export const CHANNELS = enumValues(Channel);

export const CategorySchema = z.enum(CATEGORIES).meta({ id: 'Category', description: '居家事 household · 邻里事 neighborhood · 社区事 community' });
export const PrioritySchema = z.enum(PRIORITIES).meta({ id: 'Priority' });
export const TipStatusSchema = z.enum(STATUSES).meta({ id: 'TipStatus' });
export const ChannelSchema = z.enum(CHANNELS).meta({ id: 'Channel' });
export type Category = z.infer<typeof CategorySchema>;
export type PriorityValue = z.infer<typeof PrioritySchema>;
export type TipStatus = z.infer<typeof TipStatusSchema>;
export type ChannelValue = z.infer<typeof ChannelSchema>;

/** Newsroom labels, Chinese first: the paper's page uses the Chinese section names. */
export const CATEGORY_LABELS: Record<Category, string> = {
  household: '居家事 Household',
  neighborhood: '邻里事 Neighborhood',
  community: '社区事 Community',
};

export const toDbCategory = (c: Category) => c.toUpperCase() as 'HOUSEHOLD' | 'NEIGHBORHOOD' | 'COMMUNITY';
export const fromDbCategory = (c: string | null | undefined): Category | null => (c ? (c.toLowerCase() as Category) : null);
export const toDbPriority = (p: PriorityValue) => p.toUpperCase() as 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';
export const fromDbPriority = (p: string): PriorityValue => p.toLowerCase() as PriorityValue;

const DateTime = z.string().meta({ format: 'date-time' });
const Uuid = z.uuid();

/** `a,b` or repeated parameters, case-insensitive, into a list of enum values. */
function listOf<T extends readonly [string, ...string[]]>(values: T, caseFn: (s: string) => string) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v, ctx) => {
      const items = (Array.isArray(v) ? v : [v])
        .flatMap((s) => s.split(','))
        .map((s) => caseFn(s.trim()))
        .filter(Boolean);
      const unknown = items.filter((i) => !values.includes(i));
      if (unknown.length || items.length === 0) {
        ctx.addIssue({ code: 'custom', message: `unknown value ${unknown.join(', ') || '(empty)'}; use one of ${values.join(', ')}` });
        return z.NEVER;
      }
      return items as T[number][];
    })
    .meta({ description: `one value or a comma-separated list of: ${values.join(', ')}` });
}
const upper = (s: string) => s.toUpperCase();
const lower = (s: string) => s.toLowerCase();

/** A calendar date that exists (no 2026-13-45, no 2026-02-30): PostgreSQL would refuse it with a 500. */
function realDate(y: string, m: string, d: string): boolean {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 with an explicit offset, so the instant does not depend on the server's zone.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)$/i;
function validDateOrDateTime(s: string): boolean {
  const m = DATE_ONLY.exec(s) ?? DATE_TIME.exec(s);
  return Boolean(m && realDate(m[1], m[2], m[3]) && !Number.isNaN(Date.parse(s)));
}

const DateOrDateTime = z
  .string()
  .refine(validDateOrDateTime, 'must be a real date, YYYY-MM-DD, or an ISO 8601 date-time with its offset (2026-03-21T08:00:00+08:00)')
  .meta({ description: 'YYYY-MM-DD (a whole day in the newsroom time zone) or an ISO 8601 date-time' });

export const ListTipsQuerySchema = z.object({
  status: listOf(STATUSES, upper).optional(),
  category: listOf([...CATEGORIES, 'none'] as const, lower).optional(),
  channel: listOf(CHANNELS, upper).optional(),
  priority: listOf(PRIORITIES, lower).optional(),
  assigneeId: z
    .union([Uuid, z.enum(['me', 'none'])])
    .optional()
    .meta({ description: 'a user id, `me`, or `none` for unassigned tips' }),
  from: DateOrDateTime.optional().meta({ description: 'created at or after (inclusive)' }),
  to: DateOrDateTime.optional().meta({ description: 'created before; a YYYY-MM-DD date includes that whole day' }),
  q: z.string().trim().max(200).optional().meta({
    description:
      "substring of subject, body, title, location or reference (Chinese works without spaces); a merged tip's reference finds its survivor; editors: a tipster's phone or email",
  }),
  sort: z.enum(['newest', 'oldest', 'priority']).default('newest'),
  cursor: z.string().max(500).optional().meta({ description: 'nextCursor of the previous page (opaque)' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListTipsQuery = z.infer<typeof ListTipsQuerySchema>;
export const ExportQuerySchema = ListTipsQuerySchema.omit({ cursor: true, limit: true });

export const TipIdParams = z.object({ id: Uuid });
export const IdParams = z.object({ id: Uuid });

export const PLACE_FIELDS = ['district', 'street', 'community', 'estate', 'road', 'landmark', 'building', 'unit'] as const;
const placeField = z.string().trim().max(60).nullable().optional();
/** The editor's correction of the structured location; omitted fields stay, null clears. */
export const PlacePatchSchema = z
  .object(Object.fromEntries(PLACE_FIELDS.map((f) => [f, placeField])) as Record<(typeof PLACE_FIELDS)[number], typeof placeField>)
  .strict()
  .meta({ id: 'PlacePatch' });

export const PlaceViewSchema = z
  .object({
    ...(Object.fromEntries(PLACE_FIELDS.map((f) => [f, z.string().nullable()])) as Record<(typeof PLACE_FIELDS)[number], z.ZodNullable<z.ZodString>>),
    words: z.array(z.string()).meta({ description: 'the words of the text or supplied label the location was read from' }),
    source: z.string().nullable().meta({ description: 'text, supplied (channel location), both, none, or editor' }),
    edited: z.boolean(),
  })
  .meta({ id: 'Place' });

const Version = z.number().int().min(1).meta({ description: 'the version you read; or send it as `If-Match`' });

export const PatchTipSchema = z
  .object({
    version: Version.optional(),
    category: CategorySchema.optional(),
    priority: PrioritySchema.optional(),
    status: TipStatusSchema.optional(),
    title: z.string().trim().max(200).nullable().optional(),
    location: z.string().trim().max(200).nullable().optional(),
    place: PlacePatchSchema.optional(),
  })
  .strict()
  .refine((p) => ['category', 'priority', 'status', 'title', 'location', 'place'].some((k) => k in p), {
    message: 'give at least one of category, priority, status, title, location, place',
  });
export type PatchTip = z.infer<typeof PatchTipSchema>;

export const AssignSchema = z.object({ reporterId: Uuid, version: Version.optional() }).strict();
export const MergeSchema = z.object({ intoId: Uuid, version: Version.optional() }).strict();
export const UndismissSchema = z.object({ version: Version.optional() }).strict();
export const NoteSchema = z.object({ body: z.string().trim().min(1).max(5000) }).strict();
export const ReplySchema = z.object({ body: z.string().trim().min(1).max(5000) }).strict();

export const CategoryRuleCreateSchema = z
  .object({
    category: CategorySchema,
    phrase: z.string().trim().min(1).max(60),
    weight: z.number().gt(0).max(20).default(1),
    active: z.boolean().default(true),
  })
  .strict();
export const CategoryRulePatchSchema = z
  .object({
    category: CategorySchema.optional(),
    phrase: z.string().trim().min(1).max(60).optional(),
    weight: z.number().gt(0).max(20).optional(),
    active: z.boolean().optional(),
  })
  .strict();

// ---- responses ----

export const UserRefSchema = z.object({ id: Uuid, displayName: z.string() }).meta({ id: 'UserRef' });

export const TipsterViewSchema = z
  .object({
    displayName: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    masked: z.boolean().meta({ description: 'true when phone/email are shown masked (186****9317) to this caller' }),
  })
  .meta({ id: 'TipsterView' });

export const TipSummarySchema = z
  .object({
    id: Uuid,
    reference: z.string().meta({ description: 'T-YYMMDD-NNNN' }),
    channel: ChannelSchema,
    status: TipStatusSchema,
    category: CategorySchema.nullable(),
    suggestedCategory: CategorySchema.nullable(),
    suggestionConfidence: z.number().nullable(),
    suggestionTerms: z.array(z.string()),
    priority: PrioritySchema,
    subject: z.string().nullable(),
    excerpt: z.string(),
    title: z.string().nullable(),
    location: z.string().nullable(),
    language: z.string().nullable(),
    tipster: TipsterViewSchema,
    assignee: UserRefSchema.nullable(),
    createdAt: DateTime,
    lastActivityAt: DateTime,
    claimedAt: DateTime.nullable(),
    returnedToPoolAt: DateTime.nullable(),
    mergedIntoId: Uuid.nullable(),
    version: z.number().int(),
    messageCount: z.number().int(),
    likelyDuplicateOf: z
      .object({ id: Uuid, reference: z.string(), score: z.number() })
      .nullable()
      .meta({ description: 'an open tip this one most likely repeats (found at intake): 可能重复, offered for merge' }),
  })
  .meta({ id: 'TipSummary' });
export type TipSummary = z.infer<typeof TipSummarySchema>;

export const AttachmentViewSchema = z
  .object({
    id: Uuid,
    messageId: Uuid.nullable(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    kind: z.string(),
    dangerous: z.boolean(),
    state: z.enum(enumValues(AttachmentState)),
    url: z.string().meta({ description: 'GET this path for the bytes' }),
  })
  .meta({ id: 'Attachment' });

export const MessageViewSchema = z
  .object({
    id: Uuid,
    direction: z.enum(enumValues(Direction)),
    channel: ChannelSchema,
    kind: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    fullBody: z.string().nullable(),
    createdAt: DateTime,
    sentAt: DateTime.nullable(),
    deliveryState: z.enum(enumValues(DeliveryState)),
    deliveryError: z.string().nullable(),
    deliveryErrorCode: z.string().nullable().meta({ description: "the provider's error code, e.g. Twilio's 21211" }),
    author: UserRefSchema.nullable(),
    attachments: z.array(AttachmentViewSchema),
    origin: z
      .object({ tipId: Uuid, reference: z.string(), tipster: TipsterViewSchema })
      .nullable()
      .optional()
      .meta({ description: 'for a message merged in from another tip: that tip and its tipster (masked by the usual rules)' }),
  })
  .meta({ id: 'Message' });

export const NoteViewSchema = z.object({ id: Uuid, body: z.string(), author: UserRefSchema.nullable(), createdAt: DateTime }).meta({ id: 'Note' });

export const AuditEventViewSchema = z
  .object({
    id: Uuid,
    action: z.string(),
    actor: UserRefSchema.nullable().meta({ description: 'null for intake and background changes' }),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    createdAt: DateTime,
  })
  .meta({ id: 'AuditEvent' });

export const TipDetailSchema = TipSummarySchema.extend({
  body: z.string(),
  messages: z.array(MessageViewSchema),
  attachments: z.array(AttachmentViewSchema).meta({ description: 'every attachment of the tip, also those not tied to a message' }),
  notes: z.array(NoteViewSchema),
  events: z.array(AuditEventViewSchema),
  mergedFrom: z.array(z.object({ id: Uuid, reference: z.string(), channel: ChannelSchema, createdAt: DateTime, tipster: TipsterViewSchema })),
  otherTipsters: z
    .array(TipsterViewSchema)
    .meta({ description: 'everyone else linked to this tip (merged-in tips’ tipsters), so each stays reachable; masked by the usual rules' }),
  allowedTransitions: z.array(TipStatusSchema).meta({ description: 'statuses this caller may PATCH the tip to now' }),
  reply: z
    .object({ channel: ChannelSchema.nullable(), ok: z.boolean(), reason: z.string().nullable(), message: z.string().nullable() })
    .meta({ description: 'whether a reply can go out now and on which channel (e.g. reason wechat_window outside WeChat’s 48 hours)' }),
  place: PlaceViewSchema,
  incidentTypes: z.array(z.string()).meta({ description: 'incident type codes found in the text' }),
}).meta({ id: 'TipDetail' });
export type TipDetail = z.infer<typeof TipDetailSchema>;

export const TipResponseSchema = z.object({ tip: TipDetailSchema });
export const TipListResponseSchema = z.object({ tips: z.array(TipSummarySchema), nextCursor: z.string().nullable() });
export const LeadsResponseSchema = z.object({ mine: z.array(TipSummarySchema), pool: z.array(TipSummarySchema) });
export const RelatedResponseSchema = z.object({
  related: z.array(
    TipSummarySchema.extend({
      reason: z.enum(['same_tipster', 'similar_text']),
      similarity: z
        .number()
        .nullable()
        .meta({ description: 'how likely the same incident, 0..1 (place, incident type, rare words in common, time)' }),
      reasons: z.array(z.string()).meta({ description: 'what the tips share, for the editor: 同一地点 · 同类事件 · 相似用词 · 时间相近' }),
      against: z.array(z.string()).meta({ description: 'what speaks against: 不同地点 · 不同楼栋 · 不同事件' }),
      likelyDuplicate: z.boolean().meta({ description: 'probably the same incident told again: offered for merge' }),
    }),
  ),
});
export const EventsResponseSchema = z.object({ events: z.array(AuditEventViewSchema) });
export const NoteResponseSchema = z.object({ note: NoteViewSchema });
export const MessageResponseSchema = z.object({ message: MessageViewSchema });
export const StatsResponseSchema = z.object({
  total: z.number().int(),
  byStatus: z.record(z.string(), z.number().int()),
  byCategory: z
    .record(z.string(), z.number().int())
    .meta({ description: 'household, neighborhood, community and `none` (open tips without a category)' }),
  byChannel: z.record(z.string(), z.number().int()),
  returnedToPool: z.number().int().meta({ description: 'open tips that went back to the pool after a claim expired' }),
  slaMinutes: z.number().int().meta({ description: 'TRIAGE_SLA_MINUTES: a NEW tip older than this is overdue (the desk colours it)' }),
  oldestUntriaged: z
    .object({ id: Uuid, reference: z.string(), createdAt: DateTime, ageSeconds: z.number().int() })
    .nullable()
    .meta({ description: 'the oldest tip still NEW' }),
});
export const CategoryRuleViewSchema = z
  .object({ id: Uuid, category: CategorySchema, phrase: z.string(), weight: z.number(), active: z.boolean(), createdAt: DateTime })
  .meta({ id: 'CategoryRule' });
export const CategoryRulesResponseSchema = z.object({ rules: z.array(CategoryRuleViewSchema) });
export const CategoryRuleResponseSchema = z.object({ rule: CategoryRuleViewSchema });
