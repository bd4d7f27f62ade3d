import { describe, expect, test } from 'vitest';
import type { Observation } from './clinical';
import { ageAt, flagReading, formatReading, LOINC, painFlag, readingOf, readingSets, toCanonical, UCUM, VITAL_LABEL, vitalSeries, vitalsInputSchema, type VitalKind } from './vitals';

/**
 * Vital signs at their edges: every unit another record may send (and the
 * ones that must never be taken for the chart's unit), every message a
 * mistyped value gets, the dispatch from a reading to its adult range, and
 * birthdays. Expected values are written out, not taken from the module.
 */

describe('names the chart and FHIR use', () => {
  test('code systems', () => {
    expect(LOINC).toBe('http://loinc.org');
    expect(UCUM).toBe('http://unitsofmeasure.org');
  });

  test('labels a person reads', () => {
    expect(VITAL_LABEL).toEqual({
      bloodPressure: 'Blood pressure',
      heartRate: 'Pulse',
      respiratoryRate: 'Respiratory rate',
      temperature: 'Temperature',
      spo2: 'SpO₂',
      weight: 'Weight',
      height: 'Height',
      bmi: 'BMI',
      pain: 'Pain',
      glucose: 'Blood glucose'
    });
  });
});

describe('typed values a slipped key makes implausible', () => {
  const issues = (input: unknown) => {
    const r = vitalsInputSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
  };
  // The other blood pressure number is given where one is tested, so the pair rule stays quiet.
  const pair = (field: string): Record<string, number> => (field === 'systolic' ? { diastolic: 20 } : field === 'diastolic' ? { systolic: 300 } : {});

  test.each([
    ['systolic', 'Systolic', 40, 300],
    ['diastolic', 'Diastolic', 20, 200],
    ['heartRate', 'Pulse', 20, 300],
    ['respiratoryRate', 'Respiratory rate', 2, 80],
    ['temperature', 'Temperature (°C)', 25, 45],
    ['spo2', 'SpO₂', 50, 100],
    ['weight', 'Weight (kg)', 0.3, 500],
    ['height', 'Height (cm)', 20, 272]
  ] as const)('%s: “%s” between %d and %d', (field, what, min, max) => {
    expect(issues({ ...pair(field), [field]: 'abc' })).toEqual([[field, `${what} must be a number`]]);
    expect(issues({ ...pair(field), [field]: min - 0.1 })).toEqual([[field, `${what} below ${min} is not plausible`]]);
    expect(issues({ ...pair(field), [field]: max + 0.1 })).toEqual([[field, `${what} above ${max} is not plausible`]]);
    expect(issues({ ...pair(field), [field]: min })).toEqual([]);
    expect(issues({ ...pair(field), [field]: max })).toEqual([]);
  });

  test('both blood pressure numbers, the diastolic lower', () => {
    expect(issues({ systolic: 120 })).toEqual([['diastolic', 'Enter both blood pressure numbers']]);
    expect(issues({ diastolic: 80 })).toEqual([['systolic', 'Enter both blood pressure numbers']]);
    expect(issues({ systolic: 120, diastolic: 120 })).toEqual([['diastolic', 'Diastolic must be lower than systolic']]);
    expect(issues({ systolic: 120, diastolic: 119 })).toEqual([]);
  });

  test('an empty set is refused; one vital is enough, even a pain score of 0', () => {
    expect(issues({})).toEqual([['', 'Enter at least one vital sign']]);
    expect(issues({ pain: 0 })).toEqual([]);
    expect(issues({ spo2: 97 })).toEqual([]);
  });
});

