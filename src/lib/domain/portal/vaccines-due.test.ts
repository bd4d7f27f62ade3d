import { describe, expect, it } from 'vitest';
import { vaccinesDue } from './vaccines-due';

/**
 * What is due next, from the chart's schedule (CDC 2025 adult schedule,
 * immunization-schedule.ts), as the patient's view carries it. Dates and
 * answers below are worked out by hand from the schedule's rules.
 */
const dose = (cvx: string, date: string, status = 'completed') => ({
  resourceType: 'Immunization',
  id: `${cvx}-${date}`,
  status,
  vaccineCode: { text: cvx, coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: cvx }] },
  occurrenceDateTime: date
});
const NOW = new Date('2026-12-06T12:00:00.000Z');
const compact = (list: ReturnType<typeof vaccinesDue>) => list.map((v) => [v.group, v.status, v.dueDate, v.overdue, v.lastDose, v.nextDue, v.reason]);

describe('vaccines due next, for the patient', () => {
  it('an adult of 36 with Tdap in March 2026 and no flu dose this season: flu overdue since 1 August, tetanus up to date until 2036, hepatitis B due, 50+ vaccines from the 50th birthday', () => {
    const due = vaccinesDue('1990-07-14', [dose('115', '2026-03-02')], NOW);
    expect(compact(due)).toEqual([
      ['influenza', 'due', '2026-08-01', true, null, null, null],
      ['tetanus', 'up-to-date', null, false, '2026-03-02', '2036-03-02', null],
      ['pneumococcal', 'up-to-date', null, false, null, '2040-07-14', null],
      ['zoster', 'up-to-date', null, false, null, '2040-07-14', null],
      ['hepatitis-b', 'due', '2026-12-06', false, null, null, null]
    ]);
    expect(due[0].source.citation).toContain('CDC Recommended Adult Immunization Schedule, United States, 2025');
    expect(due[0].source.url).toBe('https://www.cdc.gov/vaccines/hcp/imz-schedules/adult-age.html');
  });

  it('a dose not given (status not completed) does not count; a hepatitis B dose counts but the series is not checked', () => {
    const due = vaccinesDue('1990-07-14', [dose('140', '2026-09-10', 'not-done'), dose('43', '2025-01-01')], NOW);
    expect(due.find((d) => d.group === 'influenza')!.status).toBe('due');
    expect(due.find((d) => d.group === 'hepatitis-b')).toMatchObject({ status: 'up-to-date', seriesNotChecked: true, lastDose: '2025-01-01' });
  });

  it('a child: influenza checked, the rest of the child schedule shown as not checked (never as up to date)', () => {
    expect(compact(vaccinesDue('2020-01-01', [dose('140', '2026-09-10')], NOW))).toEqual([
      ['influenza', 'up-to-date', null, false, '2026-09-10', '2027-08-01', null],
      ['tetanus', 'not-evaluated', null, false, null, null, 'child-schedule']
    ]);
  });

  it('no readable date of birth: nothing evaluated, and each group says so', () => {
    const due = vaccinesDue('', [], NOW);
    expect(due.map((d) => [d.status, d.reason])).toEqual(Array(5).fill(['not-evaluated', 'birth-date-unknown']));
  });
});
