import { z } from 'zod';
import { readStored } from '../stored-params.js';

// Webhook bodies as SMS Gateway for Android posts them (docs: sms-gate.app, Features → Webhooks):
// {deviceId, event, id, payload, webhookId}. Only the fields we act on are checked; the whole
// event is kept in Submission.params.

export const EnvelopeSchema = z
  .object({
    deviceId: z.string().max(200).optional(),
    event: z.string({ error: 'is required' }).min(1).max(100),
    // The event's own id: the same on every retry of one delivery, so it is our idempotency key.
    id: z.string({ error: 'is required' }).trim().min(1, 'is required').max(200),
    webhookId: z.string().max(200).optional(),
    payload: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();
export type Envelope = z.infer<typeof EnvelopeSchema>;

const stamp = z.string().max(64).nullish();

export const ReceivedPayloadSchema = z
  .object({
    // Derived from the text by the app, NOT unique: the same words from two people share it.
    messageId: z.string().max(200).nullish(),
    message: z.string({ error: 'is required' }).max(10_000),
    phoneNumber: z.string({ error: 'is required' }).trim().min(1, 'is required').max(64),
    simNumber: z.number().int().nullish(),
    receivedAt: stamp,
  })
  .passthrough();
export type ReceivedPayload = z.infer<typeof ReceivedPayloadSchema>;

/** A stored sms:received (its submission's params), read again by its job. */
export function storedReceived(params: unknown): { envelope: Envelope; payload: ReceivedPayload } {
  const envelope = readStored(EnvelopeSchema, params, 'The stored SMS gateway event');
  return { envelope, payload: readStored(ReceivedPayloadSchema, envelope.payload, 'The stored sms:received payload') };
}

export const StatusPayloadSchema = z
  .object({
    messageId: z.string({ error: 'is required' }).min(1).max(200),
    phoneNumber: z.string().max(64).nullish(),
    simNumber: z.number().int().nullish(),
    sentAt: stamp,
    deliveredAt: stamp,
    failedAt: stamp,
    // The documentation says `reason`; the typed client says `error`. Either is taken.
    reason: z.string().max(1000).nullish(),
    error: z.string().max(1000).nullish(),
  })
  .passthrough();
export type StatusPayload = z.infer<typeof StatusPayloadSchema>;

export const STATUS_EVENTS = { 'sms:sent': 'sent', 'sms:delivered': 'delivered', 'sms:failed': 'failed' } as const;
