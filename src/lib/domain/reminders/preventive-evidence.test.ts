import { describe, expect, test } from 'vitest';
import type { Condition } from '../chart';
import { evaluateReminders, type ReminderContext } from './index';
import { bmi, ctx, find, named, obs, problem, procedure, report } from './test-factories';

/**
 * The evidence each rule recognises: every code it lists (LOINC for tests,
 * SNOMED CT for procedures, ICD-10-CM by prefix for problems) and every
 * name it reads when a record arrives with text only. Each case holds one
 * recent entry and nothing else that could meet the rule.
 */

const statusOf = (id: string, over: Partial<ReminderContext>) => find(evaluateReminders(ctx(over)), id)?.status ?? 'none';
const recent = '2026-10-01';

describe('a recent coded result meets the rule', () => {
  test.each<[string, string, Partial<ReminderContext>]>([
    ['uspstf-colorectal-cancer', '57905-2', {}],
    ['uspstf-colorectal-cancer', '29771-3', {}],
    ['uspstf-colorectal-cancer', '77353-1', {}],
    ['uspstf-breast-cancer', '24606-6', { gender: 'female' }],
    ['uspstf-cervical-cancer', '10524-7', { gender: 'female' }],
    ['uspstf-cervical-cancer', '19762-4', { gender: 'female' }],
    ['uspstf-cervical-cancer', '47527-7', { gender: 'female' }],
    ['uspstf-cervical-cancer', '47528-5', { gender: 'female' }],
    ['uspstf-cervical-cancer', '21440-3', { gender: 'female' }],
    ['uspstf-cervical-cancer', '30167-1', { gender: 'female' }],
    ['uspstf-hypertension', '85354-9', {}],
    ['uspstf-hypertension', '55284-4', {}],
    ['uspstf-prediabetes-diabetes', '4548-4', { observations: [bmi(31)] }],
    ['uspstf-prediabetes-diabetes', '17856-6', { observations: [bmi(31)] }],
    ['uspstf-prediabetes-diabetes', '1558-6', { observations: [bmi(31)] }],
    ['uspstf-prediabetes-diabetes', '2339-0', { observations: [bmi(31)] }],
    ['uspstf-prediabetes-diabetes', '2345-7', { observations: [bmi(31)] }],
    ['uspstf-statin-lipids', '57698-3', {}],
    ['uspstf-statin-lipids', '24331-1', {}],
    ['uspstf-statin-lipids', '2093-3', {}],
    ['uspstf-statin-lipids', '18262-6', {}],
    ['uspstf-statin-lipids', '13457-7', {}],
    ['uspstf-statin-lipids', '2089-1', {}],
    ['uspstf-depression-adults', '55757-9', {}],
    ['uspstf-depression-adults', '55758-7', {}],
    ['uspstf-depression-adults', '44249-1', {}],
    ['uspstf-depression-adults', '44261-6', {}],
    ['uspstf-depression-adolescents', '55757-9', { birthDate: '2011-06-01' }],
    ['uspstf-depression-adolescents', '44261-6', { birthDate: '2011-06-01' }],
    ['uspstf-tobacco', '72166-2', {}],
    ['uspstf-tobacco', '11367-0', {}],
    ['uspstf-hepatitis-c', '13955-0', {}],
    ['uspstf-hepatitis-c', '16128-1', {}],
    ['uspstf-hepatitis-c', '11259-9', {}],
    ['uspstf-hiv', '75622-1', {}],
    ['uspstf-hiv', '56888-1', {}],
    ['uspstf-hiv', '7917-8', {}]
  ])('%s: %s', (id, code, patient) => {
    const before = (patient.observations ?? []) as ReminderContext['observations'];
    expect(statusOf(id, patient)).toBe('due');
    expect(statusOf(id, { ...patient, observations: [...before, obs(code, recent)] })).toBe('none');
  });

  test.each([
    ['uspstf-colorectal-cancer', '73761001', 'procedure', {}],
    ['uspstf-colorectal-cancer', '44441009', 'procedure', {}],
    ['uspstf-breast-cancer', '71651007', 'procedure', { gender: 'female' }],
    ['uspstf-breast-cancer', '24623002', 'procedure', { gender: 'female' }],
    ['uspstf-breast-cancer', '24606-6', 'report', { gender: 'female' }]
  ])('%s: %s as a %s', (id, code, kind, patient) => {
    const entry = kind === 'report' ? { reports: [report(code, 'Imaging study', recent)] } : { procedures: [procedure(code, 'Imaging or endoscopy', recent)] };
    expect(statusOf(id, patient)).toBe('due');
    expect(statusOf(id, { ...patient, ...entry })).toBe('none');
  });

  test('a code the rule does not list does not meet it', () => {
    // 2085-9 is HDL cholesterol alone; 57021-8 is a blood count.
    expect(statusOf('uspstf-colorectal-cancer', { observations: [obs('57021-8', recent)] })).toBe('due');
    expect(statusOf('uspstf-statin-lipids', { observations: [obs('2085-9', recent)] })).toBe('due');
  });
});

