import { describe, expect, it } from 'vitest';
import { membership } from './evaluate-measures';
import { measureById, type MeasureDefinition } from './measure-definitions';
import { calendarYear, type PatientFacts } from './measure-facts';
import { bp, condition, event, facts, result, visit } from './test-factories';

/**
 * Every measure at its boundaries, for the 2025 calendar year: ages on the
 * period's last day, dates on the period's (and look-back's) edges,
 * exclusions, and which reading counts. Each row writes out, by hand, the
 * populations the patient is in: ip (initial population), den
 * (denominator), excl (denominator exclusion), num (numerator).
 */

const P = calendarYear(2025);

function flags(m: MeasureDefinition, groupId: string, f: PatientFacts): string {
  const g = m.groups.find((x) => x.id === groupId)!;
  const r = membership(g, f, P);
  return [r.initialPopulation && 'ip', r.denominator && 'den', r.denominatorExclusion && 'excl', r.numerator && 'num'].filter(Boolean).join(' ');
}

const VISIT = visit('2025-03-01');

describe('CMS122 diabetes: glycemic status > 9% (inverse: numerator is poor control)', () => {
  const m = measureById('CMS122')!;
  const base = (over: Partial<PatientFacts> = {}) => facts({ conditions: [condition('icd10|E11.9')], encounters: [VISIT], ...over });
  const a1c = (date: string, value?: number, unit = '%') => result('loinc|4548-4', date, value, unit);
  const frailty = condition('icd10|R54', '2025-02-01');
  const heartFailure = condition('icd10|I50.9', '2024-06-01');
  it.each([
    ['18 on the period’s last day, no HbA1c: missing counts as poor control', base({ birthDate: '2007-12-31' }), 'ip den num'],
    ['17 on the last day', base({ birthDate: '2008-01-01' }), ''],
    ['75 on the last day', base({ birthDate: '1950-01-01' }), 'ip den num'],
    ['76 on the last day', base({ birthDate: '1949-12-31' }), ''],
    ['no birth date', base({ birthDate: '' }), ''],
    ['HbA1c 9.1%', base({ observations: [a1c('2025-06-01', 9.1)] }), 'ip den num'],
    ['HbA1c exactly 9.0% is not above 9', base({ observations: [a1c('2025-06-01', 9.0)] }), 'ip den'],
    ['most recent counts: 10.2% in Feb, 7.0% in Nov', base({ observations: [a1c('2025-11-01', 7.0), a1c('2025-02-01', 10.2)] }), 'ip den'],
    ['most recent counts: 7.0% in Feb, 9.5% in Nov', base({ observations: [a1c('2025-02-01', 7.0), a1c('2025-11-01', 9.5)] }), 'ip den num'],
    ['7.0% the day before the period only: none in period', base({ observations: [a1c('2024-12-31', 7.0)] }), 'ip den num'],
    ['7.0% on the period’s first day', base({ observations: [a1c('2025-01-01', 7.0)] }), 'ip den'],
    ['7.0% on the period’s last day', base({ observations: [a1c('2025-12-31', 7.0)] }), 'ip den'],
    ['7.0% the day after the period: none in period', base({ observations: [a1c('2026-01-01', 7.0)] }), 'ip den num'],
    ['a result without a value', base({ observations: [a1c('2025-06-01')] }), 'ip den num'],
    ['GMI 8.0% (97506-0) counts as a glycemic status', base({ observations: [result('loinc|97506-0', '2025-06-01', 8.0, '%')] }), 'ip den'],
    ['IFCC 75 mmol/mol = 9.01% NGSP', base({ observations: [a1c('2025-06-01', 75, 'mmol/mol')] }), 'ip den num'],
    ['IFCC 74 mmol/mol = 8.92% NGSP', base({ observations: [a1c('2025-06-01', 74, 'mmol/mol')] }), 'ip den'],
    ['no visit in the period', base({ encounters: [visit('2024-12-31'), visit('2026-01-01')] }), ''],
    ['visit on the period’s last day', base({ encounters: [visit('2025-12-31')] }), 'ip den num'],
    ['diabetes ended the day before the period', base({ conditions: [condition('icd10|E11.9', '2010-01-01', '2024-12-31')] }), ''],
    ['diabetes ended on the period’s first day', base({ conditions: [condition('icd10|E11.9', '2010-01-01', '2025-01-01')] }), 'ip den num'],
    ['diabetes diagnosed on the period’s last day', base({ conditions: [condition('icd10|E11.9', '2025-12-31')] }), 'ip den num'],
    ['diabetes diagnosed after the period', base({ conditions: [condition('icd10|E11.9', '2026-01-01')] }), ''],
    ['SNOMED CT diabetes type 2', base({ conditions: [condition('sct|44054006')] }), 'ip den num'],
    ['prediabetes R73.03 is not diabetes', base({ conditions: [condition('icd10|R73.03')] }), ''],
    ['hospice in the period', base({ events: [event('procedure', 'sct|385763009', '2025-05-01')] }), 'ip den excl'],
    ['hospice the year before', base({ events: [event('procedure', 'sct|385763009', '2024-05-01')] }), 'ip den num'],
    ['palliative care Z51.5 in the period', base({ conditions: [condition('icd10|E11.9'), condition('icd10|Z51.5', '2025-04-01')] }), 'ip den excl'],
    ['a visit typed "Palliative care visit"', base({ encounters: [visit('2025-04-01', 'Palliative care visit')] }), 'ip den excl'],
    ['66, frail and heart failure: excluded', base({ birthDate: '1959-12-31', conditions: [condition('icd10|E11.9'), frailty, heartFailure] }), 'ip den excl'],
    ['65, frail and heart failure: not (frailty rule starts at 66)', base({ birthDate: '1960-01-01', conditions: [condition('icd10|E11.9'), frailty, heartFailure] }), 'ip den num'],
    ['70, frail without advanced illness', base({ birthDate: '1955-01-01', conditions: [condition('icd10|E11.9'), frailty] }), 'ip den num'],
    ['70, advanced illness without frailty', base({ birthDate: '1955-01-01', conditions: [condition('icd10|E11.9'), heartFailure] }), 'ip den num'],
    ['70, frail, donepezil started the year before', base({ birthDate: '1955-01-01', conditions: [condition('icd10|E11.9'), frailty], events: [event('medication', null, '2024-01-01', 'Donepezil 5 mg tablet')] }), 'ip den excl'],
    ['70, frail, donepezil started two years before', base({ birthDate: '1955-01-01', conditions: [condition('icd10|E11.9'), frailty], events: [event('medication', null, '2023-12-31', 'Donepezil 5 mg tablet')] }), 'ip den num']
  ])('%s', (_name, f, expected) => {
    expect(flags(m, 'main', f)).toBe(expected);
  });
});

