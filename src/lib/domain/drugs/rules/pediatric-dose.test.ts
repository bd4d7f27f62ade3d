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
import type { Drug, PediatricDose, Route } from '../pack-schema';
import type { ResolvedMedication } from '../resolve';
import type { RuleContext } from './context';
import type { DoseOutcome } from './dose-range';
import { latestWeight, pediatricDoseOutcome } from './pediatric-dose';
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

/*
 * The rule itself, on a made-up drug whose bands and adult limits are chosen
 * so that each boundary and each text can be seen on its own: oral 10 mg/kg
 * per dose and 40 mg/kg/day from 3 to 24 months, 40 and 40 from 24 months;
 * iv 5 and 20 from birth; no rectal band. Adult oral: at most 1 g per dose
 * and 4 g/day (grams, so the conversion to mg shows).
 */
const BAND_INFANT: PediatricDose = { route: 'oral', minAgeMonths: 3, maxAgeMonths: 24, maxMgPerKgDose: 10, maxMgPerKgDay: 40, sourceId: 's1', citation: 'Cite infant.', note: 'Infant note.' };
const BAND_CHILD: PediatricDose = { route: 'oral', minAgeMonths: 24, maxMgPerKgDose: 40, maxMgPerKgDay: 40, sourceId: 's2', citation: 'Cite child.' };
const BAND_IV: PediatricDose = { route: 'iv', minAgeMonths: 0, maxMgPerKgDose: 5, maxMgPerKgDay: 20, sourceId: 's3', citation: 'Cite iv.' };
const testamol = (extra: Partial<Drug> = {}): Drug => ({
  id: 'testamol',
  name: 'testamol',
  rxcui: null,
  rxcuiSource: null,
  synonyms: [],
  brands: [],
  classes: ['analgesic'],
  routes: ['oral', 'rectal', 'iv'],
  doses: [{ route: 'oral', unit: 'g', maxSingle: 1, maxDaily: 4 }],
  doseSourceId: null,
  pediatricDoses: [BAND_INFANT, BAND_CHILD, BAND_IV],
  ...extra
});
// NOW is 2026-01-15T12:00:00Z: a birth date on the 15th is a whole number of months.
const MONTHS = { 1: '2025-12-15', 2: '2025-11-15', 3: '2025-10-15', 11: '2025-02-15', 12: '2025-01-15', 23: '2024-02-15', 24: '2024-01-15', 60: '2021-01-15' } as const;

function outcome(
  drug: Drug,
  order: Partial<MedicationInput>,
  patient: PatientContext,
  o: { route?: Route | null; productText?: string } = {}
): DoseOutcome {
  const resolved: ResolvedMedication = {
    input: { text: 'testamol', ...order },
    label: 'Testamol oral',
    ingredients: ['testamol'],
    matchedBy: 'name',
    ...(o.route === null ? {} : { route: o.route ?? 'oral' }),
    systemic: true,
    unknownComponents: [],
    productText: o.productText ?? 'testamol'
  };
  const ctx = { k: undefined as never, order: resolved, actives: [], patient, now: NOW } satisfies RuleContext;
  return pediatricDoseOutcome(ctx, drug, 5);
}
const at = (months: keyof typeof MONTHS, kg: number, weightAt = '2026-01-10'): PatientContext => ({ birthDate: MONTHS[months], weight: { kg, at: weightAt } });
const detailOf = (r: DoseOutcome) => (r.kind === 'alert' ? r.alert.detail : `(${r.kind})`);

describe('pediatricDoseOutcome: route', () => {
  test('no route on the order and a drug with several routes: the route is not known', () => {
    expect(outcome(testamol(), daily(10, 'mg', 1), at(60, 10), { route: null })).toEqual({ kind: 'not-checked', reason: 'the route is not known' });
  });
  test('no route on the order and a drug with exactly one route: that route is used and the dose is checked', () => {
    const oneRoute = testamol({ routes: ['oral'] });
    expect(outcome(oneRoute, daily(100, 'mg', 1), at(60, 10), { route: null })).toEqual({ kind: 'ok' });
    // Positive control that the oral band was applied: 41 mg/kg per dose is over 40.
    expect(outcome(oneRoute, daily(410, 'mg', 1), at(60, 10), { route: null }).kind).toBe('alert');
  });
  test('a route with no pediatric band (rectal) is not checked, and says so; the other routes are', () => {
    expect(outcome(testamol(), daily(10, 'mg', 1), at(60, 10), { route: 'rectal' })).toEqual({ kind: 'not-checked', reason: 'the pack has no rectal pediatric dose range for testamol' });
    // iv has its own band (5 mg/kg per dose): 60 mg at 10 kg is over it, though within the oral 40.
    expect(outcome(testamol(), { dose: { value: 60, unit: 'mg' }, timing: { frequency: 1, period: 1, periodUnit: 'd' } }, at(60, 10), { route: 'iv' })).toMatchObject({
      kind: 'alert',
      alert: { severity: 'moderate', title: 'Dose above the pediatric range: testamol 60 mg (6 mg/kg per dose, 6 mg/kg/day)' }
    });
  });
  test('the adult limit is the one for the order\u2019s route, not the first listed', () => {
    const ivFirst = testamol({ doses: [{ route: 'iv', unit: 'mg', maxSingle: 1, maxDaily: 1 }] });
    expect(outcome(ivFirst, daily(100, 'mg', 1), at(60, 10))).toEqual({ kind: 'ok' });
    // Positive control: the same adult limit on the oral route does apply.
    expect(outcome(testamol({ doses: [{ route: 'oral', unit: 'mg', maxSingle: 1, maxDaily: 1 }] }), daily(100, 'mg', 1), at(60, 10)).kind).toBe('alert');
  });
});

