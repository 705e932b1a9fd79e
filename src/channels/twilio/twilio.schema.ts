import { z } from 'zod';
import { readStored } from '../stored-params.js';
export { parseKeyword, type SmsKeyword } from '../../tips/keywords.js';

// Webhook parameters as Twilio posts them (form fields, all strings). Only the
// fields we act on are checked; every field is kept in Submission.params.

const sid = (prefix: string) =>
  z
    .string({ error: 'is required' })
    .trim()
    .regex(new RegExp(`^${prefix}[0-9a-zA-Z]{10,64}$`), `must be a Twilio SID starting with ${prefix}`);

const phoneLike = z.string({ error: 'is required' }).trim().min(1, 'is required').max(64);
const count = z
  .string()
  .regex(/^\d{1,2}$/, 'must be a small number')
  .optional()
  .transform((v) => Number(v ?? 0));
const optional = z.string().optional();

export const SmsParamsSchema = z
  .object({
    MessageSid: sid('(SM|MM)'),
    From: phoneLike,
    To: optional,
    Body: z.string().max(10_000).optional().default(''),
    NumMedia: count,
    AccountSid: optional,
  })
  .passthrough()
  .superRefine((p, ctx) => {
    for (let i = 0; i < p.NumMedia; i++) {
      const url = (p as Record<string, unknown>)[`MediaUrl${i}`];
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
        ctx.addIssue({ code: 'custom', path: [`MediaUrl${i}`], message: 'is required (NumMedia says so) and must be a URL' });
      }
    }
  });
export type SmsParams = z.infer<typeof SmsParamsSchema>;

/** A stored text's parameters (its submission's params), read again by its job. */
export const storedSmsParams = (params: unknown): SmsParams => readStored(SmsParamsSchema, params, 'The stored SMS');

export const VoiceCallParamsSchema = z.object({ CallSid: sid('CA'), From: optional, To: optional, CallStatus: optional }).passthrough();
export type VoiceCallParams = z.infer<typeof VoiceCallParamsSchema>;

const seconds = z
  .string()
  .regex(/^\d+$/, 'must be a whole number of seconds')
  .optional()
  .transform((v) => (v === undefined ? undefined : Number(v)));
const url = z.string().url('must be a URL');

/** `<Record action>` request: the recording fields are absent when nothing was recorded. */
export const AfterRecordParamsSchema = VoiceCallParamsSchema.extend({
  RecordingSid: sid('RE').optional(),
  RecordingUrl: url.optional(),
  RecordingDuration: seconds,
}).passthrough();

export const RecordingParamsSchema = z
  .object({
    CallSid: sid('CA'),
    RecordingSid: sid('RE'),
    RecordingUrl: url,
    RecordingStatus: optional,
    RecordingDuration: seconds,
  })
  .passthrough();

export const TranscriptionParamsSchema = z
  .object({
    CallSid: sid('CA'),
    TranscriptionSid: sid('TR'),
    TranscriptionText: z.string().max(20_000).optional().default(''),
    TranscriptionStatus: optional,
    RecordingSid: sid('RE').optional(),
    RecordingUrl: url.optional(),
    From: optional,
  })
  .passthrough();

export const CallStatusParamsSchema = VoiceCallParamsSchema.extend({ CallStatus: z.string({ error: 'is required' }).min(1) }).passthrough();

/** Call states after which nothing more happens on the call. */
export const FINAL_CALL_STATES = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);

/** Keywords Twilio itself answers on long codes (Advanced Opt-Out); we record them but reply nothing. */
export const TWILIO_HANDLED = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'START', 'UNSTOP', 'YES', 'HELP', 'INFO']);
