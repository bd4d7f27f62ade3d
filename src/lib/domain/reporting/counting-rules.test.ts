import { describe, expect, it, test } from 'vitest';
import { ageInMonths, codeMatches, countRule, countingRuleSchema, diagnosisMonth, RULE_PRESETS, type CountingRule } from './counting-rules';
import type { ReportingRecord, ReportingVisit } from './reporting-record';

const TZ = 'Africa/Nairobi'; // UTC+3, no daylight saving

let n = 0;
function visit(start: string, extra: Partial<ReportingVisit> = {}): ReportingVisit {
  return { id: `v${++n}`, start, class: 'ambulatory', status: 'finished', diagnosisCodes: [], createdBy: 'Dr A', ...extra };
}
function record(p: Partial<ReportingRecord>): ReportingRecord {
  return { patientId: `p${++n}`, sex: 'female', birthDate: '1990-06-15', visits: [], diagnoses: [], doses: [], ...p };
}

describe('age in completed months', () => {
  test.each([
    ['2011-11-15', '2026-11-14', 179], // the day before the 15th birthday: 14 years 11 months
    ['2011-11-15', '2026-11-15', 180], // the birthday: 15 years
    ['2025-11-30', '2026-10-29', 10],
    ['2025-11-30', '2026-10-30', 11],
    ['2024-01-31', '2024-02-29', 0] // born on the 31st: not a month old on 29 Feb
  ])('born %s, on %s: %i months', (born, on, months) => {
    expect(ageInMonths(born, on)).toBe(months);
  });
});

describe('outpatient visits, female, 15–49 (age on the day of the visit)', () => {
  const rule = RULE_PRESETS['opd-visits-female-15-49'];
  it('counts 15 on the birthday and 49 up to the day before the 50th birthday, not the day before 15 nor the 50th birthday', () => {
    const records = [
      record({ birthDate: '2011-11-10', visits: [visit('2026-11-09T08:00:00.000Z')] }), // 14, the day before her birthday: no
      record({ birthDate: '2011-11-10', visits: [visit('2026-11-10T08:00:00.000Z')] }), // 15 that day: yes
      record({ birthDate: '1976-11-20', visits: [visit('2026-11-19T08:00:00.000Z')] }), // 49, the day before 50: yes
      record({ birthDate: '1976-11-20', visits: [visit('2026-11-20T08:00:00.000Z')] }), // 50: no
      record({ sex: 'male', birthDate: '1990-01-01', visits: [visit('2026-11-05T08:00:00.000Z')] }), // male: no
      record({ birthDate: '', visits: [visit('2026-11-05T08:00:00.000Z')] }) // unknown age: no
    ];
    expect(countRule(rule, records, '2026-11', TZ)).toBe(2);
  });

  it('places a visit in the clinic’s month by its local day, at both month edges', () => {
    const r = record({
      birthDate: '1990-01-01',
      visits: [
        visit('2026-10-31T20:59:00.000Z'), // 23:59 on 31 Oct in Nairobi: October
        visit('2026-10-31T21:00:00.000Z'), // 00:00 on 1 Nov: November
        visit('2026-11-30T20:59:00.000Z'), // 23:59 on 30 Nov: November
        visit('2026-11-30T21:00:00.000Z') // 00:00 on 1 Dec: December
      ]
    });
    expect(countRule(rule, [r], '2026-10', TZ)).toBe(1);
    expect(countRule(rule, [r], '2026-11', TZ)).toBe(2);
    expect(countRule(rule, [r], '2026-12', TZ)).toBe(1);
  });

  it('leaves out visits in error, cancelled, and emergency visits; counts in-person, video and home', () => {
    const r = record({
      birthDate: '1990-01-01',
      visits: [
        visit('2026-11-02T08:00:00.000Z'),
        visit('2026-11-02T09:00:00.000Z', { class: 'virtual' }),
        visit('2026-11-02T10:00:00.000Z', { class: 'home', status: 'in-progress' }),
        visit('2026-11-02T11:00:00.000Z', { class: 'emergency' }),
        visit('2026-11-02T12:00:00.000Z', { status: 'entered-in-error' }),
        visit('2026-11-02T13:00:00.000Z', { status: 'cancelled' })
      ]
    });
    expect(countRule(rule, [r], '2026-11', TZ)).toBe(3);
  });
});

describe('children under 5 with fever visits', () => {
  const rule = RULE_PRESETS['fever-visits-under-5'];
  it('counts R50.x visits of children aged 0–4 on the day; the 5th birthday is out', () => {
    const records = [
      record({ birthDate: '2021-11-10', visits: [visit('2026-11-09T08:00:00.000Z', { diagnosisCodes: ['R50.9'] })] }), // 4: yes
      record({ birthDate: '2021-11-10', visits: [visit('2026-11-10T08:00:00.000Z', { diagnosisCodes: ['R509'] })] }), // 5: no
      record({ birthDate: '2026-10-01', visits: [visit('2026-11-03T08:00:00.000Z', { diagnosisCodes: ['R50'] })] }), // 1 month: yes
      record({ birthDate: '2023-01-01', visits: [visit('2026-11-03T08:00:00.000Z', { diagnosisCodes: ['J06.9'] })] }) // not fever: no
    ];
    expect(countRule(rule, records, '2026-11', TZ)).toBe(2);
  });
});