describe('pediatricDoseOutcome: age bands', () => {
  test('the band starts on its minimum month (3 months is in, 2 months is not)', () => {
    expect(outcome(testamol(), daily(50, 'mg', 1), at(3, 10))).toEqual({ kind: 'ok' });
    expect(outcome(testamol(), daily(50, 'mg', 1), at(2, 10))).toEqual({
      kind: 'not-checked',
      reason: 'the pack has no pediatric dose range for testamol at the patient\u2019s age (2 months)'
    });
  });
  test('the band ends before its maximum month: at 23 months 11 mg/kg is over 10, at 24 months the next band (40) applies', () => {
    expect(outcome(testamol(), daily(110, 'mg', 1), at(23, 10)).kind).toBe('alert');
    expect(outcome(testamol(), daily(110, 'mg', 1), at(24, 10))).toEqual({ kind: 'ok' });
  });
  test('the age is written as months up to 23, in years from 24, and "1 month" in the singular', () => {
    const noBand = testamol({ pediatricDoses: [{ ...BAND_IV, route: 'oral', minAgeMonths: 200 }] });
    const reason = (m: keyof typeof MONTHS) => (outcome(noBand, daily(10, 'mg', 1), at(m, 10)) as { reason: string }).reason;
    expect(reason(1)).toBe('the pack has no pediatric dose range for testamol at the patient\u2019s age (1 month)');
    expect(reason(23)).toBe('the pack has no pediatric dose range for testamol at the patient\u2019s age (23 months)');
    expect(reason(24)).toBe('the pack has no pediatric dose range for testamol at the patient\u2019s age (2 years)');
  });
});

describe('pediatricDoseOutcome: dose that cannot be read', () => {
  test('no dose', () => {
    expect(outcome(testamol(), { timing: { frequency: 1, period: 1, periodUnit: 'd' } }, at(60, 10))).toEqual({ kind: 'not-checked', reason: 'the order has no dose' });
  });
  test('a unit that cannot be converted to mg', () => {
    expect(outcome(testamol(), daily(5, 'mL', 1), at(60, 10))).toEqual({ kind: 'not-checked', reason: 'the dose unit "mL" could not be converted to mg' });
  });
});

describe('pediatricDoseOutcome: how recent the weight must be', () => {
  test('under 12 months: 30 days; the reason names the weight, its date, its age and the window', () => {
    expect(outcome(testamol(), daily(50, 'mg', 1), at(11, 10, '2025-12-16T12:00:00Z'))).toEqual({ kind: 'ok' });
    expect(outcome(testamol(), daily(50, 'mg', 1), at(11, 10.256, '2025-12-15T12:00:00Z'))).toEqual({
      kind: 'no-weight',
      stale: true,
      reason: 'the most recent weight (10.26 kg, 2025-12-15) is 31 days old; a child under 1 year needs a weight from the last 30 days'
    });
  });
  test('at exactly 12 months: 90 days (a weight 31 days old is used; 91 days old is not, as "of 1 year or more")', () => {
    expect(outcome(testamol(), daily(50, 'mg', 1), at(12, 10, '2025-12-15T12:00:00Z'))).toEqual({ kind: 'ok' });
    expect(outcome(testamol(), daily(50, 'mg', 1), at(12, 10, '2025-10-16T12:00:00Z'))).toEqual({
      kind: 'no-weight',
      stale: true,
      reason: 'the most recent weight (10 kg, 2025-10-16) is 91 days old; a child of 1 year or more needs a weight from the last 90 days'
    });
  });
});

