/**
 * Weight-based dose check for children, at its limits: exactly at the
 * maximum mg/kg/day and one step over, per dose, the adult ceiling, the age
 * boundary (the day before the 18th birthday and on it), age bands, and how
 * recent the weight must be. Expected values are written out by hand from
 * the cited ranges: acetaminophen 15 mg/kg per dose and 60 mg/kg/day from 3
 * months (WHO Pocket Book 2013); amoxicillin 45 mg/kg per dose and 90
 * mg/kg/day from 3 months (AAP 2013), 15 and 30 under 3 months (Amoxil
 * labeling); ibuprofen 10 mg/kg per dose and 40 mg/kg/day from 6 months to
 * 12 years (Motrin labeling).
 */
import { describe, expect, test } from 'vitest';
import { checkOrder } from '../check-order';
import type { MedicationInput, PatientContext } from '../inputs';
import { daily, input, med, NOW } from '../test-factories';

// NOW is 2026-01-15T12:00:00Z.
const FIVE = '2020-06-01'; // 5 years old
const recent = (kg: number, at = '2026-01-10'): PatientContext['weight'] => ({ kg, at });

type Result = { ok: true } | { ruleId: string; severity: string; title: string; detail: string };

function result(order: MedicationInput, patient: PatientContext): Result {
  const alerts = checkOrder(input(order, [], [], { patient })).filter((a) => a.kind === 'dose-range' || a.ruleId.startsWith('not-checked-dose'));
  expect(alerts.length).toBeLessThanOrEqual(1);
  const [a] = alerts;
  return a ? { ruleId: a.ruleId, severity: a.severity, title: a.title, detail: a.detail } : { ok: true };
}
const ids = (order: MedicationInput, patient: PatientContext) => {
  const r = result(order, patient);
  return 'ok' in r ? 'ok' : `${r.ruleId} ${r.severity}`;
};

describe('mg/kg/day at the limit and one step over', () => {
  test('acetaminophen at 20 kg: 300 mg four times daily is exactly 60 mg/kg/day, passes', () => {
    expect(result(med('acetaminophen', daily(300, 'mg', 4)), { birthDate: FIVE, weight: recent(20) })).toEqual({ ok: true });
  });
  test('acetaminophen at 20 kg: 301 mg four times daily is 60.2 mg/kg/day: serious, with the WHO citation', () => {
    const alerts = checkOrder(input(med('acetaminophen', daily(301, 'mg', 4)), [], [], { patient: { birthDate: FIVE, weight: recent(20) } }));
    const a = alerts.find((x) => x.kind === 'dose-range')!;
    expect([a.ruleId, a.severity, a.title]).toEqual([
      'dose-range-pediatric',
      'serious',
      'Dose above the pediatric range: acetaminophen 301 mg (15.05 mg/kg per dose, 60.2 mg/kg/day)'
    ]);
    expect(a.detail).toBe(
      'Daily total 60.2 mg/kg/day (1204 mg/day) exceeds the pediatric maximum of 60 mg/kg/day. Single dose 15.05 mg/kg (301 mg) exceeds the pediatric maximum of 15 mg/kg per dose. Weight 20 kg (2026-01-10), age 5 years. Pediatric oral maximum: 15 mg/kg per dose, 60 mg/kg/day. The band starts at 3 months by Outpost\u2019s choice: dosing in neonates and young infants differs and is not in the pack.'
    );
    expect(a.source.citation).toBe(
      'World Health Organization. Pocket book of hospital care for children: guidelines for the management of common childhood illnesses, 2nd ed. Geneva: WHO; 2013. Annex 2, drug dosages: paracetamol 10–15 mg/kg, up to 4 times a day.'
    );
  });
  test('paracetamol by its other name is the same check', () => {
    expect(ids(med('paracetamol', daily(301, 'mg', 4)), { birthDate: FIVE, weight: recent(20) })).toBe('dose-range-pediatric serious');
  });
  test('amoxicillin at 20 kg: 900 mg twice daily is exactly 90 mg/kg/day and 45 mg/kg per dose, passes; 905 mg is over', () => {
    expect(result(med('amoxicillin', daily(900, 'mg', 2)), { birthDate: FIVE, weight: recent(20) })).toEqual({ ok: true });
    expect(result(med('amoxicillin', daily(905, 'mg', 2)), { birthDate: FIVE, weight: recent(20) })).toMatchObject({
      ruleId: 'dose-range-pediatric',
      severity: 'serious',
      title: 'Dose above the pediatric range: amoxicillin 905 mg (45.25 mg/kg per dose, 90.5 mg/kg/day)'
    });
  });
  test('ibuprofen at 15 kg: 150 mg four times daily is 40 mg/kg/day, passes; 200 mg three times daily is 13.33 mg/kg per dose: moderate', () => {
    expect(result(med('ibuprofen', daily(150, 'mg', 4)), { birthDate: FIVE, weight: recent(15) })).toEqual({ ok: true });
    expect(result(med('ibuprofen', daily(200, 'mg', 3)), { birthDate: FIVE, weight: recent(15) })).toMatchObject({
      severity: 'moderate',
      title: 'Dose above the pediatric range: ibuprofen 200 mg (13.33 mg/kg per dose, 40 mg/kg/day)'
    });
  });
  test('a dose through the product strength (tablets) is checked per kg too', () => {
    expect(ids(med('acetaminophen 325 MG Oral Tablet', { dose: { value: 2, unit: 'tablet' }, timing: { frequency: 4, period: 1, periodUnit: 'd' } }), { birthDate: FIVE, weight: recent(20) })).toBe(
      'dose-range-pediatric serious'
    );
  });
});

