import type { Tx } from '../db/prisma.js';

export const REFERENCE_RE = /\bT-(\d{6})-(\d{4,})\b/i;

/** YYMMDD of an instant in the newsroom's time zone. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The last answer per time zone and the UTC minute it holds for. */
const lastDay = new Map<string, { minute: number; day: string }>();

export function referenceDay(at: Date, timeZone: string): string {
  // Every webhook asks this, and formatToParts costs ~70 µs (a fifth of a bare INSERT's
  // whole request). Zone offsets are whole minutes, so the day cannot change within a UTC
  // minute: the answer is kept for the minute it was computed in.
  const minute = Math.floor(at.getTime() / 60_000);
  const last = lastDay.get(timeZone);
  if (last?.minute === minute) return last.day;
  // Building a DateTimeFormat costs far more than using one.
  let fmt = dayFormats.get(timeZone);
  if (!fmt) dayFormats.set(timeZone, (fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: '2-digit', month: '2-digit', day: '2-digit' })));
  const parts = fmt.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const day = `${get('year')}${get('month')}${get('day')}`;
  lastDay.set(timeZone, { minute, day });
  return day;
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
