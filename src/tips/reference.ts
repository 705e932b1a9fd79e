import type { Tx } from '../db/prisma.js';

export const REFERENCE_RE = /\bT-(\d{6})-(\d{4,})\b/i;

/** YYMMDD of an instant in the newsroom's time zone. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();

export function referenceDay(at: Date, timeZone: string): string {
  // Building a DateTimeFormat costs far more than using one; intake calls this per tip.
  let fmt = dayFormats.get(timeZone);
  if (!fmt) dayFormats.set(timeZone, (fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: '2-digit', month: '2-digit', day: '2-digit' })));
  const parts = fmt.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}${get('month')}${get('day')}`;
}

/** Next code for the day, e.g. T-260321-0042: short enough to read out over the phone. */
export async function nextReference(tx: Tx, at: Date, timeZone: string): Promise<string> {
  const day = referenceDay(at, timeZone);
  const rows = await tx.$queryRaw<{ last: number }[]>`
    INSERT INTO tip_reference_counter (day, last) VALUES (${day}, 1)
    ON CONFLICT (day) DO UPDATE SET last = tip_reference_counter.last + 1
    RETURNING last`;
  return `T-${day}-${String(rows[0].last).padStart(4, '0')}`;
}

export function findReference(text: string | null | undefined): string | null {
  const m = text?.match(REFERENCE_RE);
  return m ? `T-${m[1]}-${m[2]}`.toUpperCase() : null;
}