describe('pediatricDoseOutcome: limits exactly at the maximum and just over', () => {
  // kg 1 so that mg and mg/kg are the same number; 40.000000001 is the maximum plus the 1e-9 rounding allowance.
  test('per kg: 40.000000001 mg/kg once daily is at the 40 mg/kg per dose and per day maximum; 40.00001 is over both', () => {
    expect(outcome(testamol({ doses: [] }), daily(40.000000001, 'mg', 1), at(60, 1))).toEqual({ kind: 'ok' });
    expect(detailOf(outcome(testamol({ doses: [] }), daily(40.00001, 'mg', 1), at(60, 1)))).toBe(
      'Daily total 40 mg/kg/day (40 mg/day) exceeds the pediatric maximum of 40 mg/kg/day. Single dose 40 mg/kg (40 mg) exceeds the pediatric maximum of 40 mg/kg per dose. Weight 1 kg (2026-01-10), age 5 years. Pediatric oral maximum: 40 mg/kg per dose, 40 mg/kg/day.'
    );
  });
  test('adult single dose, in g: 1000.000000001 mg is at 1 g, 1001 mg is over, said in the adult unit', () => {
    expect(outcome(testamol(), daily(1000.000000001, 'mg', 1), at(60, 100))).toEqual({ kind: 'ok' });
    expect(detailOf(outcome(testamol(), daily(1001, 'mg', 1), at(60, 100)))).toBe(
      'Single dose 1001 mg exceeds the usual adult maximum single dose of 1 g. Weight 100 kg (2026-01-10), age 5 years. Pediatric oral maximum: 40 mg/kg per dose, 40 mg/kg/day.'
    );
  });
  test('adult daily total, in g: 4000.000000001 mg/day is at 4 g, 4001 mg/day is over, said in the adult unit', () => {
    const dailyOnly = testamol({ doses: [{ route: 'oral', unit: 'g', maxDaily: 4 }] });
    expect(outcome(dailyOnly, daily(4000.000000001, 'mg', 1), at(60, 200))).toEqual({ kind: 'ok' });
    expect(detailOf(outcome(dailyOnly, daily(4001, 'mg', 1), at(60, 200)))).toBe(
      'Daily total 4001 mg exceeds the usual adult maximum of 4 g/day. Weight 200 kg (2026-01-10), age 5 years. Pediatric oral maximum: 40 mg/kg per dose, 40 mg/kg/day.'
    );
  });
});

describe('pediatricDoseOutcome: the alert, word for word', () => {
  test('per-kg findings only: the band\u2019s citation alone, its note, the weight date without the time, the order involved', () => {
    const r = outcome(testamol(), daily(120, 'mg', 4), at(12, 10, '2026-01-10T08:30:00Z'));
    expect(r).toEqual({
      kind: 'alert',
      alert: {
        kind: 'dose-range',
        severity: 'serious',
        title: 'Dose above the pediatric range: testamol 120 mg (12 mg/kg per dose, 48 mg/kg/day)',
        detail:
          'Daily total 48 mg/kg/day (480 mg/day) exceeds the pediatric maximum of 40 mg/kg/day. Single dose 12 mg/kg (120 mg) exceeds the pediatric maximum of 10 mg/kg per dose. Weight 10 kg (2026-01-10), age 12 months. Pediatric oral maximum: 10 mg/kg per dose, 40 mg/kg/day. Infant note.',
        action: 'Check the dose per kg against the indication and a pediatric formulary, and confirm the weight is current.',
        source: { citation: 'Cite infant.' },
        ruleId: 'dose-range-pediatric',
        involved: [{ role: 'order', name: 'Testamol oral', ingredients: ['testamol'] }]
      }
    });
  });
  test('a per-kg and an adult finding together: the adult source is added to the citation', () => {
    // 20 kg, 1100 mg once: 55 mg/kg per dose (over 40) and over the adult 1 g.
    const r = outcome(testamol(), daily(1100, 'mg', 1), at(60, 20));
    expect(r.kind === 'alert' && r.alert.source.citation).toBe('Cite child. Adult maximum: FDA-approved prescribing information (DailyMed).');
  });
  test('only the adult daily total is over: the adult source is added', () => {
    const dailyOnly = testamol({ doses: [{ route: 'oral', unit: 'g', maxDaily: 4 }] });
    const r = outcome(dailyOnly, daily(4001, 'mg', 1), at(60, 200));
    expect(r.kind === 'alert' && r.alert.source.citation).toBe('Cite child. Adult maximum: FDA-approved prescribing information (DailyMed).');
  });
  test('no frequency and a dose over the limit: the detail says the daily total was not checked', () => {
    const r = outcome(testamol(), { dose: { value: 500, unit: 'mg' } }, at(60, 10));
    expect(r).toMatchObject({
      kind: 'alert',
      alert: {
        severity: 'moderate',
        title: 'Dose above the pediatric range: testamol 500 mg (50 mg/kg per dose)',
        detail:
          'Single dose 50 mg/kg (500 mg) exceeds the pediatric maximum of 40 mg/kg per dose. The order has no frequency, so the daily total was not checked. Weight 10 kg (2026-01-10), age 5 years. Pediatric oral maximum: 40 mg/kg per dose, 40 mg/kg/day.',
        source: { citation: 'Cite child.' }
      }
    });
  });
});

