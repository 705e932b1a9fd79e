import { z } from 'zod';

// Request and response shapes of the privacy routes (docs/privacy.md).

export const ContactQuerySchema = z.object({
  contact: z
    .string()
    .trim()
    .min(3)
    .max(200)
    .meta({ description: 'a phone number (any format: +86, spaces, dashes), an email address or a WeChat OpenID' }),
});
export const TipsterIdParams = z.object({ id: z.uuid() });
export const BlockIdParams = z.object({ id: z.uuid() });
export const BlockCreateSchema = z.object({ contact: z.string().trim().min(3).max(200) });

export const AccessLogQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().meta({ description: '`nextCursor` of the previous page' }),
  tipsterId: z.uuid().optional(),
});

const Counts = z
  .object({
    tipsters: z.number().int(),
    submissions: z.number().int(),
    messages: z.number().int(),
    texts: z.number().int().meta({ description: 'rows whose free text had the contact replaced by [erased]' }),
    jobs: z.number().int().meta({ description: 'queued or finished send jobs addressed to the contact, deleted' }),
    tips: z.number().int(),
  })
  .meta({ id: 'ErasureCounts' });

export const EraseResponseSchema = z.object({ erased: Counts, kinds: z.array(z.enum(['phone', 'email', 'openid', 'name'])) });

export const RetentionResponseSchema = z.object({
  cutoff: z.string(),
  erased: Counts.extend({ orphanSubmissions: z.number().int(), tiplessTipsters: z.number().int() }),
});

const Held = z
  .object({
    tipster: z.object({
      id: z.uuid(),
      phone: z.string().nullable(),
      email: z.string().nullable(),
      wechatOpenId: z.string().nullable(),
      displayName: z.string().nullable(),
      smsOptOut: z.boolean(),
      createdAt: z.string(),
    }),
    firstSeenAt: z.string(),
    lastSeenAt: z.string(),
    tips: z.array(
      z.object({
        id: z.uuid(),
        reference: z.string(),
        channel: z.string(),
        status: z.string(),
        subject: z.string().nullable(),
        createdAt: z.string(),
        closedAt: z.string().nullable(),
      }),
    ),
    messages: z.array(
      z.object({
        id: z.uuid(),
        tipId: z.uuid(),
        direction: z.string(),
        channel: z.string(),
        kind: z.string(),
        subject: z.string().nullable(),
        body: z.string(),
        toAddress: z.string().nullable(),
        deliveryState: z.string(),
        createdAt: z.string(),
      }),
    ),
    submissions: z.array(
      z.object({
        id: z.uuid(),
        channel: z.string(),
        externalId: z.string(),
        state: z.string(),
        receivedAt: z.string(),
        tipId: z.uuid().nullable(),
        sender: z.string().nullable(),
        params: z.unknown(),
        meta: z.unknown(),
        rawBytes: z.number().int().nullable(),
        raw: z.string().optional().meta({ description: 'export only: the raw bytes as received, base64' }),
      }),
    ),
  })
  .meta({ id: 'HeldAboutTipster' });
export type Held = z.infer<typeof Held>;

export const LookupResponseSchema = z.object({
  contact: z.object({ kind: z.enum(['phone', 'email', 'openid']), value: z.string() }),
  tipsters: z.array(Held),
});
export const ExportResponseSchema = Held.extend({ exportedAt: z.string() });

export const BlockSchema = z
  .object({ id: z.uuid(), kind: z.string(), hint: z.string(), createdById: z.uuid().nullable(), createdAt: z.string() })
  .meta({ id: 'Block' });
export const BlocksResponseSchema = z.object({ blocks: z.array(BlockSchema) });

export const AccessLogResponseSchema = z.object({
  records: z.array(
    z.object({
      id: z.uuid(),
      at: z.string(),
      user: z.object({ id: z.uuid().nullable(), displayName: z.string().nullable() }),
      tipsterId: z.uuid(),
      tip: z.object({ id: z.uuid(), reference: z.string().nullable() }).nullable(),
      purpose: z.string().meta({ description: 'tip.view, tipster.lookup or tipster.export' }),
    }),
  ),
  nextCursor: z.string().nullable(),
});
