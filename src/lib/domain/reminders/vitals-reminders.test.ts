import { describe, expect, test } from 'vitest';
import { evaluateReminders, type Reminder } from './index';
import { bp, ctx, vital } from './test-factories';

/**
 * Abnormal-vitals reminders: the latest reading of each vital flagged with
 * the adult ranges, named by its reading so a new abnormal reading is a new
 * reminder, each citing the source of its range.
 */

const vitalsOf = (over: Parameters<typeof ctx>[0]) => evaluateReminders(ctx(over)).filter((r) => r.category === 'vitals');
const at = '2026-11-01T09:15:00Z';

describe('one reminder per abnormal latest reading, word for word', () => {
  test.each<[string, ReturnType<typeof vital>, Partial<Reminder>]>([
    [
      'blood pressure',
      bp('r1', 162, 101, at),
      { id: 'vitals-bloodPressure-r1', title: 'Blood pressure 162/101 mmHg: Stage 2 hypertension', level: 'danger', source: { citation: '2017 ACC/AHA High Blood Pressure Guideline (Whelton et al., Hypertension 2018), Table 6' } }
    ],
    [
      'pulse',
      vital('r2', '8867-4', 112, '/min', at),
      { id: 'vitals-heartRate-r2', title: 'Pulse 112 /min: High (tachycardia)', level: 'warn', source: { citation: 'American Heart Association, "All about heart rate (pulse)"' } }
    ],
    [
      'respiratory rate',
      vital('r3', '9279-1', 26, '/min', at),
      { id: 'vitals-respiratoryRate-r3', title: 'Respiratory rate 26 /min: Very high', level: 'danger', source: { citation: 'Royal College of Physicians, NEWS2 (2017)' } }
    ],
    [
      'temperature',
      vital('r4', '8310-5', 38.4, 'Cel', at),
      { id: 'vitals-temperature-r4', title: 'Temperature 38.4 °C: Fever', level: 'warn', source: { citation: 'CDC, Definitions of symptoms for reportable illnesses; Brown et al., NEJM 2012' } }
    ],
    [
      'oxygen saturation',
      vital('r5', '59408-5', 90, '%', at),
      { id: 'vitals-spo2-r5', title: 'SpO₂ 90 %: Low', level: 'danger', source: { citation: "BTS guideline for oxygen use in adults (O'Driscoll et al., Thorax 2017); NEWS2" } }
    ],
    [
      'BMI',
      vital('r6', '39156-5', 32, 'kg/m2', at),
      { id: 'vitals-bmi-r6', title: 'BMI 32 kg/m²: Obesity', level: 'warn', source: { citation: 'WHO and CDC adult BMI categories' } }
    ],
    [
      'pain',
      vital('r7', '72514-3', 8, '{score}', at),
      { id: 'vitals-pain-r7', title: 'Pain 8/10: Severe pain', level: 'danger', source: { citation: 'Serlin et al., Pain 1995;61:277–84' } }
    ]
  ])('%s', (_, reading, expected) => {
    expect(vitalsOf({ observations: [reading] })).toEqual([
      {
        category: 'vitals',
        status: 'due',
        overdue: false,
        detail: 'Latest reading, 2026-11-01. Review and repeat or act on it.',
        action: { kind: 'record-vitals', label: 'Go to vitals' },
        ...expected
      }
    ]);
  });
});

describe('what is not flagged', () => {
  test('normal readings, and weight and height, which have no range', () => {
    const normal = [
      bp('n1', 118, 76, at),
      vital('n2', '8867-4', 72, '/min', at),
      vital('n3', '9279-1', 16, '/min', at),
      vital('n4', '8310-5', 36.8, 'Cel', at),
      vital('n5', '59408-5', 98, '%', at),
      vital('n6', '39156-5', 22, 'kg/m2', at),
      vital('n7', '72514-3', 0, '{score}', at),
      vital('n8', '29463-7', 180, 'kg', at),
      vital('n9', '8302-2', 120, 'cm', at)
    ];
    expect(vitalsOf({ observations: normal })).toEqual([]);
  });

  test('an abnormal reading followed by a normal one', () => {
    expect(vitalsOf({ observations: [vital('old', '8867-4', 130, '/min', '2026-10-01'), vital('new', '8867-4', 70, '/min', at)] })).toEqual([]);
  });

  test('a normal reading followed by an abnormal one: the reminder names the new reading', () => {
    const r = vitalsOf({ observations: [vital('new', '8867-4', 130, '/min', at), vital('old', '8867-4', 70, '/min', '2026-10-01')] });
    expect(r.map((x) => x.id)).toEqual(['vitals-heartRate-new']);
  });
});

describe('readings the adult ranges cannot judge', () => {
  const unjudged = (reason: string): Reminder => ({
    id: 'vitals-ranges',
    category: 'vitals',
    title: 'Abnormal vital signs',
    source: { citation: 'Adult ranges, domain/vitals.ts' },
    status: 'not-evaluated',
    reason
  });

  test("a child's readings", () => {
    expect(vitalsOf({ birthDate: '2019-10-23', observations: [bp('c1', 140, 90, at), vital('c2', '8867-4', 130, '/min', at)] })).toEqual([
      unjudged('Child: adult ranges not checked')
    ]);
  });

  test('readings of a patient without a birth date', () => {
    expect(vitalsOf({ birthDate: '', observations: [vital('u1', '8867-4', 130, '/min', at)] })).toEqual([unjudged('Birth date unknown: adult ranges not checked')]);
  });

  test('no readings: nothing to say', () => {
    expect(vitalsOf({ birthDate: '' })).toEqual([]);
  });
});
