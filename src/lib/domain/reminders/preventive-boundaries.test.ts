import { describe, expect, test } from 'vitest';
import { evaluateReminders, type ReminderContext } from './index';
import { bmi, bp, ctx, find, named, obs, procedure, report } from './test-factories';

/**
 * The edges of each USPSTF rule: the age band in whole years (a birthday
 * counts from its day; today is 1 December 2026), the sex the screening is
 * defined by, and how long each kind of evidence meets the rule. An interval
 * of n years is n × 365.25 days counted back from now (10:00 UTC); a date
 * without a time is midnight UTC.
 */

const statusOf = (id: string, over: Partial<ReminderContext>) => find(evaluateReminders(ctx(over)), id)?.status ?? 'none';

describe('age bands: the day before the birthday that enters the band, that birthday, the last day in the band, the birthday that leaves it', () => {
  test.each<[string, string, Partial<ReminderContext>, [string, string, string, string]]>([
    // USPSTF Colorectal Cancer: Screening, 2021: 45 to 75.
    ['uspstf-colorectal-cancer', 'colorectal 45–75', {}, ['1981-12-02', '1981-12-01', '1950-12-02', '1950-12-01']],
    // USPSTF Breast Cancer: Screening, 2024: women 40 to 74.
    ['uspstf-breast-cancer', 'breast 40–74', { gender: 'female' }, ['1986-12-02', '1986-12-01', '1951-12-02', '1951-12-01']],
    // USPSTF Cervical Cancer: Screening, 2018: women 21 to 65.
    ['uspstf-cervical-cancer', 'cervical 21–65', { gender: 'female' }, ['2005-12-02', '2005-12-01', '1960-12-02', '1960-12-01']],
    // USPSTF Prediabetes and Type 2 Diabetes: Screening, 2021: 35 to 70 with overweight or obesity.
    ['uspstf-prediabetes-diabetes', 'diabetes 35–70', { observations: [bmi(31)] }, ['1991-12-02', '1991-12-01', '1955-12-02', '1955-12-01']],
    // USPSTF Statin Use for Primary Prevention of CVD, 2022: 40 to 75.
    ['uspstf-statin-lipids', 'lipids 40–75', {}, ['1986-12-02', '1986-12-01', '1950-12-02', '1950-12-01']],
    // USPSTF Depression and Suicide Risk in Children and Adolescents, 2022: 12 to 18.
    ['uspstf-depression-adolescents', 'depression 12–18', {}, ['2014-12-02', '2014-12-01', '2007-12-02', '2007-12-01']],
    // USPSTF Hepatitis C Virus Infection: Screening, 2020: 18 to 79.
    ['uspstf-hepatitis-c', 'hepatitis C 18–79', {}, ['2008-12-02', '2008-12-01', '1946-12-02', '1946-12-01']],
    // USPSTF HIV Infection: Screening, 2019: 15 to 65.
    ['uspstf-hiv', 'HIV 15–65', {}, ['2011-12-02', '2011-12-01', '1960-12-02', '1960-12-01']]
  ])('%s (%s)', (id, _, over, [dayBeforeFirst, first, last, leaves]) => {
    expect(statusOf(id, { ...over, birthDate: dayBeforeFirst })).toBe('none');
    expect(statusOf(id, { ...over, birthDate: first })).toBe('due');
    expect(statusOf(id, { ...over, birthDate: last })).toBe('due');
    expect(statusOf(id, { ...over, birthDate: leaves })).toBe('none');
  });

  test.each([
    // USPSTF Hypertension in Adults: Screening, 2021: adults 18 and over.
    ['uspstf-hypertension', 'blood pressure from 18', '2008-12-02', '2008-12-01'],
    // USPSTF Depression and Suicide Risk in Adults, 2023: adults (the adolescent rule covers 12–18).
    ['uspstf-depression-adults', 'depression from 19', '2007-12-02', '2007-12-01'],
    // USPSTF Tobacco Smoking Cessation in Adults, 2021: adults 18 and over.
    ['uspstf-tobacco', 'tobacco from 18', '2008-12-02', '2008-12-01']
  ])('%s (%s, no upper age)', (id, _, dayBeforeFirst, first) => {
    expect(statusOf(id, { birthDate: dayBeforeFirst })).toBe('none');
    expect(statusOf(id, { birthDate: first })).toBe('due');
    expect(statusOf(id, { birthDate: '1921-12-01' })).toBe('due');
  });

  test('without a birth date every preventive rule is shown as not evaluated, with the reason', () => {
    const all = evaluateReminders(ctx({ birthDate: '', gender: 'female' })).filter((r) => r.category === 'preventive');
    expect(all.map((r) => [r.id, r.status === 'not-evaluated' ? r.reason : r.status])).toEqual([
      ['uspstf-colorectal-cancer', 'Birth date unknown'],
      ['uspstf-breast-cancer', 'Birth date unknown'],
      ['uspstf-cervical-cancer', 'Birth date unknown'],
      ['uspstf-hypertension', 'Birth date unknown'],
      ['uspstf-prediabetes-diabetes', 'Birth date unknown'],
      ['uspstf-statin-lipids', 'Birth date unknown'],
      ['uspstf-depression-adults', 'Birth date unknown'],
      ['uspstf-depression-adolescents', 'Birth date unknown'],
      ['uspstf-tobacco', 'Birth date unknown'],
      ['uspstf-hepatitis-c', 'Birth date unknown'],
      ['uspstf-hiv', 'Birth date unknown']
    ]);
  });
});

