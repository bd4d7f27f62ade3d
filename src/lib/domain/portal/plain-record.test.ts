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
          { id: 'a2', start: '2030-02-01T09:00:00.000Z', end: '2030-02-01T09:30:00.000Z', status: 'cancelled', mode: 'in-person', type: 'Check-up', provider: 'Dr A' },
          { id: 'a0', start: '2025-01-01T09:00:00.000Z', end: '2025-01-01T09:30:00.000Z', status: 'finished', mode: 'in-person', type: 'Check-up', provider: 'Dr A' }
        ]
      },
      new Date('2026-06-01T00:00:00.000Z')
    );
    expect(record.results.map((r) => [r.value, r.range, r.flag, r.isNew])).toEqual([['10.1 g/dL', '12–15.5', 'low', false]]);
    expect(record.notes.map((n) => [n.text, n.author, n.isNew])).toEqual([['Rest and ice', 'Dr A', true]]);
    expect(record.newCount).toBe(1);
    expect(record.upcoming.map((a) => a.id)).toEqual(['a1']);
    // The cancelled one is not coming up: it is listed with the past ones, its status shown.
    expect(record.past.map((a) => a.id)).toEqual(['a2', 'a0']);
  });

  it('leaves out the sections a clinician left empty in a signed note', () => {
    expect(withoutEmptySections('Subjective:\nAnkle pain\n\nObjective:\n\n\nAssessment:\nSprain\n\nPlan:\n')).toBe('Subjective:\nAnkle pain\n\nAssessment:\nSprain');
  });

  it('on the first visit nothing is marked new', () => {
    expect(plainRecord({ since: null, resources: [hb(10.1)], appointments: [] }, new Date()).newCount).toBe(0);
  });
});

describe('visits and vital trends', () => {
  const bp = (id: string, at: string, sys: number, dia: number) => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ code: 'vital-signs' }] }],
    code: { text: 'Blood pressure', coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    effectiveDateTime: at,
    component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: sys, unit: 'mm[Hg]' } },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: dia, unit: 'mm[Hg]' } }
    ]
  });
  const weight = (id: string, at: string, kg: number, unit = 'kg') => ({
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ code: 'vital-signs' }] }],
    code: { text: 'Body weight', coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    effectiveDateTime: at,
    valueQuantity: { value: kg, unit }
  });

  it('every reading of each vital, oldest first, in the chart\'s order of vitals; a reading in pounds is converted, not charted as kilograms', () => {
    const record = plainRecord(
      {
        since: '2026-02-01T00:00:00.000Z',
        resources: [weight('w2', '2026-03-01T09:00:00.000Z', 154, '[lb_av]'), bp('b1', '2026-01-01T09:00:00.000Z', 150, 95), weight('w1', '2026-01-01T09:00:00.000Z', 72), bp('b2', '2026-03-01T09:00:00.000Z', 132, 84)],
        appointments: []
      },
      new Date('2026-06-01T00:00:00.000Z')
    );
    expect(record.vitalTrends.map((t) => [t.kind, t.readings.map((r) => [r.at.slice(0, 10), r.value, r.diastolic ?? null]), t.isNew])).toEqual([
      ['bloodPressure', [['2026-01-01', 150, 95], ['2026-03-01', 132, 84]], true],
      ['weight', [['2026-01-01', 72, null], ['2026-03-01', 69.9, null]], true]
    ]);
    // The latest of each stays as before.
    expect(record.vitals.map((v) => v.value).sort()).toEqual(['132/84 mm[Hg]', '154 [lb_av]']);
  });

  it('visits newest first, with their type, reason and whether finished; a note and its addendum name their visit', () => {
    const note = { resourceType: 'DocumentReference', id: 'e1', status: 'current', date: '2026-03-02T10:00:00.000Z', description: 'Visit note', content: [{ attachment: { data: btoa('Rest') } }], context: { encounter: [{ reference: 'Encounter/e1' }] } };
    const addendum = { resourceType: 'DocumentReference', id: 'add1', status: 'current', date: '2026-03-03T10:00:00.000Z', description: 'Addendum', content: [{ attachment: { data: btoa('X-ray normal') } }], relatesTo: [{ code: 'appends', target: { reference: 'DocumentReference/e1' } }] };
    const record = plainRecord(
      {
        since: null,
        resources: [
          { resourceType: 'Encounter', id: 'e1', status: 'finished', type: [{ text: 'Office visit' }], reasonCode: [{ text: 'Ankle pain' }], period: { start: '2026-03-02T09:00:00.000Z' } },
          { resourceType: 'Encounter', id: 'e2', status: 'in-progress', type: [{ text: 'Follow-up' }], period: { start: '2026-04-02T09:00:00.000Z' } },
          note,
          addendum
        ],
        appointments: []
      },
      new Date('2026-06-01T00:00:00.000Z')
    );
    expect(record.visits.map((v) => [v.id, v.type, v.reason, v.finished, v.date])).toEqual([
      ['e2', 'Follow-up', '', false, '2026-04-02T09:00:00.000Z'],
      ['e1', 'Office visit', 'Ankle pain', true, '2026-03-02T09:00:00.000Z']
    ]);
    expect(record.notes.map((n) => [n.id, n.encounterId, n.addendum])).toEqual([
      ['add1', 'e1', true],
      ['e1', 'e1', false]
    ]);
  });
});

