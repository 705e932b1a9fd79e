import { pino, type Logger } from 'pino';
import { scrubContacts } from './contacts.js';

export type { Logger };

// Tipsters' contact details and message bodies never reach the logs: these keys are
// censored wherever they appear in a log object, and code logs ids instead of values.
const redactPaths = [
  'phone',
  'email',
  'from',
  'to',
  'body',
  'text',
  'Body',
  'From',
  'To',
  'sender',
  'address',
  'password',
  '*.phone',
  '*.email',
  '*.from',
  '*.to',
  '*.body',
  '*.text',
  '*.Body',
  '*.From',
  '*.To',
  '*.sender',
  '*.address',
  '*.password',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * Error texts (ours and providers') can quote a tipster's number or address: "The 'To' number
 * +86139... is not a valid phone number". Whatever is logged under `err` (a string or an Error)
 * goes out with its contacts scrubbed.
 */
function scrubErr(value: unknown): unknown {
  if (typeof value === 'string') return scrubContacts(value);
  if (value instanceof Error) {
    const e = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
    for (const k of ['message', 'stack', 'moreInfo']) if (typeof e[k] === 'string') e[k] = scrubContacts(e[k]);
    return e;
  }
  return value;
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: scrubErr, error: scrubErr, reason: scrubErr },
    },
    destination as never,
  );
}

export { maskContact } from './contacts.js';
