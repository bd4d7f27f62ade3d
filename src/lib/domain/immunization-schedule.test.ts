import { describe, expect, it, test } from 'vitest';
import type { Immunization } from './clinical';
import { cvxOf, immunizationSchedule, influenzaSeasonStart, type ScheduleItem } from './immunization-schedule';

const dose = (cvx: string, date: string, status: Immunization['status'] = 'completed'): Immunization => ({
  id: `${cvx}-${date}`,
  status,
  vaccineCode: { text: `CVX ${cvx}`, coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: cvx }] },
  occurrenceDateTime: date,
  createdAt: '',
  createdBy: '',
  updatedAt: '',
  updatedBy: ''
});
const now = '2026-12-01T10:00:00Z';
const item = (items: ScheduleItem[], group: string) => items.find((i) => i.group === group);

describe('influenza season', () => {
  test.each([
    ['2026-12-01', '2026-08-01'],
    ['2026-08-01', '2026-08-01'],
    ['2026-07-31', '2025-08-01'],
    ['2027-03-15', '2026-08-01']
  ])('%s is in the season from %s', (on, start) => expect(influenzaSeasonStart(on)).toBe(start));
});

describe('immunization schedule (CDC 2025 subset)', () => {
  test.each([
    ['adult with no influenza dose this season', '1980-01-01', [dose('140', '2025-10-01')], 'influenza', 'due', true],
    ['adult given influenza this season', '1980-01-01', [dose('140', '2026-09-15')], 'influenza', 'up-to-date', false],
    ['a dose entered in error does not count', '1980-01-01', [dose('140', '2026-09-15', 'entered-in-error')], 'influenza', 'due', true],
    ['infant under 6 months', '2026-08-01', [], 'influenza', 'up-to-date', false],
    ['Td 9 years ago', '1980-01-01', [dose('113', '2017-12-02')], 'tetanus', 'up-to-date', false],
    ['Td 11 years ago', '1980-01-01', [dose('113', '2015-11-01')], 'tetanus', 'due', true],
    ['no tetanus dose recorded', '1980-01-01', [], 'tetanus', 'due', false],
    ['PCV20 at 66', '1960-01-01', [dose('216', '2026-01-01')], 'pneumococcal', 'up-to-date', false],
    ['PCV15 then PPSV23', '1960-01-01', [dose('215', '2024-01-01'), dose('33', '2025-02-01')], 'pneumococcal', 'up-to-date', false],
    ['PCV15 alone, over a year ago', '1960-01-01', [dose('215', '2024-01-01')], 'pneumococcal', 'due', true],
    ['no pneumococcal vaccine at 55', '1971-03-03', [], 'pneumococcal', 'due', false],
    ['under 50: no pneumococcal due', '1990-01-01', [], 'pneumococcal', 'up-to-date', false],
    ['two RZV doses', '1960-01-01', [dose('187', '2025-01-01'), dose('187', '2025-04-01')], 'zoster', 'up-to-date', false],
    ['one RZV dose a month ago', '1960-01-01', [dose('187', '2026-11-01')], 'zoster', 'up-to-date', false],
    ['one RZV dose 8 months ago', '1960-01-01', [dose('187', '2026-04-01')], 'zoster', 'due', true],
    ['live zoster does not count', '1960-01-01', [dose('121', '2015-04-01')], 'zoster', 'due', false],
    ['hep B at 30 with none', '1996-01-01', [], 'hepatitis-b', 'due', false],
    ['hep B at 30 with a dose (pediatric code written as 8)', '1996-01-01', [dose('8', '1996-01-02')], 'hepatitis-b', 'up-to-date', false]
  ])('%s', (_, birthDate, immunizations, group, status, overdue) => {
    const i = item(immunizationSchedule({ birthDate, immunizations, now }), group);
    expect(i?.status).toBe(status);
    if (i?.status === 'due') expect(i.overdue).toBe(overdue);
  });

  it('hepatitis B is not offered universally from 60', () => {
    expect(item(immunizationSchedule({ birthDate: '1960-01-01', immunizations: [], now }), 'hepatitis-b')).toBeUndefined();
  });

  it('without a birth date every group is shown as not evaluated', () => {
    const items = immunizationSchedule({ birthDate: '', immunizations: [], now });
    expect(items.length).toBe(5);
    expect(items.every((i) => i.status === 'not-evaluated' && i.reason === 'Birth date unknown')).toBe(true);
  });

  it('a child gets influenza and a not-evaluated note for the rest of the child schedule', () => {
    const items = immunizationSchedule({ birthDate: '2019-10-23', immunizations: [], now });
    expect(items.map((i) => i.status)).toEqual(['due', 'not-evaluated']);
    expect(items[1]).toMatchObject({ reason: expect.stringContaining('child and adolescent schedule') });
  });

  it('zero-pads one-digit CVX codes', () => {
    expect(cvxOf(dose('3', '2020-01-01'))).toBe('03');
  });
});