describe('CMS165 controlling high blood pressure', () => {
  const m = measureById('CMS165')!;
  const base = (over: Partial<PatientFacts> = {}) => facts({ conditions: [condition('icd10|I10')], encounters: [VISIT], ...over });
  const frailty = condition('icd10|R26.89', '2025-02-01');
  it.each([
    ['139/89', base({ observations: [bp('2025-10-01', 139, 89)] }), 'ip den num'],
    ['140/80: systolic not below 140', base({ observations: [bp('2025-10-01', 140, 80)] }), 'ip den'],
    ['130/90: diastolic not below 90', base({ observations: [bp('2025-10-01', 130, 90)] }), 'ip den'],
    ['most recent counts: 120/70 in March, 150/95 in November', base({ observations: [bp('2025-03-01', 120, 70), bp('2025-11-01', 150, 95)] }), 'ip den'],
    ['most recent counts: 150/95 in March, 120/70 in November', base({ observations: [bp('2025-11-01', 120, 70), bp('2025-03-01', 150, 95)] }), 'ip den num'],
    ['same day 150/85 and 135/95: lowest of each, 135/85', base({ observations: [bp('2025-11-01', 150, 85), bp('2025-11-01', 135, 95)] }), 'ip den num'],
    ['systolic and diastolic as separate readings', base({ observations: [result('loinc|8480-6', '2025-11-01', 130), result('loinc|8462-4', '2025-11-01', 80)] }), 'ip den num'],
    ['a day with only a systolic does not hide the day before', base({ observations: [bp('2025-10-01', 130, 80), result('loinc|8480-6', '2025-11-01', 160)] }), 'ip den num'],
    ['no reading', base(), 'ip den'],
    ['reading the day before the period only', base({ observations: [bp('2024-12-31', 120, 70)] }), 'ip den'],
    ['reading on the period’s last day', base({ observations: [bp('2025-12-31', 120, 70)] }), 'ip den num'],
    ['hypertension diagnosed June 30 (within the first six months)', base({ conditions: [condition('icd10|I10', '2025-06-30')] }), 'ip den'],
    ['hypertension diagnosed July 1', base({ conditions: [condition('icd10|I10', '2025-07-01')] }), ''],
    ['18 on the last day', base({ birthDate: '2007-12-31' }), 'ip den'],
    ['17 on the last day', base({ birthDate: '2008-01-01' }), ''],
    ['85 on the last day', base({ birthDate: '1940-01-01' }), 'ip den'],
    ['86 on the last day', base({ birthDate: '1939-12-31' }), ''],
    ['end-stage renal disease N18.6', base({ conditions: [condition('icd10|I10'), condition('icd10|N18.6', '2019-01-01')] }), 'ip den excl'],
    ['kidney transplant status Z94.0', base({ conditions: [condition('icd10|I10'), condition('icd10|Z94.0', '2019-01-01')] }), 'ip den excl'],
    ['pregnant in the period', base({ conditions: [condition('icd10|I10'), condition('icd10|O10.019', '2025-02-01', '2025-09-01')] }), 'ip den excl'],
    ['pregnancy ended the day before the period', base({ conditions: [condition('icd10|I10'), condition('icd10|Z34.90', '2024-03-01', '2024-12-31')] }), 'ip den'],
    ['81 and frail, no advanced illness: excluded', base({ birthDate: '1944-12-31', conditions: [condition('icd10|I10'), frailty] }), 'ip den excl'],
    ['80 and frail, no advanced illness', base({ birthDate: '1945-01-01', conditions: [condition('icd10|I10'), frailty] }), 'ip den'],
    ['hospice', base({ encounters: [VISIT, visit('2025-08-01', 'Hospice visit')] }), 'ip den excl']
  ])('%s', (_name, f, expected) => {
    expect(flags(m, 'main', f)).toBe(expected);
  });
});

