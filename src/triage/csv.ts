// RFC 4180 CSV for spreadsheet users. The file starts with a UTF-8 BOM so Excel on a
// Chinese Windows opens 邻里事 as text instead of guessing GBK, and lines end in CRLF.

export const BOM = '\uFEFF';

/** Quotes a field when needed; a leading = + - @ gets a ' so a tipster's text never runs as a spreadsheet formula. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvRow = (fields: (string | number | null | undefined)[]) => `${fields.map(csvField).join(',')}\r\n`;