describe('sex: breast and cervical screening are defined by sex assigned at birth', () => {
  const anatomy = (recorded: string) =>
    `Sex recorded as ${recorded}: this screening depends on anatomy; decide with the patient`;
  test.each([
    ['female', 'due', 'due'],
    ['male', 'none', 'none'],
    ['other', anatomy('other'), anatomy('other')],
    ['unknown', anatomy('unknown'), anatomy('unknown')],
    ['', anatomy('unknown'), anatomy('unknown')]
  ])('recorded as "%s"', (gender, breast, cervical) => {
    // A 45-year-old: in both bands.
    const all = evaluateReminders(ctx({ gender, birthDate: '1981-12-01' }));
    const outcome = (id: string) => {
      const r = find(all, id);
      return r === undefined ? 'none' : r.status === 'not-evaluated' ? r.reason : r.status;
    };
    expect(outcome('uspstf-breast-cancer')).toBe(breast);
    expect(outcome('uspstf-cervical-cancer')).toBe(cervical);
  });

  test('rules that do not depend on sex are evaluated whatever sex is recorded', () => {
    for (const gender of ['female', 'male', 'other', 'unknown', '']) {
      expect(statusOf('uspstf-colorectal-cancer', { gender })).toBe('due');
      expect(statusOf('uspstf-hiv', { gender, birthDate: '1981-12-01' })).toBe('due');
    }
  });
});