describe('units another record may send', () => {
  test.each<[VitalKind, number, string | undefined, number]>([
    ['temperature', 98.6, '[degF]', 37],
    ['temperature', 98.6, '°F', 37],
    ['temperature', 98.6, ' [degF] ', 37],
    ['temperature', 37.2, '°C', 37.2],
    ['temperature', 37.2, 'Cel', 37.2],
    ['temperature', 37.2, undefined, 37.2],
    ['temperature', 37.2, '', 37.2],
    ['weight', 154, '[lb_av]', 69.9],
    ['weight', 154, 'lb', 69.9],
    ['weight', 70500, 'g', 70.5],
    ['weight', 70.5, 'kg', 70.5],
    ['height', 70, '[in_i]', 177.8],
    ['height', 70, 'in', 177.8],
    ['height', 1.75, 'm', 175],
    ['height', 175, 'cm', 175],
    ['heartRate', 72, 'beats/min', 72],
    ['heartRate', 72, '{beats}/min', 72],
    ['heartRate', 72, '/min', 72],
    ['respiratoryRate', 16, 'breaths/min', 16],
    ['respiratoryRate', 16, '{breaths}/min', 16],
    ['pain', 3, '{score}', 3],
    ['bloodPressure', 131, 'mmHg', 131],
    ['bloodPressure', 131, 'mm[Hg]', 131],
    ['bmi', 22.4, 'kg/m²', 22.4],
    ['bmi', 22.4, 'kg/m2', 22.4],
    ['spo2', 97, '%', 97]
  ])('%s %d %s → %d', (kind, value, unit, expected) => {
    expect(toCanonical(kind, value, unit)).toBe(expected);
  });

  // A unit that belongs to another vital is never taken for this one's.
  test.each<[VitalKind, string]>([
    ['heartRate', 'mmHg'],
    ['bmi', 'mmHg'],
    ['bloodPressure', 'kg/m²'],
    ['weight', '°C'],
    ['weight', '°F'],
    ['height', '[degF]'],
    ['temperature', 'lb'],
    ['temperature', '[lb_av]'],
    ['height', 'g'],
    ['weight', 'in'],
    ['weight', '[in_i]'],
    ['weight', 'm'],
    ['temperature', 'beats/min'],
    ['spo2', 'breaths/min'],
    ['bloodPressure', '{beats}/min'],
    ['weight', '{breaths}/min'],
    ['heartRate', '{score}'],
    ['pain', '°C'],
    ['spo2', 'stone']
  ])('%s in %s is not read', (kind, unit) => {
    expect(toCanonical(kind, 50, unit)).toBeUndefined();
  });
});