describe('a recent result known by its name only meets the rule', () => {
  test.each<[string, string, Partial<ReminderContext>]>([
    ['uspstf-colorectal-cancer', 'Screening colonoscopy', {}],
    ['uspstf-colorectal-cancer', 'FIT', {}],
    ['uspstf-colorectal-cancer', 'Fecal immunochemical test', {}],
    ['uspstf-colorectal-cancer', 'Occult blood, stool', {}],
    ['uspstf-colorectal-cancer', 'Stool DNA test', {}],
    ['uspstf-colorectal-cancer', 'Cologuard', {}],
    ['uspstf-colorectal-cancer', 'Flexible sigmoidoscopy', {}],
    ['uspstf-colorectal-cancer', 'CT colonography', {}],
    ['uspstf-breast-cancer', 'Screening mammography', { gender: 'female' }],
    ['uspstf-cervical-cancer', 'Pap smear', { gender: 'female' }],
    ['uspstf-cervical-cancer', 'Pap test', { gender: 'female' }],
    ['uspstf-cervical-cancer', 'Cervical cytology', { gender: 'female' }],
    ['uspstf-cervical-cancer', 'Cervical smear', { gender: 'female' }],
    ['uspstf-cervical-cancer', 'Papanicolaou stain', { gender: 'female' }],
    ['uspstf-cervical-cancer', 'HPV high risk', { gender: 'female' }],
    ['uspstf-cervical-cancer', 'Human papillomavirus DNA', { gender: 'female' }],
    ['uspstf-depression-adults', 'PHQ-9', {}],
    ['uspstf-depression-adults', 'PHQ9', {}],
    ['uspstf-depression-adults', 'PHQ-2', {}],
    ['uspstf-depression-adults', 'Patient Health Questionnaire', {}],
    ['uspstf-tobacco', 'Tobacco use', {}],
    ['uspstf-tobacco', 'Smoking status', {}],
    ['uspstf-hepatitis-c', 'Hepatitis C virus Ab', {}],
    ['uspstf-hepatitis-c', 'HCV RNA', {}],
    ['uspstf-hiv', 'HIV 1+2 Ab', {}]
  ])('%s: "%s"', (id, text, patient) => {
    expect(statusOf(id, patient)).toBe('due');
    expect(statusOf(id, { ...patient, observations: [named(text, recent)] })).toBe('none');
  });

  test('a PHQ-A, the screen the adolescent reminder asks for, meets it when recorded under that name', () => {
    const teenager = { birthDate: '2011-06-01' };
    expect(find(evaluateReminders(ctx(teenager)), 'uspstf-depression-adolescents')).toMatchObject({ action: { kind: 'review', label: 'Screen with PHQ-A' } });
    expect(statusOf('uspstf-depression-adolescents', { ...teenager, observations: [named('PHQ-A', recent)] })).toBe('none');
    expect(statusOf('uspstf-depression-adolescents', { ...teenager, observations: [named('PHQ-A (modified PHQ-9 for adolescents)', recent)] })).toBe('none');
  });

  test.each<[string, string, Partial<ReminderContext>]>([
    ['uspstf-colorectal-cancer', 'Fitness assessment', {}],
    ['uspstf-cervical-cancer', 'Papillary thyroid biopsy', { gender: 'female' }],
    ['uspstf-depression-adults', 'PHQ-15 somatic symptoms', {}],
    ['uspstf-depression-adults', 'PHQ-Anything else', {}],
    ['uspstf-hiv', 'Archived HIVE sample', {}]
  ])('%s: "%s" is not the screening', (id, text, patient) => {
    expect(statusOf(id, { ...patient, observations: [named(text, recent)] })).toBe('due');
  });
});

