import { describe, expect, it } from 'vitest';
import { plainRecord, resultFlag, withoutEmptySections } from './plain-record';

const hb = (value: number, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id: `hb-${value}`,
  status: 'final',
  category: [{ coding: [{ code: 'laboratory' }] }],
  code: { text: 'Haemoglobin' },
  effectiveDateTime: '2026-03-02T10:00:00.000Z',
  valueQuantity: { value, unit: 'g/dL' },
  referenceRange: [{ low: { value: 12 }, high: { value: 15.5 } }],
  ...extra
});

describe('results in plain terms', () => {
  it.each([
    [10.1, 'low'],
    [12, 'normal'],
    [15.5, 'normal'],
    [16, 'high']
  ] as const)('%s g/dL against 12–15.5 is %s', (value, flag) => {
    expect(resultFlag(hb(value))).toBe(flag);
  });

  it('without a range, the laboratory’s interpretation decides; with neither, no judgement', () => {
    expect(resultFlag({ valueQuantity: { value: 3 }, interpretation: [{ coding: [{ code: 'HH' }] }] })).toBe('high');
    expect(resultFlag({ valueQuantity: { value: 3 } })).toBe('none');
  });

  it('marks what is newer than the last visit, splits appointments, decodes signed notes', () => {
    const note = { resourceType: 'DocumentReference', id: 'n1', status: 'current', date: '2026-03-05T09:00:00.000Z', description: 'Visit note', author: [{ display: 'Dr A' }], content: [{ attachment: { data: btoa('Rest and ice') } }] };
    const record = plainRecord(
      {
        since: '2026-03-03T00:00:00.000Z',
        resources: [hb(10.1), note],
        appointments: [
          { id: 'a1', start: '2030-01-01T09:00:00.000Z', end: '2030-01-01T09:30:00.000Z', status: 'booked', mode: 'in-person', type: 'Check-up', provider: 'Dr A' },
          { id: 'a0', start: '2025-01-01T09:00:00.000Z', end: '2025-01-01T09:30:00.000Z', status: 'finished', mode: 'in-person', type: 'Check-up', provider: 'Dr A' }
        ]
      },
      new Date('2026-06-01T00:00:00.000Z')
    );
    expect(record.results.map((r) => [r.value, r.range, r.flag, r.isNew])).toEqual([['10.1 g/dL', '12–15.5', 'low', false]]);
    expect(record.notes.map((n) => [n.text, n.author, n.isNew])).toEqual([['Rest and ice', 'Dr A', true]]);
    expect(record.newCount).toBe(1);
    expect(record.upcoming.map((a) => a.id)).toEqual(['a1']);
    expect(record.past.map((a) => a.id)).toEqual(['a0']);
  });

  it('leaves out the sections a clinician left empty in a signed note', () => {
    expect(withoutEmptySections('Subjective:\nAnkle pain\n\nObjective:\n\n\nAssessment:\nSprain\n\nPlan:\n')).toBe('Subjective:\nAnkle pain\n\nAssessment:\nSprain');
  });

  it('on the first visit nothing is marked new', () => {
    expect(plainRecord({ since: null, resources: [hb(10.1)], appointments: [] }, new Date()).newCount).toBe(0);
  });
});