describe('the adult maximum is a ceiling for heavy children', () => {
  test('acetaminophen at 70 kg: 1000 mg five times daily is 71.4 mg/kg/day and 5000 mg/day', () => {
    const r = result(med('acetaminophen', daily(1000, 'mg', 5)), { birthDate: '2010-01-01', weight: recent(70) });
    expect(r).toMatchObject({ ruleId: 'dose-range-pediatric', severity: 'serious' });
    expect((r as { detail: string }).detail).toContain('Daily total 5000 mg exceeds the usual adult maximum of 4000 mg/day.');
  });
  test('acetaminophen at 90 kg: 1000 mg four times daily is within both, passes; 1100 mg three times daily passes per kg but not the adult 1000 mg single dose', () => {
    expect(result(med('acetaminophen', daily(1000, 'mg', 4)), { birthDate: '2010-01-01', weight: recent(90) })).toEqual({ ok: true });
    const r = result(med('acetaminophen', daily(1100, 'mg', 3)), { birthDate: '2010-01-01', weight: recent(90) });
    expect(r).toMatchObject({ severity: 'moderate' });
    expect((r as { detail: string }).detail).toMatch(/^Single dose 1100 mg exceeds the usual adult maximum single dose of 1000 mg\./);
  });
});

describe('age boundary: under 18 is checked per kg, from the 18th birthday the adult range', () => {
  // lisinopril has no pediatric range; 81 mg is over its adult 80 mg.
  test('17 years 364 days (18th birthday tomorrow): per-kg check, not the adult range', () => {
    expect(result(med('acetaminophen', daily(1000, 'mg', 4)), { birthDate: '2008-01-16', weight: recent(50) })).toMatchObject({
      ruleId: 'dose-range-pediatric',
      severity: 'serious',
      title: 'Dose above the pediatric range: acetaminophen 1000 mg (20 mg/kg per dose, 80 mg/kg/day)'
    });
  });
  test('18th birthday today: the adult range (1000 mg four times daily is within it)', () => {
    expect(result(med('acetaminophen', daily(1000, 'mg', 4)), { birthDate: '2008-01-15', weight: recent(50) })).toEqual({ ok: true });
    // Positive control that the adult check runs: over 4000 mg/day.
    expect(ids(med('acetaminophen', daily(1000, 'mg', 5)), { birthDate: '2008-01-15', weight: recent(50) })).toBe('dose-range serious');
  });
});

