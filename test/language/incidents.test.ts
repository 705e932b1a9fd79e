import { describe, expect, it } from 'vitest';
import { defaultIncidentTypes } from '../../src/tips/language/incidents.data.js';
import { detectIncidents, incidentTypeSchema } from '../../src/tips/language/incidents.js';

const top = (t: string) => detectIncidents(t, defaultIncidentTypes)[0]?.code ?? null;

describe('detectIncidents', () => {
  it('recognises stock phrases and their synonyms', () => {
    expect(top('电梯坏了')).toBe('elevator');
    expect(top('今天又困梯了')).toBe('elevator');
    expect(top('井盖丢了')).toBe('manhole');
    expect(top('下水道盖子没了')).toBe('manhole');
    expect(top('路上黑灯瞎火的')).toBe('streetlight');
    expect(top('水管爆了')).toBe('leak');
    expect(top('停水两天了')).toBe('water-outage');
    expect(top('社区有义诊')).toBe('health-fair');
  });
  it('recognises a subject with a fault nearby', () => {
    expect(top('电梯三天都不动了')).toBe('elevator');
    expect(top('门口那个井口一直空着')).toBe('manhole');
  });
  it('gives the matched words and ignores unrelated text', () => {
    expect(detectIncidents('暖气不热，屋里才十度', defaultIncidentTypes)[0]).toMatchObject({
      code: 'heating',
      words: expect.arrayContaining(['暖气不热']),
    });
    expect(detectIncidents('谢谢你们的报道', defaultIncidentTypes)).toEqual([]);
  });
  it('ships valid data', () => {
    for (const t of defaultIncidentTypes) expect(incidentTypeSchema.parse(t)).toEqual(t);
    expect(new Set(defaultIncidentTypes.map((t) => t.code)).size).toBe(defaultIncidentTypes.length);
  });
});
