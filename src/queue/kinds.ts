import { z } from 'zod';

// The job registry: every job kind and the zod schema of its payload, in a module that imports
// no handler, so enqueuers (repositories, routes) stay free of the handlers' dependencies.
// enqueue() is typed from it (a wrong kind or payload shape does not compile), JobDefinition<K>
// takes its payload type from it, and the worker parses each claimed payload with its kind's
// schema. Adding a kind is one line here; a long schema may live in a leaf file imported here.
export const jobPayloads = {
  'normalize-submission': z.object({ submissionId: z.string().uuid() }),
  // The emails of one stored IMAP batch, normalized together (src/channels/email/email.batch.ts).
  'normalize-email-batch': z.object({ submissionIds: z.array(z.string().uuid()).min(1).max(1000) }),
  'send-email': z.object({
    to: z.string().email(),
    subject: z.string(),
    text: z.string(),
    html: z.string().optional(),
    /** Our Message-ID for this mail, fixed at enqueue time so a retry resends the same identity. */
    messageIdHeader: z.string().optional(),
    inReplyTo: z.string().optional(),
    references: z.array(z.string()).optional(),
    /** Thread message whose delivery state this send updates. */
    threadMessageId: z.string().uuid().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  'send-sms': z.object({ messageId: z.string().uuid() }),
  'fetch-media': z.object({ attachmentId: z.string().uuid() }),
  'send-alert': z.object({ alertId: z.string().uuid() }),
  'privacy-retention': z.object({ actorId: z.uuid().nullable().default(null) }),
  'send-wechat': z.object({ messageId: z.string().uuid() }),
  'fetch-wechat-media': z.object({ attachmentId: z.string().uuid() }),
  'acknowledge-contact': z.object({ tipId: z.string().uuid() }),
  // A thread message, or a keyword's automatic answer (no thread message) for the SMS gateway.
  'sms-gateway-send': z.union([
    z.object({ messageId: z.string().uuid() }),
    z.object({ submissionId: z.string().uuid(), reply: z.enum(['help', 'stop', 'start']) }),
  ]),
  'language-maintenance': z.object({ retrain: z.boolean().default(false) }),
  // Reading a tip after intake (places, tokens, incidents, suggestion, duplicate); 'tokens': a follow-up's search tokens only.
  'tip.read': z.object({ tipId: z.string().uuid(), what: z.enum(['all', 'tokens']).default('all') }),
} as const satisfies Record<string, z.ZodType>;

export type JobKind = keyof typeof jobPayloads;
/** What a handler receives (the schema's output). */
export type JobPayload<K extends JobKind> = z.output<(typeof jobPayloads)[K]>;
/** What enqueue accepts (the schema's input). */
export type JobPayloadInput<K extends JobKind> = z.input<(typeof jobPayloads)[K]>;

// Names for the kinds existing callers enqueue; a string literal is checked just as well.
export const NORMALIZE_JOB = 'normalize-submission' satisfies JobKind;
export const NORMALIZE_EMAIL_BATCH_JOB = 'normalize-email-batch' satisfies JobKind;
export const SEND_EMAIL_JOB = 'send-email' satisfies JobKind;
export const SEND_SMS_JOB = 'send-sms' satisfies JobKind;
export const FETCH_MEDIA_JOB = 'fetch-media' satisfies JobKind;
export const RETENTION_JOB = 'privacy-retention' satisfies JobKind;
export const SMS_GATEWAY_SEND_JOB = 'sms-gateway-send' satisfies JobKind;
export const SEND_WECHAT_JOB = 'send-wechat' satisfies JobKind;
export const FETCH_WECHAT_MEDIA_JOB = 'fetch-wechat-media' satisfies JobKind;
export const ACKNOWLEDGE_CONTACT_JOB = 'acknowledge-contact' satisfies JobKind;
export const TIP_READ_JOB = 'tip.read' satisfies JobKind;
