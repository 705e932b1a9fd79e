import { describe, expect, it } from 'vitest';
import { chineseToNumber, normalizeNumbers } from '../../src/tips/language/numbers.js';

describe('chineseToNumber', () => {
  it('reads plain Chinese numerals', () => {
    expect(chineseToNumber('三')).toBe(3);
    expect(chineseToNumber('十')).toBe(10);
    expect(chineseToNumber('十二')).toBe(12);
    expect(chineseToNumber('二十一')).toBe(21);
    expect(chineseToNumber('一百零五')).toBe(105);
    expect(chineseToNumber('五〇二')).toBe(502);
  });
  it('refuses what is not a numeral', () => {
    expect(chineseToNumber('三天')).toBeNull();
    expect(chineseToNumber('')).toBeNull();
  });
});

describe('normalizeNumbers', () => {
  it('writes every spelling of a building the same way', () => {
    for (const s of ['三号楼', '3号楼', '3栋', '3幢', '３号楼', '三栋', '3#楼', '3#', '3 号楼', '三栋楼']) expect(normalizeNumbers(s)).toBe('3号楼');
  });
  it('converts units, floors and rooms', () => {
    expect(normalizeNumbers('五单元')).toBe('5单元');
    expect(normalizeNumbers('十二层')).toBe('12层');
    expect(normalizeNumbers('一百零五室')).toBe('105室');
    expect(normalizeNumbers('二十一号楼')).toBe('21号楼');
  });
  it('leaves numerals that are not address parts alone', () => {
    expect(normalizeNumbers('一直十分着急，三天两头停')).toBe('一直十分着急,三天两头停');
    expect(normalizeNumbers('两个单元')).toBe('两个单元');
  });
  it('folds full-width forms and Latin case', () => {
    expect(normalizeNumbers('Ａ座１２层')).toBe('a座12层');
  });
});
