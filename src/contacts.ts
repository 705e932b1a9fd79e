// Finding, masking and scrubbing tipsters' contact details (phone numbers, email addresses) in
// free text: provider error messages, log lines, display names. Pure functions, no I/O.

// NFKC folds full-width digits and signs (１３８, ＋８６, ＠) and the ideographic space into
// ASCII, so one pattern covers what residents type on a Chinese keyboard.
const fold = (s: string) => s.normalize('NFKC');

// An email address: anything@domain.tld.
const EMAIL = /[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+\.[^\s<>()[\]"',;:@.]+/g;
// A phone number or any long run of digits: 7+ digits, optionally with a leading + and
// separators (space, dot, dash, slash, parentheses) between them: +86 138 0013 8000,
// 138.0013.8000, (0352)1234567.
const NUMBER = /\+?\(?\d(?:[\s.\-/()]{0,2}\d){6,}/g;

// A calendar date (2026-12-02, as in an ISO time stamp) is eight digits with dashes, not a number to hide.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Text with every phone number, long digit run and email address replaced by a placeholder. */
export function scrubContacts(text: string): string {
  return fold(text)
    .replace(EMAIL, '[email]')
    .replace(NUMBER, (m) => (ISO_DATE.test(m) ? m : '[number]'));
}

/** Whether the text carries something that looks like a phone number or an email address. */
export const hasContact = (text: string) => scrubContacts(text) !== fold(text);

/** For logs and masked views that must refer to a contact: keeps the shape, hides the value. */
export function maskContact(value: string | null | undefined): string {
  if (!value) return '';
  const v = fold(value);
  if (v.includes('@')) {
    const [user, domain] = v.split('@');
    return `${user.slice(0, 1)}***@${domain}`;
  }
  let digits = v.replace(/\D/g, '');
  if (digits.length < 7) return '****';
  // Show Chinese mobiles the way residents write them (186****9317), without +86.
  if (digits.length > 11) digits = digits.slice(-11);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** Text with each contact in it masked in place: `王阿姨 138.0013.8000` -> `王阿姨 138****8000`. */
export function maskContactsIn(text: string): string {
  return fold(text)
    .replace(EMAIL, (m) => maskContact(m))
    .replace(NUMBER, (m) => (ISO_DATE.test(m) ? m : maskContact(m)));
}