describe('reading stored observations', () => {
  const stored = (o: Partial<Observation>): Observation =>
    ({ id: 'x', status: 'final', category: 'vital-signs', code: { text: '' }, effectiveDateTime: '2024-01-01T00:00:00Z', createdAt: '', createdBy: '', updatedAt: '', updatedBy: '', ...o }) as Observation;
  const pulse = (extra: Partial<Observation> = {}) => stored({ code: { text: 'HR', coding: [{ code: '8867-4' }] }, valueQuantity: { value: 88, unit: '/min' }, ...extra });

  test('cancelled and entered-in-error observations are not readings', () => {
    expect(readingOf(pulse())).toMatchObject({ kind: 'heartRate', value: 88 });
    expect(readingOf(pulse({ status: 'cancelled' }))).toBeUndefined();
    expect(readingOf(pulse({ status: 'entered-in-error' }))).toBeUndefined();
  });

  test('a vital coded second, after another code, is still found; a coding without a code is skipped', () => {
    const o = stored({ code: { text: 'SpO2', coding: [{ system: 'x' }, { code: 'local-1' }, { code: '2708-6' }] }, valueQuantity: { value: 95, unit: '%' } });
    expect(readingOf(o)).toMatchObject({ kind: 'spo2', value: 95 });
    expect(readingOf(stored({ code: { text: 'Glucose', coding: [{ code: '2345-7' }] }, valueQuantity: { value: 5, unit: 'mmol/L' } }))).toBeUndefined();
  });

  test('blood pressure with one number missing is not a reading', () => {
    const bp = (components: Observation['component']) => stored({ code: { text: 'BP', coding: [{ code: '85354-9' }] }, component: components });
    expect(readingOf(bp([{ code: { text: '', coding: [{ code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mm[Hg]' } }]))).toBeUndefined();
    expect(readingOf(bp([{ code: { text: '', coding: [{ code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]' } }]))).toBeUndefined();
    expect(readingOf(bp([
      { code: { text: '', coding: [{ code: '8480-6' }] }, valueQuantity: { value: 120, unit: 'mm[Hg]' } },
      { code: { text: '', coding: [{ code: '8462-4' }] }, valueQuantity: { value: 80, unit: 'mm[Hg]' } }
    ]))).toMatchObject({ value: 120, diastolic: 80 });
  });

  test('the series of each vital is in time order', () => {
    const s = vitalSeries([pulse({ id: 'late', effectiveDateTime: '2024-05-01T00:00:00Z' }), pulse({ id: 'early', effectiveDateTime: '2024-01-01T00:00:00Z' })]);
    expect(s.heartRate.map((r) => r.observationId)).toEqual(['early', 'late']);
  });
});

describe('each reading is checked against its own adult range', () => {
  const adult = '1970-01-01';
  const at = '2024-06-01T10:00:00Z';
  test.each<[VitalKind, number, unknown]>([
    ['heartRate', 120, { status: 'abnormal', level: 'warn', label: 'High (tachycardia)' }],
    ['respiratoryRate', 30, { status: 'abnormal', level: 'danger', label: 'Very high' }],
    ['temperature', 39, { status: 'abnormal', level: 'warn', label: 'Fever' }],
    ['spo2', 90, { status: 'abnormal', level: 'danger', label: 'Low' }],
    ['bmi', 32, { status: 'abnormal', level: 'warn', label: 'Obesity' }],
    ['pain', 8, { status: 'abnormal', level: 'danger', label: 'Severe pain' }],
    ['heartRate', 70, { status: 'normal', label: 'Normal' }],
    ['bmi', 22, { status: 'normal', label: 'Healthy weight' }]
  ])('%s %d', (kind, value, flag) => {
    expect(flagReading({ kind, value, at }, adult)).toEqual(flag);
  });

  test('blood pressure without its diastolic is not checked, and says why', () => {
    expect(flagReading({ kind: 'bloodPressure', value: 150, at }, adult)).toEqual({ status: 'not-checked', reason: 'Diastolic missing' });
    expect(flagReading({ kind: 'bloodPressure', value: 150, diastolic: 85, at }, adult)).toEqual({ status: 'abnormal', level: 'danger', label: 'Stage 2 hypertension' });
  });

  test('pain: 0 is none, 1 is mild', () => {
    expect(painFlag(0)).toEqual({ status: 'normal', label: 'No pain' });
    expect(painFlag(1)).toEqual({ status: 'normal', label: 'Mild pain' });
    expect(painFlag(4)).toEqual({ status: 'normal', label: 'Mild pain' });
  });
});

describe('age on the day of the reading', () => {
  test.each([
    ['2000-06-15', '2018-06-14T12:00:00Z', 17],
    ['2000-06-15', '2018-06-15T00:00:00Z', 18],
    ['2000-06-15', '2018-05-30T00:00:00Z', 17],
    ['2000-06-15', '2018-07-01T00:00:00Z', 18],
    ['2000-06-15', '2019-01-01T00:00:00Z', 18]
  ])('born %s, on %s: %d', (born, on, age) => {
    expect(ageAt(born, on)).toBe(age);
  });

  test.each(['x2000-06-15', '2000-06-15x', '2000-6-15', '', '15/06/2000'])('an unreadable birth date “%s” gives no age', (born) => {
    expect(ageAt(born, '2018-06-15T00:00:00Z')).toBeUndefined();
  });

  test('an unreadable time gives no age', () => {
    expect(ageAt('2000-06-15', 'yesterday')).toBeUndefined();
  });
});

describe('printing', () => {
  test('a blood pressure missing its diastolic shows a dash', () => {
    expect(formatReading({ kind: 'bloodPressure', value: 120 })).toBe('120/— mmHg');
  });

  test('reading sets are newest first whatever order they come in', () => {
    const r = (at: string, id: string) => ({ kind: 'heartRate' as const, at, observationId: id, value: 1 });
    const series = { ...vitalSeries([]), heartRate: [r('2024-01-01', 'a'), r('2024-03-01', 'c'), r('2024-02-01', 'b')] };
    expect(readingSets(series).map((s) => s.at)).toEqual(['2024-03-01', '2024-02-01', '2024-01-01']);
  });
});
