import { pino, type Logger } from 'pino';

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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: redactPaths, censor: '[redacted]' } }, destination as never);
}

/** For logs that must refer to a contact: keeps the shape, hides the value. */
export function maskContact(value: string | null | undefined): string {
  if (!value) return '';
  if (value.includes('@')) {
    const [user, domain] = value.split('@');
    return `${user.slice(0, 1)}***@${domain}`;
  }
  let digits = value.replace(/\D/g, '');
  if (digits.length < 7) return '****';
  // Show Chinese mobiles the way residents write them (186****9317), without +86.
  if (digits.length > 11) digits = digits.slice(-11);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
