import { createHash } from 'node:crypto';
import { maskContact } from '../logger.js';

// A tipster's contact as typed by a person ("+86 186 3529 9317", "18635299317",
// "Zhang@Example.com", a WeChat OpenID) in one canonical form, plus the forms channels may
// have stored it in. Pure functions: unit-tested in test/privacy/contact.test.ts.

export type ContactKind = 'phone' | 'email' | 'openid';

export interface Contact {
  kind: ContactKind;
  /** Canonical: E.164 for phones (+86 when no country is given), lower case for emails, as is for OpenIDs. */
  value: string;
}

const SEPARATORS = /[\s\-().·．。]/g;

/** Canonical contact, or null when the text is none of a phone number, an email address or an OpenID. */
export function parseContact(input: string): Contact | null {
  // NFKC turns full-width digits, ＋ and ＠ into their ASCII forms.
  const s = input.normalize('NFKC').trim();
  if (!s) return null;
  if (s.includes('@')) {
    const email = s.toLowerCase().replace(/^mailto:/, '');
    return /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(email) ? { kind: 'email', value: email } : null;
  }
  const compact = s.replace(SEPARATORS, '');
  if (/^\+?\d{5,17}$/.test(compact)) return { kind: 'phone', value: canonicalPhone(compact) };
  // WeChat OpenIDs are 28 characters of [A-Za-z0-9_-]; other platforms' ids are similar.
  if (/^[A-Za-z0-9_-]{6,64}$/.test(s)) return { kind: 'openid', value: s };
  return null;
}

function canonicalPhone(compact: string): string {
  if (compact.startsWith('+')) return compact;
  if (compact.startsWith('00')) return `+${compact.slice(2)}`;
  // Chinese mobiles (1xx xxxx xxxx) and landlines (0352-xxxxxxx) written nationally.
  if (/^1\d{10}$/.test(compact)) return `+86${compact}`;
  if (/^0\d{9,11}$/.test(compact)) return `+86${compact.slice(1)}`;
  if (/^86\d{11}$/.test(compact)) return `+${compact}`;
  return compact;
}

/** Every spelling a channel may have stored this phone number in (Twilio: E.164; gateways: national). */
export function phoneVariants(value: string): string[] {
  const out = new Set([value]);
  if (value.startsWith('+')) {
    const digits = value.slice(1);
    out.add(digits);
    out.add(`00${digits}`);
    if (digits.startsWith('86')) {
      const national = digits.slice(2);
      out.add(national);
      if (!national.startsWith('1')) out.add(`0${national}`);
    }
  }
  return [...out];
}

/** Spellings to look a contact up by (tipster.phone / email / wechat_open_id, submission.sender). */
export function lookupForms(c: Contact): string[] {
  return c.kind === 'phone' ? phoneVariants(c.value) : [c.value];
}

/**
 * The shortest string that every stored spelling of the contact contains, for scrubbing free
 * text: the national number of a +86 phone (inside "+8618635299317" and "018635299317"), an
 * email address (compared without case), an OpenID.
 */
export function needleOf(kind: ContactKind, stored: string): string {
  if (kind !== 'phone') return kind === 'email' ? stored.toLowerCase() : stored;
  const canonical = parseContact(stored)?.value ?? stored;
  const digits = canonical.replace(/\D/g, '');
  return digits.startsWith('86') && digits.length > 10 ? digits.slice(2) : digits;
}

/** Blocks keep this instead of the contact (see ContactBlock in prisma/schema.prisma). */
export function contactHash(c: Contact): string {
  return createHash('sha256').update(`tipdesk-contact:${c.kind}:${c.value}`).digest('hex');
}

/** The masked form shown in lists: 186****9317, z***@example.com, oAbC…XyZ. */
export function contactHint(c: Contact): string {
  if (c.kind === 'openid') return `${c.value.slice(0, 4)}…${c.value.slice(-3)}`;
  return maskContact(c.value);
}
