import { describe, expect, test } from 'vitest';
import type { Observation } from './clinical';
import {
  ageAt,
  bloodPressureFlag,
  bmiFlag,
  bodyMassIndex,
  flagReading,
  formatReading,
  heartRateFlag,
  painFlag,
  readingOf,
  respiratoryRateFlag,
  spo2Flag,
  temperatureFlag,
  toCanonical,
  readingSets,
  vitalSeries,
  vitalsInputSchema,
  vitalsObservations
} from './vitals';

const label = (f: ReturnType<typeof bloodPressureFlag>) => (f.status === 'normal' || f.status === 'abnormal' ? f.label : f.status);

describe('blood pressure categories (2017 ACC/AHA)', () => {
  test.each([
    [119, 79, 'Normal'],
    [120, 79, 'Elevated'],
    [129, 79, 'Elevated'],
    [130, 79, 'Stage 1 hypertension'],
    [119, 80, 'Stage 1 hypertension'],
    [139, 89, 'Stage 1 hypertension'],
    [140, 70, 'Stage 2 hypertension'],
    [128, 90, 'Stage 2 hypertension'],
    [162, 101, 'Stage 2 hypertension'],
    [180, 120, 'Stage 2 hypertension'],
    [181, 100, 'Hypertensive crisis'],
    [150, 121, 'Hypertensive crisis'],
    [89, 55, 'Low'],
    [90, 60, 'Normal']
  ])('%i/%i is %s', (s, d, expected) => {
    expect(label(bloodPressureFlag(s, d))).toBe(expected);
  });
});

describe('single-value adult ranges', () => {
  test.each([
    [heartRateFlag, 59, 'Low (bradycardia)'],
    [heartRateFlag, 60, 'Normal'],
    [heartRateFlag, 100, 'Normal'],
    [heartRateFlag, 101, 'High (tachycardia)'],
    [respiratoryRateFlag, 8, 'Very low'],
    [respiratoryRateFlag, 11, 'Low'],
    [respiratoryRateFlag, 12, 'Normal'],
    [respiratoryRateFlag, 20, 'Normal'],
    [respiratoryRateFlag, 21, 'High'],
    [respiratoryRateFlag, 25, 'Very high'],
    [temperatureFlag, 34.9, 'Hypothermia'],
    [temperatureFlag, 35, 'Normal'],
    [temperatureFlag, 37.9, 'Normal'],
    [temperatureFlag, 38, 'Fever'],
    [spo2Flag, 91, 'Low'],
    [spo2Flag, 93, 'Low'],
    [spo2Flag, 94, 'Normal'],
    [bmiFlag, 18.4, 'Underweight'],
    [bmiFlag, 18.5, 'Healthy weight'],
    [bmiFlag, 24.9, 'Healthy weight'],
    [bmiFlag, 25, 'Overweight'],
    [bmiFlag, 29.9, 'Overweight'],
    [bmiFlag, 30, 'Obesity'],
    [painFlag, 0, 'No pain'],
    [painFlag, 4, 'Mild pain'],
    [painFlag, 5, 'Moderate pain'],
    [painFlag, 7, 'Severe pain']
  ] as const)('%o(%d) is %s', (fn, value, expected) => {
    expect(label(fn(value))).toBe(expected);
  });

  test.each([
    [spo2Flag, 91, 'danger'],
    [spo2Flag, 93, 'warn'],
    [respiratoryRateFlag, 25, 'danger'],
    [respiratoryRateFlag, 21, 'warn']
  ] as const)('%o(%d) is marked %s', (fn, value, level) => {
    expect(fn(value)).toMatchObject({ status: 'abnormal', level });
  });
});

describe('children and unknown ages are never flagged, and say so', () => {
  const bp = { kind: 'bloodPressure' as const, value: 162, diastolic: 101, at: '2024-05-01T09:00:00Z' };
  test.each([
    ['2010-01-01', 'not-checked', /Child/],
    ['2006-05-02', 'not-checked', /Child/], // 17 the day before the 18th birthday
    ['', 'not-checked', /Birth date unknown/],
    ['1971-03', 'not-checked', /Birth date unknown/]
  ])('born %s', (birthDate, status, reason) => {
    const f = flagReading(bp, birthDate);
    expect(f.status).toBe(status);
    expect(f.status === 'not-checked' && f.reason).toMatch(reason);
  });

  test('an adult on the 18th birthday is checked', () => {
    expect(flagReading(bp, '2006-05-01')).toMatchObject({ status: 'abnormal', label: 'Stage 2 hypertension' });
  });

  test('weight and height have no range to check', () => {
    expect(flagReading({ kind: 'weight', value: 80, at: bp.at }, '1971-03-03')).toEqual({ status: 'no-range' });
  });

  test.each([
    ['2000-02-29', '2018-02-28T12:00:00Z', 17],
    ['2000-02-29', '2018-03-01T12:00:00Z', 18],
    ['1971-03-03', 'not a date', undefined]
  ])('ageAt(%s, %s) = %s', (b, at, age) => {
    expect(ageAt(b, at)).toBe(age);
  });
});