describe('CMS125 breast cancer screening', () => {
  const m = measureById('CMS125')!;
  const base = (over: Partial<PatientFacts> = {}) => facts({ birthDate: '1965-06-01', encounters: [VISIT], ...over });
  const mammo = (date: string) => result('loinc|24606-6', date);
  it.each([
    ['52 on the last day', base({ birthDate: '1973-12-31' }), 'ip den'],
    ['51 on the last day', base({ birthDate: '1974-01-01' }), ''],
    ['74 on the last day', base({ birthDate: '1951-01-01' }), 'ip den'],
    ['75 on the last day', base({ birthDate: '1950-12-31' }), ''],
    ['registered male', base({ gender: 'male', observations: [mammo('2025-03-01')] }), ''],
    ['registered other', base({ gender: 'other' }), ''],
    ['mammogram October 1 two years before (first day of the look-back)', base({ observations: [mammo('2023-10-01')] }), 'ip den num'],
    ['mammogram September 30 two years before', base({ observations: [mammo('2023-09-30')] }), 'ip den'],
    ['mammogram on the period’s last day', base({ observations: [mammo('2025-12-31')] }), 'ip den num'],
    ['mammogram after the period', base({ observations: [mammo('2026-01-01')] }), 'ip den'],
    ['screening mammography as a HCPCS G0202 procedure', base({ events: [event('procedure', 'hcpcs|G0202', '2024-05-01')] }), 'ip den num'],
    ['SNOMED CT mammography report', base({ events: [event('report', 'sct|71651007', '2024-05-01')] }), 'ip den num'],
    ['no visit in the period', base({ encounters: [visit('2024-06-01')] }), ''],
    ['bilateral mastectomy Z90.13', base({ conditions: [condition('icd10|Z90.13', '2015-01-01')] }), 'ip den excl'],
    ['bilateral mastectomy after the period', base({ conditions: [condition('icd10|Z90.13', '2026-01-02')] }), 'ip den'],
    ['right mastectomy only', base({ conditions: [condition('icd10|Z90.11', '2015-01-01')] }), 'ip den'],
    ['right and left mastectomy', base({ conditions: [condition('icd10|Z90.11', '2015-01-01'), condition('icd10|Z90.12', '2018-01-01')] }), 'ip den excl'],
    ['palliative care', base({ events: [event('procedure', 'sct|103735009', '2025-07-01')] }), 'ip den excl']
  ])('%s', (_name, f, expected) => {
    expect(flags(m, 'main', f)).toBe(expected);
  });
});

