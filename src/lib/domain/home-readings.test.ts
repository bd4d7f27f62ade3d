import { describe, expect, it } from 'vitest';
import { glucoseMmol, homeReadingInputSchema, homeReadingObservation, isUrgent, takenAtProblem } from './home-readings';
import { flagReading, glucoseFlag, readingOf, toCanonical } from './vitals';

const ID = 'c4d5e6f7-1111-4111-8111-000000000001';
const ADULT = '1970-01-01';
const flagOf = (kind: 'bloodPressure' | 'glucose' | 'temperature' | 'spo2', value: number, diastolic?: number) => flagReading({ kind, value, diastolic, at: '2026-12-04T08:00:00.000Z' }, ADULT);

describe('which home readings the clinic is told about at once', () => {
  it.each([
    ['185/120 (hypertensive crisis)', flagOf('bloodPressure', 185, 120), true],
    ['150/95 (stage 2)', flagOf('bloodPressure', 150, 95), true],
    ['120/80 (stage 1)', flagOf('bloodPressure', 120, 80), false],
    ['118/76 (normal)', flagOf('bloodPressure', 118, 76), false],
    ['SpO₂ 91 %', flagOf('spo2', 91), true],
    ['SpO₂ 93 %', flagOf('spo2', 93), false],
    ['38.5 °C (fever: warn)', flagOf('temperature', 38.5), false],
    ['34.5 °C (hypothermia)', flagOf('temperature', 34.5), true],
    ['glucose 2.9 mmol/L', flagOf('glucose', 2.9), true],
    ['glucose 14.0 mmol/L', flagOf('glucose', 14), true],
    ['glucose 11 mmol/L', flagOf('glucose', 11), false]
  ])('%s', (_, flag, urgent) => {
    expect(isUrgent(flag)).toBe(urgent);
  });

  it("a child's reading is not checked against adult ranges and is not urgent", () => {
    const flag = flagReading({ kind: 'bloodPressure', value: 185, diastolic: 120, at: '2026-12-04T08:00:00.000Z' }, '2015-01-01');
    expect(flag).toEqual({ status: 'not-checked', reason: 'Child: adult ranges not checked' });
    expect(isUrgent(flag)).toBe(false);
  });
});

describe('glucose levels (Battelino et al. 2019)', () => {
  it.each([
    [2.9, { status: 'abnormal', level: 'danger', label: 'Very low' }],
    [3.0, { status: 'abnormal', level: 'warn', label: 'Low' }],
    [3.8, { status: 'abnormal', level: 'warn', label: 'Low' }],
    [3.9, { status: 'normal', label: 'Normal' }],
    [10.0, { status: 'normal', label: 'Normal' }],
    [10.1, { status: 'abnormal', level: 'warn', label: 'High' }],
    [13.9, { status: 'abnormal', level: 'warn', label: 'High' }],
    [14.0, { status: 'abnormal', level: 'danger', label: 'Very high' }]
  ])('%s mmol/L', (value, flag) => {
    expect(glucoseFlag(value)).toEqual(flag);
  });

  it('mg/dL become mmol/L (÷ 18.016, one decimal), on entry and when read back', () => {
    expect(glucoseMmol(90, 'mg/dL')).toBe(5);
    expect(glucoseMmol(5.4, 'mmol/L')).toBe(5.4);
    expect(toCanonical('glucose', 180, 'mg/dL')).toBe(10);
  });
});

describe('a home reading as entered', () => {
  const issues = (input: unknown) => {
    const r = homeReadingInputSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
  };

  it('uses the bedside limits, with the field the patient typed in', () => {
    expect(issues({ id: ID, kind: 'bloodPressure', systolic: 30, diastolic: 20 })).toEqual([['systolic', 'Systolic below 40 is not plausible']]);
    expect(issues({ id: ID, kind: 'weight', value: 600 })).toEqual([['value', 'Weight (kg) above 500 is not plausible']]);
    expect(issues({ id: ID, kind: 'glucose', value: 700, unit: 'mg/dL' })).toEqual([['value', 'Blood sugar between 18 and 630 mg/dL is what a meter shows: check the number']]);
    expect(issues({ id: 'not-a-uuid', kind: 'weight', value: 70 })).toEqual([['id', 'The reading needs its own id (a UUID)']]);
    expect(issues({ id: ID, kind: 'weight', value: 70, extra: 1 })).toHaveLength(1);
    // Positive control.
    expect(issues({ id: ID, kind: 'glucose', value: 6.1, unit: 'mmol/L', takenAt: '2026-12-04T07:30:00.000Z' })).toEqual([]);
  });

  it('is taken in the last 30 days and not in the future', () => {
    const now = new Date('2026-12-04T10:00:00.000Z');
    expect(takenAtProblem('2026-12-04T10:04:00.000Z', now)).toBeNull();
    expect(takenAtProblem('2026-12-04T10:06:00.000Z', now)).toBe('The time of the reading is in the future: check the date and time');
    expect(takenAtProblem('2026-11-04T10:01:00.000Z', now)).toBeNull();
    expect(takenAtProblem('2026-11-04T09:59:00.000Z', now)).toBe('Readings older than 30 days cannot be added here: bring them to your next visit');
  });

  it('becomes a vital-signs Observation the chart reads back as the same reading', () => {
    const bp = homeReadingObservation({ id: ID, kind: 'bloodPressure', systolic: 185, diastolic: 120 }, '2026-12-04T08:00:00.000Z');
    const read = readingOf({ ...bp, id: 'o1', createdAt: '', createdBy: '', updatedAt: '', updatedBy: '', reportedBy: 'patient' } as never);
    expect(read).toEqual({ kind: 'bloodPressure', observationId: 'o1', at: '2026-12-04T08:00:00.000Z', value: 185, diastolic: 120, reportedBy: 'patient' });
    const glucose = homeReadingObservation({ id: ID, kind: 'glucose', value: 126, unit: 'mg/dL' }, '2026-12-04T08:00:00.000Z');
    expect(glucose).toMatchObject({ category: 'vital-signs', code: { coding: [{ code: '14743-9' }] }, valueQuantity: { value: 7, unit: 'mmol/L' } });
  });
});