describe('recording a set', () => {
  test.each([
    [{ systolic: 120 }, 'diastolic', /both/],
    [{ systolic: 80, diastolic: 90 }, 'diastolic', /lower than systolic/],
    [{ heartRate: 880 }, 'heartRate', /not plausible/],
    [{ pain: 11 }, 'pain', /0 to 10/],
    [{ pain: 2.5 }, 'pain', /whole number/],
    [{}, '', /at least one/]
  ])('refuses %o', (input, path, message) => {
    const r = vitalsInputSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error!.issues.find((i) => i.path.join('.') === path);
    expect(issue?.message).toMatch(message);
  });

  test('BMI is weight / height² to one decimal', () => {
    expect(bodyMassIndex(80, 180)).toBe(24.7);
    expect(bodyMassIndex(95, 170)).toBe(32.9);
  });

  test('a full set becomes FHIR vital-signs Observations with LOINC codes and UCUM units, BMI computed', () => {
    const at = '2024-05-01T09:00:00.000Z';
    const obs = vitalsObservations(vitalsInputSchema.parse({ systolic: 162, diastolic: 101, heartRate: 88, weight: 80, height: 180 }), at);
    expect(obs.map((o) => o.code.coding?.[0].code)).toEqual(['85354-9', '8867-4', '29463-7', '8302-2', '39156-5']);
    expect(obs.every((o) => o.category === 'vital-signs' && o.status === 'final' && o.effectiveDateTime === at)).toBe(true);
    expect(obs[0].component?.map((c) => [c.code.coding?.[0].code, c.valueQuantity])).toEqual([
      ['8480-6', { value: 162, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }],
      ['8462-4', { value: 101, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }]
    ]);
    expect(obs[4].valueQuantity).toMatchObject({ value: 24.7, unit: 'kg/m2' });
  });

  test('no BMI without both weight and height', () => {
    const obs = vitalsObservations(vitalsInputSchema.parse({ weight: 80 }), '2024-05-01T09:00:00Z');
    expect(obs).toHaveLength(1);
  });
});

describe('reading stored observations', () => {
  const stored = (o: Partial<Observation>): Observation =>
    ({ id: 'x', status: 'final', category: 'vital-signs', code: { text: '' }, effectiveDateTime: '2024-01-01T00:00:00Z', createdAt: '', createdBy: '', updatedAt: '', updatedBy: '', ...o }) as Observation;

  test('Synthea blood pressure (55284-4) reads as blood pressure', () => {
    const o = stored({
      code: { text: 'Blood Pressure', coding: [{ system: 'http://loinc.org', code: '55284-4' }] },
      component: [
        { code: { text: '', coding: [{ code: '8462-4' }] }, valueQuantity: { value: 82, unit: 'mm[Hg]' } },
        { code: { text: '', coding: [{ code: '8480-6' }] }, valueQuantity: { value: 131, unit: 'mm[Hg]' } }
      ]
    });
    expect(readingOf(o)).toMatchObject({ kind: 'bloodPressure', value: 131, diastolic: 82 });
  });

  test.each([
    ['temperature', 100.4, '[degF]', 38],
    ['weight', 176, '[lb_av]', 79.8],
    ['height', 70, '[in_i]', 177.8],
    ['weight', 80, 'stone', undefined]
  ] as const)('%s %d %s → %s in the chart unit', (kind, value, unit, expected) => {
    expect(toCanonical(kind, value, unit)).toBe(expected);
  });

  test('entered-in-error and unknown units are left out of the trends; series are oldest first', () => {
    const hr = (id: string, at: string, extra: Partial<Observation> = {}) =>
      stored({ id, effectiveDateTime: at, code: { text: 'HR', coding: [{ code: '8867-4' }] }, valueQuantity: { value: 70, unit: '/min' }, ...extra });
    const series = vitalSeries([
      hr('b', '2024-02-01T00:00:00Z'),
      hr('a', '2024-01-01T00:00:00Z'),
      hr('c', '2024-03-01T00:00:00Z', { status: 'entered-in-error' }),
      hr('d', '2024-04-01T00:00:00Z', { valueQuantity: { value: 70, unit: 'Hz' } })
    ]);
    expect(series.heartRate.map((r) => r.observationId)).toEqual(['a', 'b']);
  });

  test('formats readings with their unit', () => {
    expect(formatReading({ kind: 'bloodPressure', value: 162, diastolic: 101 })).toBe('162/101 mmHg');
    expect(formatReading({ kind: 'temperature', value: 37.2 })).toBe('37.2 °C');
    expect(formatReading({ kind: 'pain', value: 3 })).toBe('3/10');
    expect(formatReading({ kind: 'weight', value: 98.36894718074446 })).toBe('98.4 kg');
  });
});

describe('reading sets', () => {
  test('groups readings taken together, newest first, in vital order', () => {
    const r = (kind: 'heartRate' | 'bloodPressure', at: string, id: string) => ({ kind, at, observationId: id, value: 1 });
    const series = { ...vitalSeries([]), heartRate: [r('heartRate', 't1', 'a'), r('heartRate', 't2', 'b')], bloodPressure: [r('bloodPressure', 't2', 'c')] };
    expect(readingSets(series).map((s) => [s.at, s.readings.map((x) => x.observationId)])).toEqual([
      ['t2', ['c', 'b']],
      ['t1', ['a']]
    ]);
  });
});