describe('CMS130 colorectal cancer screening', () => {
  const m = measureById('CMS130')!;
  const base = (over: Partial<PatientFacts> = {}) => facts({ birthDate: '1965-06-01', gender: 'male', encounters: [VISIT], ...over });
  it.each([
    ['46 on the last day', base({ birthDate: '1979-12-31' }), 'ip den'],
    ['45 on the last day', base({ birthDate: '1980-01-01' }), ''],
    ['75 on the last day', base({ birthDate: '1950-01-01' }), 'ip den'],
    ['76 on the last day', base({ birthDate: '1949-12-31' }), ''],
    ['colonoscopy nine years before the period starts', base({ events: [event('procedure', 'sct|73761001', '2016-01-01')] }), 'ip den num'],
    ['colonoscopy a day earlier', base({ events: [event('procedure', 'sct|73761001', '2015-12-31')] }), 'ip den'],
    ['FIT on the period’s first day', base({ observations: [result('loinc|57905-2', '2025-01-01')] }), 'ip den num'],
    ['FIT the day before the period', base({ observations: [result('loinc|57905-2', '2024-12-31')] }), 'ip den'],
    ['stool DNA two years before', base({ observations: [result('loinc|77353-1', '2023-01-01')] }), 'ip den num'],
    ['stool DNA a day earlier', base({ observations: [result('loinc|77353-1', '2022-12-31')] }), 'ip den'],
    ['flexible sigmoidoscopy four years before', base({ events: [event('procedure', 'sct|44441009', '2021-01-01')] }), 'ip den num'],
    ['flexible sigmoidoscopy a day earlier', base({ events: [event('procedure', 'sct|44441009', '2020-12-31')] }), 'ip den'],
    ['CT colonography four years before', base({ events: [event('report', 'loinc|60515-4', '2021-01-01')] }), 'ip den num'],
    ['CT colonography a day earlier', base({ events: [event('report', 'loinc|60515-4', '2020-12-31')] }), 'ip den'],
    ['colon cancer C18.9', base({ conditions: [condition('icd10|C18.9', '2019-01-01')] }), 'ip den excl'],
    ['total colectomy', base({ events: [event('procedure', 'sct|26390003', '2012-01-01')] }), 'ip den excl'],
    ['hospice', base({ events: [event('procedure', 'sct|385763009', '2025-12-31')] }), 'ip den excl']
  ])('%s', (_name, f, expected) => {
    expect(flags(m, 'main', f)).toBe(expected);
  });
});

