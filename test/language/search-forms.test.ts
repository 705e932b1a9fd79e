import { describe, expect, it } from 'vitest';
import { phoneForms } from '../../src/triage/tip-query.js';
import { siteKeyOf, storedIncidentTypes } from '../../src/tips/understand.js';

describe('phone number forms for contact search', () => {
  it('finds a mainland mobile however it is typed', () => {
    for (const q of ['18635299317', '186 3529 9317', '186-3529-9317', '+8618635299317', '8618635299317']) {
      expect(phoneForms(q)).toContain('+8618635299317');
    }
    expect(phoneForms('+8618635299317')).toContain('18635299317');
  });
  it('leaves words and short numbers to the text search', () => {
    expect(phoneForms('柳航里')).toEqual([]);
    expect(phoneForms('502')).toEqual([]);
    expect(phoneForms('3号楼')).toEqual([]);
  });
});

describe('place key and stored incident types', () => {
  const none = { community: null, estate: null, landmark: null, road: null };
  it('keys on the community when known, so an estate and its community meet', () => {
    expect(siteKeyOf({ ...none, community: '柳航里社区', estate: '柳航里' })).toBe('柳航里社区');
    expect(siteKeyOf({ ...none, estate: '翠湖名苑' })).toBe('翠湖名苑');
    expect(siteKeyOf({ ...none, road: '魏都大道' })).toBe('魏都大道');
    expect(siteKeyOf(none)).toBeNull();
  });
  it('stores the strong incident types and the first', () => {
    const hit = (code: string, score: number) => ({ code, label: code, score, words: [] });
    expect(storedIncidentTypes([hit('leak', 1), hit('elevator', 1)])).toEqual(['leak']);
    expect(storedIncidentTypes([hit('leak', 3.5), hit('elevator', 2), hit('noise', 1)])).toEqual(['leak', 'elevator']);
  });
});
