// Number normalization for Chinese tips: the same building is written 三号楼, 3号楼, 3栋, 3幢,
// ３号楼 or 3#楼 by different tipsters, and duplicate detection, place extraction and search
// all need them to agree. Only numerals in front of an address classifier are rewritten, so
// 十分, 一直 or 三天两头 stay as they are.

const DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 十二 → 12, 二十一 → 21, 一百零五 → 105, 三 → 3; null when it is not a plain numeral. */
export function chineseToNumber(s: string): number | null {
  if (!s || /[^零〇一二两三四五六七八九十百]/.test(s)) return null;
  // Digit by digit (一二〇 → 120), as tipsters write room numbers.
  if (!/[十百]/.test(s)) return s.length > 4 ? null : Number([...s].map((c) => DIGIT[c]).join(''));
  let total = 0;
  let cur = 0;
  for (const c of s) {
    if (c === '百') {
      total += (cur || 1) * 100;
      cur = 0;
    } else if (c === '十') {
      total += (cur || 1) * 10;
      cur = 0;
    } else cur = DIGIT[c];
  }
  return total + cur;
}

// The classifiers after which a number is an address part (or a floor).
const CLASSIFIER = '(?:号楼|号院|号|栋|幢|单元|层|楼|室|户|座|期|排)';
const CN_NUM = new RegExp(`([零〇一二两三四五六七八九十百]+)(?=${CLASSIFIER})`, 'g');

/**
 * NFKC (full-width ３ and Ｂ become 3 and B), Chinese numerals before address classifiers
 * become digits, and the building spellings become one: 3栋 / 3幢 / 3#楼 / 3# → 3号楼.
 * Lower-cases Latin letters. Keeps the text's length roughly but not exactly: don't map
 * offsets back into the original.
 */
export function normalizeNumbers(text: string): string {
  let s = text.normalize('NFKC').toLowerCase();
  // 一楼 / 三楼 are floors and become 1楼 / 3楼, which is still right; 两个单元 is untouched
  // because the classifier must follow the numeral directly.
  s = s.replace(CN_NUM, (m) => {
    const n = chineseToNumber(m);
    return n === null ? m : String(n);
  });
  s = s
    .replace(/(\d+)\s*#\s*楼?/g, '$1号楼')
    .replace(/(\d+)\s*(?:栋|幢)(?!楼)/g, '$1号楼')
    .replace(/(\d+)\s*(?:栋|幢)楼/g, '$1号楼')
    .replace(/(\d+)\s*号\s*楼/g, '$1号楼')
    .replace(/(\d+)\s*单\s*元/g, '$1单元');
  return s;
}