describe('CMS138 tobacco use screening and cessation intervention (three rates)', () => {
  const m = measureById('CMS138')!;
  const TWO = [visit('2025-02-01'), visit('2025-09-01')];
  const base = (over: Partial<PatientFacts> = {}) => facts({ birthDate: '1990-01-01', encounters: TWO, ...over });
  const smoker = (date: string) => result('loinc|72166-2', date, undefined, undefined, ['sct|449868002']);
  const never = (date: string) => result('loinc|72166-2', date, undefined, undefined, ['sct|266919005']);
  const counselling = (date: string) => event('procedure', 'sct|225323000', date);
  it.each([
    ['12 on the period’s first day, never smoked', base({ birthDate: '2013-01-01', observations: [never('2025-02-01')] }), ['ip den num', 'ip', 'ip den num']],
    ['11 on the period’s first day', base({ birthDate: '2013-01-02', observations: [never('2025-02-01')] }), ['', '', '']],
    ['one ordinary visit only', base({ encounters: [visit('2025-02-01')], observations: [never('2025-02-01')] }), ['', '', '']],
    ['one preventive visit', base({ encounters: [visit('2025-02-01', 'Annual physical')], observations: [never('2025-02-01')] }), ['ip den num', 'ip', 'ip den num']],
    ['smoker with counselling', base({ observations: [smoker('2025-02-01')], events: [counselling('2025-04-01')] }), ['ip den num', 'ip den num', 'ip den num']],
    ['smoker without intervention', base({ observations: [smoker('2025-02-01')] }), ['ip den num', 'ip den', 'ip den']],
    ['smoker, varenicline prescribed six months before the period', base({ observations: [smoker('2025-02-01')], events: [event('medication', null, '2024-07-01', 'Varenicline 1 mg tablet')] }), ['ip den num', 'ip den num', 'ip den num']],
    ['smoker, counselling a day earlier', base({ observations: [smoker('2025-02-01')], events: [counselling('2024-06-30')] }), ['ip den num', 'ip den', 'ip den']],
    ['not screened', base(), ['ip den', 'ip', 'ip den']],
    ['screened before the period only', base({ observations: [smoker('2024-12-31')] }), ['ip den', 'ip', 'ip den']],
    ['an assessment without an answer is not a screening', base({ observations: [result('loinc|72166-2', '2025-02-01')] }), ['ip den', 'ip', 'ip den']],
    ['most recent counts: smoker in February, never in September', base({ observations: [smoker('2025-02-01'), never('2025-09-01')] }), ['ip den num', 'ip', 'ip den num']],
    ['most recent counts: never in February, smoker in September', base({ observations: [never('2025-02-01'), smoker('2025-09-01')] }), ['ip den num', 'ip den', 'ip den']],
    ['hospice', base({ observations: [smoker('2025-02-01')], events: [event('procedure', 'sct|385763009', '2025-10-01')] }), ['ip den excl', 'ip den excl', 'ip den excl']]
  ])('%s', (_name, f, expected) => {
    expect(['screened', 'intervention', 'overall'].map((g) => flags(m, g, f))).toEqual(expected);
  });
});

