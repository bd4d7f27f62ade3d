import { describe, expect, test } from 'vitest';
import type { Allergy, Condition, Encounter } from './chart';
import type { Immunization, Medication, Observation } from './clinical';
import { buildTimeline, countByKind, filterProblems, filterTimeline, TIMELINE_KINDS, visibleRange, type TimelineEvent } from './timeline';

const prov = { createdAt: '2020-01-01T00:00:00Z', createdBy: 'Dr. Test', updatedAt: '2020-01-01T00:00:00Z', updatedBy: 'Dr. Test' };

const encounter = (id: string, start: string, extra: Partial<Encounter> = {}): Encounter => ({
  id, class: 'ambulatory', type: 'Office visit', reason: 'Cough', start, end: '', status: 'finished', note: { status: 'draft' }, ...prov, ...extra
});
const condition = (id: string, text: string, onsetDate: string, extra: Partial<Condition> = {}): Condition => ({
  id, code: { text, coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate, abatementDate: '', note: '', recordedDate: '', ...prov, ...extra
});
const allergy = (id: string, text: string, recordedDate: string, extra: Partial<Allergy> = {}): Allergy => ({
  id, code: { text }, category: 'medication', criticality: 'high', reaction: 'Anaphylaxis', severity: 'severe', clinicalStatus: 'active', verificationStatus: 'confirmed', recordedDate, ...prov, ...extra
});
const observation = (id: string, at: string, extra: Partial<Observation> = {}): Observation => ({
  id, status: 'final', category: 'laboratory', code: { text: 'Hemoglobin A1c' }, effectiveDateTime: at, valueQuantity: { value: 7.1, unit: '%' }, ...prov, ...extra
});
const bloodPressure = (id: string, at: string): Observation =>
  observation(id, at, {
    category: 'vital-signs',
    code: { text: 'Blood pressure', coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    valueQuantity: undefined,
    component: [
      { code: { text: 'Systolic', coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 162, unit: 'mm[Hg]' } },
      { code: { text: 'Diastolic', coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 101, unit: 'mm[Hg]' } }
    ]
  });
const medication = (id: string, text: string, authoredOn: string, status = 'active'): Medication => ({
  id, resourceType: 'MedicationRequest', status, medicationCodeableConcept: { text }, authoredOn, dosageText: '1 tablet daily', ...prov
});
const immunization = (id: string, at: string): Immunization => ({ id, status: 'completed', vaccineCode: { text: 'Influenza' }, occurrenceDateTime: at, lotNumber: 'A1', ...prov });

function sample(): TimelineEvent[] {
  return buildTimeline({
    encounters: [encounter('e1', '2024-03-05T10:00:00Z', { note: { status: 'signed', signedBy: 'Dr. Test', signedAt: '2024-03-05T11:00:00Z' } }), encounter('e2', '2019-07-01T09:00:00Z', { status: 'entered-in-error' })],
    notes: new Map([['e1', { subjective: 'Dry cough for two weeks', assessment: 'Post-viral cough' }]]),
    conditions: [condition('c1', 'Essential hypertension', '2015-06', { clinicalStatus: 'resolved', abatementDate: '2022-01-10' })],
    allergies: [allergy('a1', 'Penicillin', '2010-02-01')],
    observations: [observation('o1', '2024-03-05T10:05:00Z'), bloodPressure('o2', '2024-03-05T10:01:00Z')],
    medications: [medication('m1', 'Lisinopril 10 MG Oral Tablet', '2016-01-01', 'stopped')],
    immunizations: [immunization('i1', '2023-10-15')],
    procedures: [{ id: 'p1', status: 'completed', code: { text: 'Electrocardiogram' }, performedPeriod: {}, ...prov }]
  });
}

describe('buildTimeline', () => {
  test('merges every collection, newest first, undated last', () => {
    const events = sample();
    expect(events.map((e) => e.key)).toEqual([
      'observation:o1',
      'observation:o2',
      'encounter:e1',
      'immunization:i1',
      'condition:c1:resolved',
      'procedure:p1', // no performed date: falls back to when it was recorded
      'encounter:e2',
      'medication:m1',
      'condition:c1',
      'allergy:a1'
    ]);
    expect(new Set(events.map((e) => e.key)).size).toBe(events.length);
  });

  test('each kind reads as a clinician would write it', () => {
    const byKey = new Map(sample().map((e) => [e.key, e]));
    expect(byKey.get('encounter:e1')).toMatchObject({ title: 'Office visit', status: 'signed', detail: expect.stringContaining('Dry cough for two weeks') });
    expect(byKey.get('encounter:e2')).toMatchObject({ inError: true, status: 'entered in error' });
    expect(byKey.get('observation:o2')).toMatchObject({ title: 'Blood pressure', detail: '162/101 mmHg' });
    expect(byKey.get('observation:o1')).toMatchObject({ detail: '7.1%' });
    expect(byKey.get('condition:c1')).toMatchObject({ at: '2015-06', detail: 'Onset · I10', status: 'resolved' });
    expect(byKey.get('condition:c1:resolved')).toMatchObject({ at: '2022-01-10', detail: 'Resolved' });
    expect(byKey.get('allergy:a1')).toMatchObject({ detail: 'Anaphylaxis · severe · high criticality' });
    expect(byKey.get('medication:m1')).toMatchObject({ status: 'stopped', detail: '1 tablet daily' });
    expect(byKey.get('immunization:i1')).toMatchObject({ detail: 'Lot A1' });
  });

  test('an empty chart is an empty timeline', () => {
    expect(buildTimeline({})).toEqual([]);
  });

  test('events without any date sort after dated ones', () => {
    const events = buildTimeline({ immunizations: [immunization('x', ''), immunization('y', '2001-01-01')] });
    expect(events.map((e) => e.entryId)).toEqual(['y', 'x']);
  });
});

describe('filterTimeline', () => {
  const events = sample();
  const keys = (f: Parameters<typeof filterTimeline>[1]) => filterTimeline(events, f).map((e) => e.key);

  test('no filter hides only entries in error', () => {
    expect(keys({})).toHaveLength(events.length - 1);
    expect(keys({})).not.toContain('encounter:e2');
    expect(keys({ includeInError: true })).toHaveLength(events.length);
  });

  test('by kind', () => {
    expect(keys({ kinds: ['allergy', 'immunization'] })).toEqual(['immunization:i1', 'allergy:a1']);
    expect(keys({ kinds: [] })).toHaveLength(events.length - 1);
    expect(keys({ kinds: [...TIMELINE_KINDS] })).toHaveLength(events.length - 1);
  });

  test('by text: every word starts a word, case and accents ignored, note text included', () => {
    expect(keys({ text: 'COUGH' })).toEqual(['encounter:e1']);
    expect(keys({ text: 'post-vir' })).toEqual(['encounter:e1']);
    expect(keys({ text: 'péni' })).toEqual(['allergy:a1']);
    expect(keys({ text: 'ough' })).toEqual([]); // inside a word does not match
    expect(keys({ text: 'i10' })).toEqual(['condition:c1']);
    expect(keys({ text: 'laboratory' })).toEqual(['observation:o1']);
    expect(keys({ text: 'blood 162' })).toEqual(['observation:o2']);
  });

  test('by date range, inclusive on both days', () => {
    expect(keys({ from: '2024-03-05', to: '2024-03-05' })).toEqual(['observation:o1', 'observation:o2', 'encounter:e1']);
    expect(keys({ from: '2022-01-10', to: '2023-12-31' })).toEqual(['immunization:i1', 'condition:c1:resolved']);
    expect(keys({ to: '2011-01-01' })).toEqual(['allergy:a1']);
    // A year-month onset compares on its prefix: June 2015 is after 2015-01-01.
    expect(keys({ from: '2015-01-01', to: '2015-12-31' })).toEqual(['condition:c1']);
  });

  test('filters combine', () => {
    expect(keys({ kinds: ['observation'], text: 'a1c', from: '2024-01-01' })).toEqual(['observation:o1']);
  });

  test('a bad date bound is reported and ignored', () => {
    expect(filterProblems({ from: '05/03/2024' })).toEqual(['“From” must be a date (YYYY-MM-DD)']);
    expect(filterProblems({ from: '2024-02-01', to: '2024-01-01' })).toEqual(['“From” is after “To”']);
    expect(filterProblems({ from: '2024-01-01', to: '2024-02-01' })).toEqual([]);
    expect(keys({ from: 'yesterday' })).toHaveLength(events.length - 1);
  });

  test('counts per kind', () => {
    expect(countByKind(events)).toMatchObject({ encounter: 2, observation: 2, condition: 2, report: 0 });
  });
});

describe('visibleRange', () => {
  test.each([
    // scrollTop, viewport, rowHeight, count, overscan, expected
    [0, 500, 50, 1000, 5, { start: 0, end: 16 }],
    [5000, 500, 50, 1000, 5, { start: 95, end: 116 }],
    [49_900, 500, 50, 1000, 5, { start: 993, end: 1000 }],
    [999_999, 500, 50, 1000, 5, { start: 994, end: 1000 }],
    [-20, 500, 50, 3, 5, { start: 0, end: 3 }],
    [0, 500, 50, 0, 5, { start: 0, end: 0 }]
  ])('scrollTop %i, viewport %i, row %i, %i rows, overscan %i', (top, vh, rh, n, over, expected) => {
    expect(visibleRange(top, vh, rh, n, over)).toEqual(expected);
  });

  test('never more rows than fit plus overscan, however long the chart', () => {
    for (const top of [0, 1234, 98_765, 400_000]) {
      const { start, end } = visibleRange(top, 600, 56, 10_000, 8);
      expect(end - start).toBeLessThanOrEqual(Math.ceil(600 / 56) + 1 + 16);
    }
  });
});

test('at one moment the visit comes first, then its entries by kind and title', () => {
  const at = '2024-05-01T10:00:00Z';
  const events = buildTimeline({
    observations: [observation('z', at, { code: { text: 'Weight' } }), observation('y', at, { code: { text: 'Body height' } })],
    allergies: [allergy('a', 'Latex', at)],
    encounters: [encounter('e', at)]
  });
  expect(events.map((e) => e.key)).toEqual(['encounter:e', 'allergy:a', 'observation:y', 'observation:z']);
});
