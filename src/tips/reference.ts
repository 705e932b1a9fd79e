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

/**
 * Next code for the day, e.g. T-260321-0042: short enough to read out over the phone. Numbers
 * come from the day's SEQUENCE (prisma/migrations/20261202080000_intake_fast_path), which holds
 * no lock until commit: new tips of a day no longer queue behind each other's commits.
 */
export async function nextReference(tx: Tx, at: Date, timeZone: string): Promise<string> {
  const rows = await tx.$queryRaw<{ reference: string }[]>`SELECT tip_reference_next(${referenceDay(at, timeZone)}) AS reference`;
  return rows[0].reference;
}

export function findReference(text: string | null | undefined): string | null {
  const m = text?.match(REFERENCE_RE);
  return m ? `T-${m[1]}-${m[2]}`.toUpperCase() : null;
}
