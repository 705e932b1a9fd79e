import { describe, expect, it } from 'vitest';
import { bareName, shortName } from '../../src/tips/language/gazetteer.js';
import { loadLanguageData } from '../../src/tips/language/language.js';
import { buildPlaceIndex, extractPlace, mergePlaces, placeKey } from '../../src/tips/language/places.js';

const data = loadLanguageData();
const index = buildPlaceIndex(data.gazetteer, data.places);

describe('gazetteer', () => {
  it('holds the districts, the 18 streets of 平城区 and their 202 communities', () => {
    const pc = data.gazetteer.districts.find((d) => d.name === '平城区')!;
    expect(data.gazetteer.districts.length).toBe(11);
    expect(pc.streets.length).toBe(18);
    expect(pc.streets.reduce((n, s) => n + s.communities.length, 0)).toBe(202);
    expect(pc.streets.find((s) => s.name === '永泰街道')!.communities.map((c) => c.short)).toContain('柳航里社区');
  });
  it('shortens official names the way people say them', () => {
    expect(shortName('柳航里社区居民委员会')).toBe('柳航里社区');
    expect(shortName('新泉村村民委员会')).toBe('新泉村');
    expect(bareName('柳航里社区')).toBe('柳航里');
    expect(bareName('田村')).toBeNull();
  });
});

describe('extractPlace', () => {
  it('reads estate, community, street, district, building and unit', () => {
    const loc = extractPlace('我家在柳航里小区三栋二单元，天花板漏水', index);
    expect(loc).toMatchObject({
      estate: '柳航里',
      community: '柳航里社区',
      street: '永泰街道',
      district: '平城区',
      building: '3',
      unit: '2',
      source: 'text',
    });
    expect(loc.words).toEqual(['柳航里小区', '3号楼', '2单元']);
  });
  it('reads a community without an estate', () => {
    expect(extractPlace('桥北社区的老人想问老年食堂', index)).toMatchObject({ community: '桥北社区', estate: null, street: '永泰街道' });
  });
  it('needs a number or a place word after a two-character name', () => {
    expect(extractPlace('和信6号2单元', index)).toMatchObject({ estate: '和信小区', building: '6', unit: '2' });
    expect(extractPlace('我们对他很有信心，和信任', index).estate).toBeNull();
  });
  it('reads building-unit-room and lettered blocks', () => {
    expect(extractPlace('北馨园7-2-502室', index)).toMatchObject({ estate: '北馨园', building: '7', unit: '2' });
    expect(extractPlace('理想城Ａ座', index)).toMatchObject({ estate: '理想城', building: 'A' });
  });
  it('lets a supplied location win and fills the rest from the text', () => {
    expect(extractPlace('柳航里3号楼漏水', index, '和信小区5号楼')).toMatchObject({ estate: '和信小区', building: '5', source: 'supplied' });
    expect(extractPlace('暖气不热，7号楼2单元', index, '大同市平城区北馨园')).toMatchObject({
      estate: '北馨园',
      building: '7',
      unit: '2',
      source: 'both',
    });
  });
  it('takes a short name in a supplied label without context', () => {
    expect(extractPlace('我们这个小区垃圾没人收', index, '大同市平城区桐府')).toMatchObject({
      estate: '桐府',
      community: '桐府社区',
      source: 'supplied',
    });
    expect(extractPlace('桐府', index).estate).toBeNull();
  });
  it('says so when it finds nothing', () => {
    expect(extractPlace('我家暖气不热', index)).toMatchObject({ source: 'none', words: [] });
  });
});

describe('mergePlaces', () => {
  it('lets the editors\u2019 rows override and extend the shipped list', () => {
    const merged = mergePlaces(data.places, [
      { name: '柳航里', kind: 'estate', aliases: ['柳航'], community: '柳航里社区' },
      { name: '新盛园', kind: 'estate' },
    ]);
    const idx = buildPlaceIndex(data.gazetteer, merged);
    expect(extractPlace('新盛园2号楼', idx)).toMatchObject({ estate: '新盛园', building: '2' });
    expect(merged.filter((p) => p.name === '柳航里')).toHaveLength(1);
  });
});

describe('placeKey', () => {
  it('uses the estate, else the community', () => {
    expect(placeKey(extractPlace('幸福小区6号楼', index))).toEqual({ site: '幸福小区', building: '6' });
    expect(placeKey(extractPlace('大齿社区', index))).toEqual({ site: '大齿社区', building: null });
  });
});