describe('intervals: the last day a result still counts and the first day it no longer does', () => {
  // [rule, evidence, patient, still counts, no longer counts]
  test.each<[string, string, Partial<ReminderContext>, (at: string) => Partial<ReminderContext>, string, string]>([
    ['uspstf-colorectal-cancer', 'colonoscopy, 10 years', {}, (at) => ({ procedures: [procedure('73761001', 'Colonoscopy', at)] }), '2016-12-01', '2016-11-30'],
    ['uspstf-colorectal-cancer', 'CT colonography or sigmoidoscopy, 5 years', {}, (at) => ({ procedures: [procedure('44441009', 'Flexible sigmoidoscopy', at)] }), '2021-12-02', '2021-12-01'],
    ['uspstf-colorectal-cancer', 'stool DNA-FIT, 3 years', {}, (at) => ({ observations: [obs('77353-1', at)] }), '2023-12-02', '2023-12-01'],
    ['uspstf-colorectal-cancer', 'FIT, 1 year', {}, (at) => ({ observations: [obs('57905-2', at)] }), '2025-12-02', '2025-12-01'],
    ['uspstf-breast-cancer', 'mammogram, 2 years', { gender: 'female' }, (at) => ({ reports: [report('24606-6', 'Mammogram', at)] }), '2024-12-01', '2024-11-30'],
    ['uspstf-cervical-cancer', 'cervical cytology, 3 years', { gender: 'female', birthDate: '1991-01-01' }, (at) => ({ observations: [obs('10524-7', at)] }), '2023-12-02', '2023-12-01'],
    ['uspstf-cervical-cancer', 'high-risk HPV test, 5 years', { gender: 'female', birthDate: '1986-01-01' }, (at) => ({ observations: [obs('30167-1', at)] }), '2021-12-02', '2021-12-01'],
    ['uspstf-hypertension', 'blood pressure at 40 and over, 1 year', {}, (at) => ({ observations: [obs('85354-9', at)] }), '2025-12-02', '2025-12-01'],
    ['uspstf-prediabetes-diabetes', 'HbA1c or glucose, 3 years', {}, (at) => ({ observations: [bmi(31), obs('4548-4', at)] }), '2023-12-02', '2023-12-01'],
    ['uspstf-statin-lipids', 'lipid panel, 5 years', {}, (at) => ({ observations: [obs('2093-3', at)] }), '2021-12-02', '2021-12-01'],
    ['uspstf-depression-adults', 'PHQ, 1 year', {}, (at) => ({ observations: [obs('44261-6', at)] }), '2025-12-02', '2025-12-01'],
    ['uspstf-depression-adolescents', 'PHQ, 1 year', { birthDate: '2011-01-01' }, (at) => ({ observations: [obs('44261-6', at)] }), '2025-12-02', '2025-12-01'],
    ['uspstf-tobacco', 'smoking status, 1 year', {}, (at) => ({ observations: [obs('72166-2', at)] }), '2025-12-02', '2025-12-01']
  ])('%s: %s', (id, _, patient, evidence, counts, lapsed) => {
    expect(statusOf(id, { ...patient, ...evidence(counts) })).toBe('none');
    expect(statusOf(id, { ...patient, ...evidence(lapsed) })).toBe('due');
  });

  test.each([
    ['uspstf-hepatitis-c', obs('13955-0', '1990-01-01')],
    ['uspstf-hiv', obs('75622-1', '1990-01-01')]
  ])('%s: one test in adulthood is enough, however long ago', (id, test) => {
    expect(statusOf(id, { birthDate: '1971-03-03', observations: [test] })).toBe('none');
  });

  test('blood pressure 18–39: every 3 years, so a reading inside 3 years stops the rule and one outside it makes a reading due', () => {
    const thirty = { birthDate: '1996-01-01' };
    expect(statusOf('uspstf-hypertension', { ...thirty, observations: [obs('85354-9', '2023-12-02')] })).toBe('none');
    expect(statusOf('uspstf-hypertension', { ...thirty, observations: [obs('85354-9', '2023-12-01')] })).toBe('due');
    expect(statusOf('uspstf-hypertension', { ...thirty })).toBe('due');
  });

  test('blood pressure: yearly from the 40th birthday, every 3 years the day before it', () => {
    const reading = { observations: [obs('85354-9', '2025-06-01')] };
    expect(statusOf('uspstf-hypertension', { birthDate: '1986-12-02', ...reading })).toBe('none');
    expect(statusOf('uspstf-hypertension', { birthDate: '1986-12-01', ...reading })).toBe('due');
  });

  test('blood pressure: a panel coded 55284-4 (as Synthea sends it) counts too', () => {
    expect(statusOf('uspstf-hypertension', { observations: [obs('55284-4', '2026-06-01')] })).toBe('none');
  });

  test('an abnormal blood pressure reading still counts as the screening', () => {
    expect(statusOf('uspstf-hypertension', { observations: [bp('bp1', 150, 95, '2026-06-01')] })).toBe('none');
  });

  test('a result known only by its name counts like a coded one', () => {
    expect(statusOf('uspstf-tobacco', { observations: [named('Tobacco smoking status', '2026-06-01')] })).toBe('none');
  });
});
