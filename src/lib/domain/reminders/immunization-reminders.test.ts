import { describe, expect, test } from 'vitest';
import { evaluateReminders, type Reminder } from './index';
import { ctx, dose } from './test-factories';

/**
 * Immunization reminders, word for word, from the CDC 2025 schedules: when
 * a dose is due ("Due now", "Due since", "Overdue since" and the date), why,
 * and the vaccine the action records. Today is 1 December 2026, 10:00 UTC.
 */

const ADULT = { citation: 'CDC Recommended Adult Immunization Schedule, United States, 2025 (ACIP)', url: 'https://www.cdc.gov/vaccines/hcp/imz-schedules/adult-age.html' };
const INFLUENZA_SOURCE = {
  citation: 'CDC Recommended Adult Immunization Schedule, United States, 2025 (ACIP); CDC Recommended Child and Adolescent Immunization Schedule, United States, 2025 (ACIP)',
  url: 'https://www.cdc.gov/vaccines/hcp/imz-schedules/adult-age.html'
};
const immunizationsOf = (over: Parameters<typeof ctx>[0]) => evaluateReminders(ctx(over)).filter((r) => r.category === 'immunization');

describe('a 55-year-old with no vaccines recorded', () => {
  const all = immunizationsOf({});

  test('one reminder per vaccine group, in the order of the schedule', () => {
    expect(all.map((r) => r.id)).toEqual(['cdc-influenza', 'cdc-tetanus', 'cdc-pneumococcal', 'cdc-zoster', 'cdc-hepatitis-b']);
  });

  test.each<[string, Reminder]>([
    [
      'influenza: overdue after 31 October, since the season began on 1 August',
      {
        id: 'cdc-influenza',
        category: 'immunization',
        title: 'Influenza vaccine, every season',
        source: INFLUENZA_SOURCE,
        status: 'due',
        level: 'warn',
        overdue: true,
        detail: 'Overdue since 2026-08-01. No dose recorded this season (from 2026-08-01).',
        action: { kind: 'immunize', cvx: '140', label: 'Record Influenza, seasonal, injectable, preservative free' }
      }
    ],
    [
      'Td/Tdap: never given, due today',
      {
        id: 'cdc-tetanus',
        category: 'immunization',
        title: 'Td/Tdap booster every 10 years',
        source: ADULT,
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Due now. No tetanus-containing dose recorded: give Tdap unless an earlier dose is documented elsewhere.',
        action: { kind: 'immunize', cvx: '115', label: 'Record Tdap' }
      }
    ],
    [
      'pneumococcal: due since the 50th birthday',
      {
        id: 'cdc-pneumococcal',
        category: 'immunization',
        title: 'Pneumococcal vaccine at 50 and over',
        source: ADULT,
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Due since 2021-03-03. No pneumococcal conjugate vaccine recorded.',
        action: { kind: 'immunize', cvx: '216', label: 'Record Pneumococcal conjugate PCV20' }
      }
    ],
    [
      'zoster: due since the 50th birthday',
      {
        id: 'cdc-zoster',
        category: 'immunization',
        title: 'Recombinant zoster vaccine (2 doses) at 50 and over',
        source: ADULT,
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Due since 2021-03-03. No recombinant zoster vaccine recorded.',
        action: { kind: 'immunize', cvx: '187', label: 'Record Zoster vaccine recombinant (RZV)' }
      }
    ],
    [
      'hepatitis B: due today',
      {
        id: 'cdc-hepatitis-b',
        category: 'immunization',
        title: 'Hepatitis B vaccine, adults 19–59',
        source: ADULT,
        status: 'due',
        level: 'info',
        overdue: false,
        detail: 'Due now. No hepatitis B dose recorded (2-, 3- or 4-dose series depending on vaccine).',
        action: { kind: 'immunize', cvx: '43', label: 'Record Hep B, adult' }
      }
    ]
  ])('%s', (_, expected) => {
    expect(all.find((r) => r.id === expected.id)).toEqual(expected);
  });
});

describe('when the dose is due', () => {
  test('influenza in September: due since the season began, not yet overdue', () => {
    const r = immunizationsOf({ now: '2026-09-15T10:00:00.000Z' }).find((x) => x.id === 'cdc-influenza');
    expect(r).toMatchObject({ level: 'info', overdue: false, detail: 'Due since 2026-08-01. No dose recorded this season (from 2026-08-01).' });
  });

  test('Td booster more than 10 years after the last Tdap: overdue since the tenth anniversary, Td offered', () => {
    const r = immunizationsOf({ immunizations: [dose('115', '2014-05-10')] }).find((x) => x.id === 'cdc-tetanus');
    expect(r).toMatchObject({
      level: 'warn',
      overdue: true,
      detail: 'Overdue since 2024-05-10. Last dose more than 10 years ago.',
      action: { kind: 'immunize', cvx: '113', label: 'Record Td (adult) preservative free' }
    });
  });

  test('a Td booster falling due today is "Due now", whatever the time of day', () => {
    const r = immunizationsOf({ immunizations: [dose('115', '2016-12-01')] }).find((x) => x.id === 'cdc-tetanus');
    expect(r).toMatchObject({ status: 'due', detail: 'Due now. Last dose more than 10 years ago.' });
  });

  test('a dose given this season clears the influenza reminder', () => {
    expect(immunizationsOf({ immunizations: [dose('140', '2026-09-20')] }).map((r) => r.id)).not.toContain('cdc-influenza');
  });
});

describe('what the schedule cannot evaluate', () => {
  test('without a birth date, every vaccine group says so', () => {
    expect(immunizationsOf({ birthDate: '' })).toEqual(
      [
        ['cdc-influenza', 'Influenza'],
        ['cdc-tetanus', 'Tetanus, diphtheria (Td/Tdap)'],
        ['cdc-pneumococcal', 'Pneumococcal'],
        ['cdc-zoster', 'Zoster (shingles)'],
        ['cdc-hepatitis-b', 'Hepatitis B']
      ].map(([id, title]) => ({ id, category: 'immunization', title, source: ADULT, status: 'not-evaluated', reason: 'Birth date unknown' }))
    );
  });

  test('a child: influenza is checked, the rest of the child schedule is not', () => {
    const r = immunizationsOf({ birthDate: '2019-10-23' });
    expect(r.map((x) => [x.id, x.status])).toEqual([
      ['cdc-influenza', 'due'],
      ['cdc-tetanus', 'not-evaluated']
    ]);
    expect(r[1]).toEqual({
      id: 'cdc-tetanus',
      category: 'immunization',
      title: 'Child and adolescent schedule',
      source: { citation: 'CDC Recommended Child and Adolescent Immunization Schedule, United States, 2025 (ACIP)', url: 'https://www.cdc.gov/vaccines/hcp/imz-schedules/child-adolescent-age.html' },
      status: 'not-evaluated',
      reason: 'Only influenza is checked for under-19s: check the CDC child and adolescent schedule'
    });
  });
});