describe('never silently skipped', () => {
  test('no weight recorded: "Dose not checked: no weight recorded for a child"', () => {
    expect(result(med('amoxicillin', daily(250, 'mg', 3)), { birthDate: FIVE })).toEqual({
      ruleId: 'not-checked-dose-weight',
      severity: 'info',
      title: 'Dose not checked: no weight recorded for a child',
      detail: 'The dose of amoxicillin was not checked because no weight is recorded for this child, and children\u2019s doses are checked per kg.'
    });
  });
  test('a body-weight Observation (LOINC 29463-7) is read when no weight is given, in kg or in pounds', () => {
    const obs = (value: number, unit: string, effective: string) => ({ codings: [{ system: 'http://loinc.org', code: '29463-7' }], value, unit, effective });
    expect(ids(med('amoxicillin', daily(900, 'mg', 2)), { birthDate: FIVE, observations: [obs(20, 'kg', '2026-01-10')] })).toBe('ok');
    expect(ids(med('amoxicillin', daily(900, 'mg', 2)), { birthDate: FIVE, observations: [obs(20, 'kg', '2026-01-01'), obs(18, 'kg', '2026-01-10')] })).toBe('dose-range-pediatric serious');
    // 44.1 lb = 20.003 kg
    expect(ids(med('amoxicillin', daily(900, 'mg', 2)), { birthDate: FIVE, observations: [obs(44.1, '[lb_av]', '2026-01-10')] })).toBe('ok');
    expect(ids(med('amoxicillin', daily(900, 'mg', 2)), { birthDate: FIVE, observations: [obs(20, 'stone', '2026-01-10')] })).toBe('not-checked-dose-weight info');
  });
  test('stale weight: a 5-year-old\u2019s weight 90 days old is used, 91 days old is not', () => {
    expect(ids(med('amoxicillin', daily(900, 'mg', 2)), { birthDate: FIVE, weight: { kg: 20, at: '2025-10-17T12:00:00Z' } })).toBe('ok');
    expect(result(med('amoxicillin', daily(900, 'mg', 2)), { birthDate: FIVE, weight: { kg: 20, at: '2025-10-16T12:00:00Z' } })).toEqual({
      ruleId: 'not-checked-dose-weight',
      severity: 'info',
      title: 'Dose not checked: no recent weight recorded for a child',
      detail: 'The dose of amoxicillin was not checked because the most recent weight (20 kg, 2025-10-16) is 91 days old; a child of 1 year or more needs a weight from the last 90 days.'
    });
  });
  test('stale weight: an infant\u2019s (6 months) weight 30 days old is used, 31 days old is not', () => {
    const infant = '2025-07-10';
    expect(ids(med('amoxicillin', daily(100, 'mg', 2)), { birthDate: infant, weight: { kg: 8, at: '2025-12-16T12:00:00Z' } })).toBe('ok');
    expect(ids(med('amoxicillin', daily(100, 'mg', 2)), { birthDate: infant, weight: { kg: 8, at: '2025-12-15T12:00:00Z' } })).toBe('not-checked-dose-weight info');
  });
  test('age bands: amoxicillin under 3 months uses the labeled 30 mg/kg/day; ibuprofen under 6 months and from 13 years has no range', () => {
    // 2 months old, 5 kg: 75 mg twice daily = 30 mg/kg/day passes, 80 mg = 32 mg/kg/day does not.
    expect(ids(med('amoxicillin', daily(75, 'mg', 2)), { birthDate: '2025-11-10', weight: recent(5) })).toBe('ok');
    expect(ids(med('amoxicillin', daily(80, 'mg', 2)), { birthDate: '2025-11-10', weight: recent(5) })).toBe('dose-range-pediatric serious');
    expect(result(med('ibuprofen', daily(40, 'mg', 3)), { birthDate: '2025-10-01', weight: recent(6) })).toMatchObject({
      ruleId: 'not-checked-dose',
      detail: 'The dose was not range-checked because the pack has no pediatric dose range for ibuprofen at the patient\u2019s age (3 months).'
    });
    expect(result(med('ibuprofen', daily(200, 'mg', 3)), { birthDate: '2012-06-01', weight: recent(45) })).toMatchObject({
      ruleId: 'not-checked-dose',
      detail: 'The dose was not range-checked because the pack has no pediatric dose range for ibuprofen at the patient\u2019s age (13 years).'
    });
  });
  test('no frequency: the per-dose amount is checked, the daily total is said to be unchecked', () => {
    expect(result(med('amoxicillin', { dose: { value: 400, unit: 'mg' } }), { birthDate: FIVE, weight: recent(20) })).toMatchObject({
      ruleId: 'not-checked-dose',
      detail: 'The dose was not range-checked because the order has no frequency, so the daily total per kg was not checked (the single dose, 20 mg/kg, is within the pediatric maximum of 45 mg/kg).'
    });
  });
  test('a drug without a pediatric range, and a combination product, are reported as not checked', () => {
    expect(result(med('lisinopril', daily(10)), { birthDate: FIVE, weight: recent(20) })).toMatchObject({
      ruleId: 'not-checked-dose',
      detail: 'The dose was not range-checked because the pack has no pediatric dose range for lisinopril, and adult ranges do not apply to a child (the patient is 5).'
    });
    expect(result(med('Bactrim', daily(1, 'tablet', 2)), { birthDate: FIVE, weight: recent(20) })).toMatchObject({
      ruleId: 'not-checked-dose',
      detail: 'The dose was not range-checked because dose ranges are not checked for combination products.'
    });
  });
});