describe('CMS2 depression screening and follow-up plan', () => {
  const m = measureById('CMS2')!;
  const VISIT_DAY = '2025-05-15';
  const base = (over: Partial<PatientFacts> = {}) => facts({ birthDate: '1990-01-01', encounters: [visit(VISIT_DAY)], ...over });
  const phq9 = (date: string, score: number) => result('loinc|44261-6', date, score);
  const plan = (date: string) => event('procedure', 'sct|306226009', date);
  it.each([
    ['PHQ-9 of 5 on the visit day', base({ observations: [phq9(VISIT_DAY, 5)] }), 'ip den num'],
    ['PHQ-9 of 5, 14 days before the visit', base({ observations: [phq9('2025-05-01', 5)] }), 'ip den num'],
    ['PHQ-9 of 5, 15 days before the visit', base({ observations: [phq9('2025-04-30', 5)] }), 'ip den'],
    ['PHQ-9 of 5 the day after the visit', base({ observations: [phq9('2025-05-16', 5)] }), 'ip den'],
    ['PHQ-9 of 12 with a referral two days after', base({ observations: [phq9(VISIT_DAY, 12)], events: [plan('2025-05-17')] }), 'ip den num'],
    ['PHQ-9 of 12 with a referral three days after', base({ observations: [phq9(VISIT_DAY, 12)], events: [plan('2025-05-18')] }), 'ip den'],
    ['PHQ-9 of 12 with no plan', base({ observations: [phq9(VISIT_DAY, 12)] }), 'ip den'],
    ['PHQ-9 of 10 is positive', base({ observations: [phq9(VISIT_DAY, 10)] }), 'ip den'],
    ['PHQ-9 of 9 is negative', base({ observations: [phq9(VISIT_DAY, 9)] }), 'ip den num'],
    ['PHQ-2 of 3 is positive', base({ observations: [result('loinc|55758-7', VISIT_DAY, 3)] }), 'ip den'],
    ['PHQ-2 of 2 is negative', base({ observations: [result('loinc|55758-7', VISIT_DAY, 2)] }), 'ip den num'],
    ['adult screening answered Positive, sertraline started', base({ observations: [result('loinc|73832-8', VISIT_DAY, undefined, undefined, ['loinc|LA6576-8'])], events: [event('medication', null, VISIT_DAY, 'Sertraline 50 mg tablet')] }), 'ip den num'],
    ['no screening', base(), 'ip den'],
    ['12 on the period’s first day', base({ birthDate: '2013-01-01' }), 'ip den'],
    ['11 on the period’s first day', base({ birthDate: '2013-01-02' }), ''],
    ['depression diagnosed before the visit', base({ conditions: [condition('icd10|F32.9', '2020-01-01')] }), 'ip den excl'],
    ['depression diagnosed on the visit day', base({ conditions: [condition('icd10|F32.9', VISIT_DAY)], observations: [phq9(VISIT_DAY, 12)], events: [plan(VISIT_DAY)] }), 'ip den num'],
    ['bipolar disorder F31.9', base({ conditions: [condition('icd10|F31.9', '2018-01-01')] }), 'ip den excl']
  ])('%s', (_name, f, expected) => {
    expect(flags(m, 'main', f)).toBe(expected);
  });
});

describe('rates and provider filter', () => {
  it('counts each population and the rate, and filters by the provider of the latest visit', async () => {
    const { evaluateMeasure, providersIn } = await import('./evaluate-measures');
    const m = measureById('CMS165')!;
    const hyper = [condition('icd10|I10')];
    const patients = [
      facts({ patientId: 'a', conditions: hyper, encounters: [visit('2025-03-01', 'Office visit', 'Dr B')], observations: [bp('2025-03-01', 120, 70)] }),
      facts({ patientId: 'b', conditions: hyper, encounters: [visit('2025-03-01', 'Office visit', 'Dr B'), visit('2025-06-01', 'Office visit', 'Dr A')], observations: [bp('2025-03-01', 150, 95)] }),
      facts({ patientId: 'c', conditions: [...hyper, condition('icd10|N18.6')], encounters: [visit('2025-03-01', 'Office visit', 'Dr A')] }),
      facts({ patientId: 'd', encounters: [visit('2025-03-01', 'Office visit', 'Dr A')] })
    ];
    const all = evaluateMeasure(m, patients, P);
    expect(all.groups[0].populations).toEqual({ initialPopulation: ['a', 'b', 'c'], denominator: ['a', 'b', 'c'], denominatorExclusion: ['c'], numerator: ['a'] });
    expect(all.groups[0].rate).toBe(0.5);
    const drA = evaluateMeasure(m, patients, P, { provider: 'Dr A' });
    expect(drA.groups[0].populations).toEqual({ initialPopulation: ['b', 'c'], denominator: ['b', 'c'], denominatorExclusion: ['c'], numerator: [] });
    expect(drA.groups[0].rate).toBe(0);
    expect(evaluateMeasure(m, patients, P, { provider: 'Dr C' }).groups[0].rate).toBeNull();
    expect(providersIn(patients, P)).toEqual(['Dr A', 'Dr B']);
  });
});
