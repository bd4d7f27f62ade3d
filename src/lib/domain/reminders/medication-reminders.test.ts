import { describe, expect, test } from 'vitest';
import type { MedicationInput } from '../drugs';
import { evaluateReminders, REMINDER_COVERAGE } from './index';
import { statinIds } from './medications';
import { ctx, find, NOW, problem } from './test-factories';

/**
 * The statin reminder (ADA Standards of Care in Diabetes—2025, section 10):
 * an adult with diabetes aged 40–75 without an active statin is offered
 * moderate-intensity atorvastatin. Today is 1 December 2026 in every test.
 */

const ID = 'ada-statin-diabetes';
const T2DM = problem('Type 2 diabetes mellitus', '44054006');
const statin = (text: string, codings?: MedicationInput['codings']): MedicationInput => ({ id: text, text, codings });
const rule = (over: Parameters<typeof ctx>[0] = {}) => find(evaluateReminders(ctx({ conditions: [T2DM], ...over })), ID);

describe('statin for adults with diabetes, 40–75', () => {
  test('NOW is the date the birthdays below are counted from', () => expect(NOW).toBe('2026-12-01T10:00:00.000Z'));

  test('a 55-year-old with type 2 diabetes and no medication: due, with "Prescribe atorvastatin 20 mg" (one tablet daily, 30 days)', () => {
    const r = rule();
    expect(r).toMatchObject({ status: 'due', category: 'preventive', title: 'Statin therapy: diabetes, 40–75 years', level: 'info' });
    expect(r?.status === 'due' && r.action).toEqual({
      kind: 'prescribe',
      label: 'Prescribe atorvastatin 20 mg',
      drugId: 'atorvastatin',
      strength: '20 mg',
      form: 'tablet',
      dose: { value: 1, unit: 'tablet' },
      frequency: 'once-daily',
      supplyDays: 30
    });
    expect(r?.source.citation).toContain('Standards of Care in Diabetes—2025, section 10');
    expect(r?.source.url).toBe('https://doi.org/10.2337/dc25-S010');
  });

  test.each([
    ['39 (40th birthday tomorrow)', '1986-12-02', false],
    ['40 (birthday today)', '1986-12-01', true],
    ['75 (76th birthday tomorrow)', '1950-12-02', true],
    ['76 (birthday today)', '1950-12-01', false]
  ])('age %s: due %s', (_, birthDate, due) => {
    expect(rule({ birthDate })?.status).toBe(due ? 'due' : undefined);
  });

  test('without diabetes: not applicable; prediabetes is not diabetes', () => {
    expect(rule({ conditions: [] })).toBeUndefined();
    expect(rule({ conditions: [problem('Prediabetes', '714628002')] })).toBeUndefined();
    expect(rule({ conditions: [problem('Prediabetes', 'R73.03')] })).toBeUndefined();
  });

  test.each([
    ['ICD-10-CM E11.9', problem('Type 2 diabetes mellitus without complications', 'E11.9')],
    ['ICD-10-CM E10.9', problem('Type 1 diabetes mellitus without complications', 'E10.9')],
    ['ICD-10-CM E13.9', problem('Other specified diabetes mellitus without complications', 'E13.9')],
    ['SNOMED CT 46635009 type 1', problem('Type 1 diabetes mellitus', '46635009')],
    ['name only', problem('Diabetes', '')]
  ])('diabetes coded %s: due', (_, c) => {
    expect(rule({ conditions: [c] })?.status).toBe('due');
  });

  test('resolved or refuted diabetes does not count', () => {
    expect(rule({ conditions: [{ ...T2DM, clinicalStatus: 'resolved' }] })).toBeUndefined();
    expect(rule({ conditions: [{ ...T2DM, verificationStatus: 'refuted' }] })).toBeUndefined();
  });

  test('any active statin meets it, by RxNorm code or by name; another drug does not', () => {
    expect(rule({ medications: [statin('atorvastatin 20 MG Oral Tablet', [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '83367' }])] })).toBeUndefined();
    expect(rule({ medications: [statin('Simvastatin 40 MG Oral Tablet')] })).toBeUndefined();
    expect(rule({ medications: [statin('rosuvastatin 10 mg')] })).toBeUndefined();
    expect(rule({ medications: [statin('Crestor 10 mg')] })).toBeUndefined();
    // Positive control: metformin is no statin.
    expect(rule({ medications: [statin('metformin 500 MG Oral Tablet')] })?.status).toBe('due');
  });

  test('every statin of the drug pack is recognised', () => {
    expect([...statinIds()].sort()).toEqual(['atorvastatin', 'fluvastatin', 'lovastatin', 'pitavastatin', 'pravastatin', 'rosuvastatin', 'simvastatin']);
    for (const id of statinIds()) expect(rule({ medications: [statin(`${id} 10 MG Oral Tablet`)] }), id).toBeUndefined();
  });

  test('without a birth date: not evaluated, with the reason (with diabetes; without it the rule does not apply)', () => {
    expect(rule({ birthDate: '' })).toMatchObject({ status: 'not-evaluated', reason: 'Birth date unknown' });
    expect(rule({ birthDate: '', conditions: [] })).toBeUndefined();
  });

  test('a recorded statin allergy: not suggested, listed as not evaluated with the reason; another allergy changes nothing', () => {
    expect(rule({ allergies: [{ text: 'Atorvastatin', category: 'medication' }] })).toMatchObject({ status: 'not-evaluated', reason: 'Statin allergy recorded: decide with the patient' });
    expect(rule({ allergies: [{ text: 'Statins', category: 'medication' }] })).toMatchObject({ status: 'not-evaluated' });
    expect(rule({ allergies: [{ text: 'Penicillin', category: 'medication' }] })?.status).toBe('due');
  });

  test('the coverage says what the medication rules check', () => {
    expect(REMINDER_COVERAGE.join(' ')).toContain('a statin for adults 40–75 with diabetes');
  });
});