describe('new diabetes diagnoses', () => {
  const rule = RULE_PRESETS['new-diabetes'];
  const dx = (onsetDate: string, recordedDate: string, extra: object = {}) => ({ id: `d${++n}`, codes: ['E11.9'], text: 'Type 2 diabetes', onsetDate, recordedDate, verificationStatus: 'confirmed', recordedBy: 'Dr A', ...extra });
  it('counts by onset month, else the day entered; a year-only onset is never new; once per patient', () => {
    const records = [
      record({ diagnoses: [dx('2026-11-01', '2026-12-02')] }), // onset 1 Nov: yes
      record({ diagnoses: [dx('2026-10-31', '2026-11-01')] }), // onset 31 Oct: no (October)
      record({ diagnoses: [dx('', '2026-11-30')] }), // no onset, entered 30 Nov: yes
      record({ diagnoses: [dx('2019', '2026-11-15')] }), // known since 2019: no
      record({ diagnoses: [dx('2026-11', '2026-11-03'), dx('2026-11-20', '2026-11-20', { codes: ['E11.65'] })] }), // two rows, one patient: 1
      record({ diagnoses: [dx('2026-11-05', '2026-11-05', { verificationStatus: 'entered-in-error' })] }), // in error: no
      record({ diagnoses: [dx('2026-11-05', '2026-11-05', { codes: ['I10'] })] }) // hypertension: no
    ];
    expect(countRule(rule, records, '2026-11', TZ)).toBe(3);
    expect(countRule(rule, records, '2026-10', TZ)).toBe(1);
  });

  test.each([
    ['2026-11-04', '2026-12-01', '2026-11'],
    ['2026-11', '2026-12-01', '2026-11'],
    ['2001', '2026-12-01', null],
    ['', '2026-12-01', '2026-12'],
    ['', '', null]
  ])('onset %j, entered %j: new in %j', (onset, recorded, month) => {
    expect(diagnosisMonth(onset, recorded)).toBe(month);
  });
});

describe('measles vaccine doses given under 1 year', () => {
  const rule = RULE_PRESETS['measles-doses-under-1'];
  const dose = (date: string, cvx = '05', status: 'completed' | 'entered-in-error' | 'not-done' = 'completed') => ({ id: `i${++n}`, cvx, date, status });
  it('counts doses at 0–11 completed months; the first birthday is out; other vaccines and doses in error are out', () => {
    const records = [
      record({ birthDate: '2025-11-20', doses: [dose('2026-11-19')] }), // 11 months: yes
      record({ birthDate: '2025-11-20', doses: [dose('2026-11-20')] }), // 12 months: no
      record({ birthDate: '2026-02-01', doses: [dose('2026-11-01', '03')] }), // MMR at 9 months: yes
      record({ birthDate: '2026-02-01', doses: [dose('2026-11-01', '08')] }), // hepatitis B: no
      record({ birthDate: '2026-02-01', doses: [dose('2026-11-02', '05', 'entered-in-error')] }), // in error: no
      record({ birthDate: '2026-02-01', doses: [dose('2026-10-31'), dose('2026-12-01')] }) // outside the month: no
    ];
    expect(countRule(rule, records, '2026-11', TZ)).toBe(2);
  });
});

describe('rule vocabulary', () => {
  it('matches code prefixes with or without dots', () => {
    expect(codeMatches(['E11.9'], ['E11'])).toBe(true);
    expect(codeMatches(['e119'], ['E11.9'])).toBe(true);
    expect(codeMatches(['E10.1'], ['E11'])).toBe(false);
  });

  it('accepts every preset and refuses a dose rule with no vaccine and a diagnosis rule with no code', () => {
    for (const r of Object.values(RULE_PRESETS)) expect(countingRuleSchema.safeParse(r).success).toBe(true);
    const bad: unknown[] = [{ count: 'doses' }, { count: 'new-diagnoses' }, { count: 'visits', sex: 'any' }, { count: 'visits', extra: 1 }];
    expect(bad.map((b) => countingRuleSchema.safeParse(b).success)).toEqual([false, false, false, false]);
  });

  it('a custom rule: home visits by men 50 and over', () => {
    const rule: CountingRule = { count: 'visits', sex: 'male', ageFrom: { value: 50, unit: 'years' }, visitClasses: ['home'] };
    const records = [
      record({ sex: 'male', birthDate: '1976-11-10', visits: [visit('2026-11-10T08:00:00.000Z', { class: 'home' }), visit('2026-11-11T08:00:00.000Z')] }),
      record({ sex: 'male', birthDate: '1976-11-11', visits: [visit('2026-11-10T08:00:00.000Z', { class: 'home' })] })
    ];
    expect(countRule(rule, records, '2026-11', TZ)).toBe(1);
  });
});