describe('diabetes screening: who already has diabetes, and who counts as overweight', () => {
  const overweight = { observations: [bmi(31)] };
  const diabetic = (code: string, text: string, extra = {}) => statusOf('uspstf-prediabetes-diabetes', { ...overweight, conditions: [problem(text, code, extra)] });

  test.each([
    ['44054006', 'T2DM'],
    ['73211009', 'DM'],
    ['46635009', 'T1DM'],
    ['E10.9', 'T1DM without complications'],
    ['E11.65', 'T2DM with hyperglycaemia'],
    ['', 'Type 2 diabetes mellitus'],
    ['', 'Diabetes']
  ])('diabetes on the problem list (%s "%s") ends screening', (code, text) => {
    expect(diabetic(code, text)).toBe('none');
  });

  test('an ICD-10-CM E11 code among other codings of the same problem counts', () => {
    const p = problem('T2DM', 'E11.9', { code: { text: 'T2DM', coding: [{ code: 'LOCAL-123' }, { code: 'E11.9' }] } });
    expect(statusOf('uspstf-prediabetes-diabetes', { ...overweight, conditions: [p] })).toBe('none');
  });

  test.each([
    ['15777000', 'Prediabetes'],
    ['', 'Pre-diabetes'],
    ['R73.03', 'Prediabetes (ICD-10-CM)'],
    ['E13.9', 'Other specified DM'],
    ['XE11', 'Local code']
  ])('not diabetes (%s "%s"): still screened', (code, text) => {
    expect(diabetic(code, text)).toBe('due');
  });

  test.each(['recurrence', 'relapse'] as const)('a diabetes problem in %s counts as active', (clinicalStatus) => {
    expect(diabetic('44054006', 'T2DM', { clinicalStatus })).toBe('none');
  });

  test.each(['resolved', 'inactive', 'remission'] as const)('a diabetes problem that is %s does not stop screening', (clinicalStatus) => {
    expect(diabetic('44054006', 'T2DM', { clinicalStatus })).toBe('due');
  });

  test('a diabetes problem entered in error does not stop screening', () => {
    expect(diabetic('44054006', 'T2DM', { verificationStatus: 'entered-in-error' })).toBe('due');
  });

  test('a diabetes diagnosis that was ruled out (refuted) does not stop screening', () => {
    expect(diabetic('44054006', 'T2DM', { verificationStatus: 'refuted' })).toBe('due');
    expect(diabetic('', 'Type 2 diabetes mellitus', { verificationStatus: 'refuted' })).toBe('due');
  });

  test('without a BMI, a ruled-out (refuted) obesity does not make screening due', () => {
    expect(statusOf('uspstf-prediabetes-diabetes', { conditions: [problem('Obesity (disorder)', '414916001', { verificationStatus: 'refuted' })] })).toBe('not-evaluated');
  });

  test('the latest BMI decides: 25 is overweight, 24.9 is not', () => {
    expect(statusOf('uspstf-prediabetes-diabetes', { observations: [bmi(25)] })).toBe('due');
    expect(statusOf('uspstf-prediabetes-diabetes', { observations: [bmi(24.9)] })).toBe('none');
    expect(statusOf('uspstf-prediabetes-diabetes', { observations: [bmi(22, '2026-06-01'), bmi(31, '2025-01-01')] })).toBe('none');
    expect(statusOf('uspstf-prediabetes-diabetes', { observations: [bmi(31, '2026-06-01'), bmi(22, '2025-01-01')] })).toBe('due');
  });

  test('a measured BMI outranks the problem list', () => {
    expect(statusOf('uspstf-prediabetes-diabetes', { observations: [bmi(22)], conditions: [problem('Obesity', '414916001')] })).toBe('none');
  });

  test('without a BMI the rule is not evaluated, and says what to record', () => {
    expect(find(evaluateReminders(ctx()), 'uspstf-prediabetes-diabetes')).toMatchObject({
      status: 'not-evaluated',
      reason: 'No BMI recorded: record height and weight'
    });
  });

  test.each([
    ['238131007', 'Excess weight (finding)'],
    ['414916001', 'Adiposity (disorder)'],
    ['162864005', 'BMI 30+'],
    ['162863004', 'BMI 25-29'],
    ['E66.9', 'E66.9'],
    ['', 'Obesity'],
    ['', 'Overweight'],
    ['', 'Body mass index 27.0-27.9, adult'],
    ['', 'Body mass index 35.0-35.9, adult'],
    ['', 'Body mass index 40.0-44.9, adult']
  ])('without a BMI, overweight or obesity on the problem list (%s "%s") makes screening due', (code, text) => {
    expect(statusOf('uspstf-prediabetes-diabetes', { conditions: [problem(text, code)] })).toBe('due');
  });

  test.each<[string, string, Partial<Condition>]>([
    ['', 'Body mass index 24.0-24.9, adult', {}],
    ['', 'Body mass index 19.0-19.9, adult', {}],
    ['Z68.1', 'BMI 19.9 or less, adult', {}],
    ['414916001', 'Obesity (disorder), resolved', { clinicalStatus: 'resolved' }]
  ])('a problem that is not overweight (%s "%s") leaves the rule not evaluated', (code, text, extra) => {
    expect(statusOf('uspstf-prediabetes-diabetes', { conditions: [problem(text, code, extra)] })).toBe('not-evaluated');
  });
});