describe('latestWeight', () => {
  const W = (value: number | undefined, unit: string | undefined, effective: string | undefined, code = '29463-7') => ({
    codings: [{ system: 'http://loinc.org', code }],
    ...(value === undefined ? {} : { value }),
    ...(unit === undefined ? {} : { unit }),
    ...(effective === undefined ? {} : { effective })
  });
  test('the given weight is used when it is positive and dated', () => {
    expect(latestWeight({ weight: { kg: 12, at: '2026-01-10' }, observations: [W(30, 'kg', '2026-01-12')] })).toEqual({ kg: 12, at: '2026-01-10' });
  });
  test('a given weight of zero, a negative one or one without a readable date gives way to the Observations', () => {
    const observations = [W(30, 'kg', '2026-01-12')];
    expect(latestWeight({ weight: { kg: 0, at: '2026-01-10' }, observations })).toEqual({ kg: 30, at: '2026-01-12' });
    expect(latestWeight({ weight: { kg: -5, at: '2026-01-10' }, observations })).toEqual({ kg: 30, at: '2026-01-12' });
    expect(latestWeight({ weight: { kg: 12, at: 'yesterday' }, observations })).toEqual({ kg: 30, at: '2026-01-12' });
    expect(latestWeight({ weight: { kg: 0, at: '2026-01-10' } })).toBeUndefined();
  });
  test('the newest Observation wins whatever the order; of two at the same time, the first listed', () => {
    expect(latestWeight({ observations: [W(21, 'kg', '2026-01-12'), W(20, 'kg', '2026-01-01')] })).toEqual({ kg: 21, at: '2026-01-12' });
    expect(latestWeight({ observations: [W(20, 'kg', '2026-01-01'), W(21, 'kg', '2026-01-12')] })).toEqual({ kg: 21, at: '2026-01-12' });
    expect(latestWeight({ observations: [W(22, 'kg', '2026-01-12'), W(23, 'kg', '2026-01-12')] })).toEqual({ kg: 22, at: '2026-01-12' });
  });
  test('unusable Observations are skipped, not taken as the latest: other codes, zero or negative values, no value, no or unreadable date, unknown or missing unit', () => {
    const good = W(20, 'kg', '2026-01-01');
    for (const bad of [
      W(30, 'kg', '2026-01-12', '8302-2'),
      W(0, 'kg', '2026-01-12'),
      W(-3, 'kg', '2026-01-12'),
      W(undefined, 'kg', '2026-01-12'),
      W(30, 'kg', undefined),
      W(30, 'kg', 'not a date'),
      W(30, 'stone', '2026-01-12'),
      W(30, undefined, '2026-01-12')
    ]) {
      expect(latestWeight({ observations: [good, bad] })).toEqual({ kg: 20, at: '2026-01-01' });
    }
    // Positive control: the same newer Observation, usable, is taken.
    expect(latestWeight({ observations: [good, W(30, 'kg', '2026-01-12')] })).toEqual({ kg: 30, at: '2026-01-12' });
  });
  test('an Observation with the weight code among other codings counts', () => {
    const obs = { codings: [{ system: 'http://snomed.info/sct', code: '27113001' }, { system: 'http://loinc.org', code: '29463-7' }], value: 20, unit: 'kg', effective: '2026-01-10' };
    expect(latestWeight({ observations: [obs] })).toEqual({ kg: 20, at: '2026-01-10' });
  });
  test('units: g and pounds are converted to kg (1 lb = 0.45359237 kg), surrounding spaces allowed', () => {
    expect(latestWeight({ observations: [W(20500, 'g', '2026-01-10')] })!.kg).toBeCloseTo(20.5, 9);
    expect(latestWeight({ observations: [W(44.1, '[lb_av]', '2026-01-10')] })!.kg).toBeCloseTo(20.003423517, 9);
    expect(latestWeight({ observations: [W(31, 'lb', '2026-01-10')] })!.kg).toBeCloseTo(14.06136347, 8);
    expect(latestWeight({ observations: [W(20, ' kg ', '2026-01-10')] })).toEqual({ kg: 20, at: '2026-01-10' });
  });
});
