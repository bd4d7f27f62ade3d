/**
 * Dose-range rule at its exact limits: per dose and per day, just under, at
 * and just over; unit conversion (mcg, g, tablets and mL through the product
 * strength); dosing period; route; adult-only; and the exact wording shown.
 * Expected values are written out from the pack's published ranges.
 */
import { describe, expect, test } from 'vitest';
import type { Alert } from '../alert';
import { checkOrder } from '../check-order';
import { bundledDrugPack } from '../drug-pack';
import type { MedicationInput, PatientContext } from '../inputs';
import type { DoseRange, DrugPack } from '../pack-schema';
import { daily, input, med } from '../test-factories';

type Result = { ok: true } | { notChecked: string } | { severity: string; title: string; detail: string };

/** What the dose check said about one order: ok, not checked (with the reason) or an alert. */
function doseResult(order: MedicationInput, patient: PatientContext = {}, pack?: DrugPack): Result {
  const alerts = checkOrder(input(order, [], [], { patient }), pack);
  const range = alerts.filter((a) => a.kind === 'dose-range');
  const skipped = alerts.filter((a) => a.ruleId === 'not-checked-dose');
  expect(range.length + skipped.length).toBeLessThanOrEqual(1);
  if (range[0]) return { severity: range[0].severity, title: range[0].title, detail: range[0].detail };
  if (skipped[0]) return { notChecked: skipped[0].detail };
  return { ok: true };
}
const OK = { ok: true };
const because = (reason: string) => ({ notChecked: `The dose was not range-checked because ${reason}.` });
const every = (value: number, unit: string, frequency: number, period: number, periodUnit: NonNullable<MedicationInput['timing']>['periodUnit']): Partial<MedicationInput> => ({
  dose: { value, unit },
  timing: { frequency, period, periodUnit }
});
const once = (value: number, unit: string): Partial<MedicationInput> => ({ dose: { value, unit } });

describe('the whole alert', () => {
  test('lisinopril 81 mg once daily: every field of the alert', () => {
    const alerts = checkOrder(input(med('lisinopril', daily(81))));
    expect(alerts).toEqual<Alert[]>([
      {
        kind: 'dose-range',
        severity: 'serious',
        title: 'Dose outside the usual adult range: lisinopril 81 mg (81 mg/day)',
        detail:
          'Daily total 81 mg exceeds the usual maximum of 80 mg/day. Single dose 81 mg exceeds the usual maximum single dose of 80 mg. Usual adult oral range: 2.5–80 mg per dose, at most 80 mg/day.',
        action: 'Check the dose and frequency against the indication, renal and hepatic function, and the prescribing information.',
        source: { citation: 'FDA-approved prescribing information (DailyMed), usual adult dosing.', url: 'https://dailymed.nlm.nih.gov/' },
        ruleId: 'dose-range',
        involved: [{ role: 'order', name: 'lisinopril', ingredients: ['lisinopril'] }]
      }
    ]);
  });
  test('an order with a dose inside every limit gives no alert at all', () => {
    expect(checkOrder(input(med('lisinopril', daily(10))))).toEqual([]);
  });
});

describe('lisinopril oral: 2.5–80 mg per dose, at most 80 mg/day', () => {
  test.each([
    ['just under the minimum', 2.4, 1, { severity: 'minor', title: 'Dose outside the usual adult range: lisinopril 2.4 mg (2.4 mg/day)', detail: 'Single dose 2.4 mg is below the usual minimum of 2.5 mg. Usual adult oral range: 2.5–80 mg per dose, at most 80 mg/day.' }],
    ['at the minimum', 2.5, 1, OK],
    ['at the maximum, once a day', 80, 1, OK],
    ['40 mg twice a day is exactly the daily maximum', 40, 2, OK],
    ['41 mg twice a day is over the daily maximum only', 41, 2, { severity: 'serious', title: 'Dose outside the usual adult range: lisinopril 41 mg (82 mg/day)', detail: 'Daily total 82 mg exceeds the usual maximum of 80 mg/day. Usual adult oral range: 2.5–80 mg per dose, at most 80 mg/day.' }],
    ['just over the single maximum', 80.5, 1, { severity: 'serious', title: 'Dose outside the usual adult range: lisinopril 80.5 mg (80.5 mg/day)', detail: 'Daily total 80.5 mg exceeds the usual maximum of 80 mg/day. Single dose 80.5 mg exceeds the usual maximum single dose of 80 mg. Usual adult oral range: 2.5–80 mg per dose, at most 80 mg/day.' }]
  ] as const)('%s', (_name, value, perDay, expected) => {
    expect(doseResult(med('lisinopril', daily(value, 'mg', perDay)))).toEqual(expected);
  });
});

describe('ranges in mcg (dofetilide oral: 125–500 mcg per dose, at most 1000 mcg/day)', () => {
  test.each([
    ['250 mcg twice a day, ordered in mg', every(0.25, 'mg', 2, 1, 'd'), OK],
    ['500 mcg twice a day, ordered in mg, is exactly the daily maximum', every(0.5, 'mg', 2, 1, 'd'), OK],
    ['125 mcg ordered in mcg is exactly the minimum', once(125, 'mcg'), OK],
    ['100 mcg is below the minimum', once(100, 'mcg'), { severity: 'minor', title: 'Dose outside the usual adult range: dofetilide 0.1 mg', detail: 'Single dose 100 mcg is below the usual minimum of 125 mcg. Usual adult oral range: 125–500 mcg per dose, at most 1000 mcg/day.' }],
    ['0.6 mg twice a day is over both maxima, reported in mcg', every(0.6, 'mg', 2, 1, 'd'), { severity: 'serious', title: 'Dose outside the usual adult range: dofetilide 0.6 mg (1.2 mg/day)', detail: 'Daily total 1200 mcg exceeds the usual maximum of 1000 mcg/day. Single dose 600 mcg exceeds the usual maximum single dose of 500 mcg. Usual adult oral range: 125–500 mcg per dose, at most 1000 mcg/day.' }],
    ['0.6 mg as a single dose', once(0.6, 'mg'), { severity: 'moderate', title: 'Dose outside the usual adult range: dofetilide 0.6 mg', detail: 'Single dose 600 mcg exceeds the usual maximum single dose of 500 mcg. Usual adult oral range: 125–500 mcg per dose, at most 1000 mcg/day.' }]
  ] as const)('%s', (_name, dose, expected) => {
    expect(doseResult(med('dofetilide', dose))).toEqual(expected);
  });
});

describe('weekly ceiling (methotrexate oral: 2.5–25 mg per dose, at most 25 mg/week)', () => {
  test.each([
    ['25 mg once a week is exactly the ceiling', every(25, 'mg', 1, 1, 'wk'), OK],
    ['10 mg daily is 70 mg a week', daily(10), { severity: 'serious', title: 'Dose outside the usual adult range: methotrexate 10 mg (10 mg/day)', detail: 'Weekly total 70 mg exceeds the usual weekly maximum of 25 mg. Usual adult oral range: 2.5–25 mg per dose, at most 25 mg/week. Non-oncologic regimens are once weekly; a daily regimen exceeds the weekly ceiling.' }],
    ['13 mg twice a week is 26 mg a week', every(13, 'mg', 2, 1, 'wk'), { severity: 'serious', title: 'Dose outside the usual adult range: methotrexate 13 mg (3.714 mg/day)', detail: 'Weekly total 26 mg exceeds the usual weekly maximum of 25 mg. Usual adult oral range: 2.5–25 mg per dose, at most 25 mg/week. Non-oncologic regimens are once weekly; a daily regimen exceeds the weekly ceiling.' }]
  ] as const)('%s', (_name, dose, expected) => {
    expect(doseResult(med('methotrexate', dose))).toEqual(expected);
  });
});

describe('dosing period (ibuprofen oral: 100–800 mg per dose, at most 3200 mg/day)', () => {
  const over = (dailyMg: string) => ({ severity: 'serious', title: `Dose outside the usual adult range: ibuprofen 800 mg (${dailyMg} mg/day)`, detail: `Daily total ${dailyMg} mg exceeds the usual maximum of 3200 mg/day. Usual adult oral range: 100–800 mg per dose, at most 3200 mg/day.` });
  test.each([
    ['every 6 hours is exactly 3200 mg/day', every(800, 'mg', 1, 6, 'h'), OK],
    ['every 4 hours is 4800 mg/day', every(800, 'mg', 1, 4, 'h'), over('4800')],
    ['every 240 minutes is 4800 mg/day', every(800, 'mg', 1, 240, 'min'), over('4800')],
    ['every 14400 seconds is 4800 mg/day', every(800, 'mg', 1, 14400, 's'), over('4800')],
    ['30 times a month is 800 mg/day', every(800, 'mg', 30, 1, 'mo'), OK],
    ['150 times a month is 4000 mg/day', every(800, 'mg', 150, 1, 'mo'), over('4000')],
    ['1825 times a year is 4000 mg/day', every(800, 'mg', 1825, 1, 'a'), over('4000')],
    ['35 times a week is 4000 mg/day', every(800, 'mg', 35, 1, 'wk'), over('4000')],
    ['a zero period gives no daily total, so only the single dose is checked', every(800, 'mg', 1, 0, 'd'), OK],
    ['a 1000 mg single dose with a zero period is over the single maximum only', every(1000, 'mg', 1, 0, 'd'), { severity: 'moderate', title: 'Dose outside the usual adult range: ibuprofen 1000 mg', detail: 'Single dose 1000 mg exceeds the usual maximum single dose of 800 mg. Usual adult oral range: 100–800 mg per dose, at most 3200 mg/day.' }],
    ['a daily total that does not divide evenly is shown to three decimals', every(800, 'mg', 13, 3, 'd'), { severity: 'serious', title: 'Dose outside the usual adult range: ibuprofen 800 mg (3466.667 mg/day)', detail: 'Daily total 3466.667 mg exceeds the usual maximum of 3200 mg/day. Usual adult oral range: 100–800 mg per dose, at most 3200 mg/day.' }]
  ] as const)('%s', (_name, dose, expected) => {
    expect(doseResult(med('ibuprofen', dose))).toEqual(expected);
  });
});

describe('dose in grams, and unit spelling', () => {
  test.each([
    ['1 g four times a day is exactly 4000 mg/day (acetaminophen)', 'acetaminophen', every(1, 'g', 4, 1, 'd'), OK],
    ['upper-case MG with spaces is read as mg', 'lisinopril', once(81, ' MG '), { severity: 'moderate', title: 'Dose outside the usual adult range: lisinopril 81 mg', detail: 'Single dose 81 mg exceeds the usual maximum single dose of 80 mg. Usual adult oral range: 2.5–80 mg per dose, at most 80 mg/day.' }]
  ] as const)('%s', (_name, drug, dose, expected) => {
    expect(doseResult(med(drug, dose))).toEqual(expected);
  });
});

describe('count units times the product strength (Ketorolac 10 MG Oral Tablet; oral 10–10 mg per dose)', () => {
  const two = { severity: 'moderate', title: 'Dose outside the usual adult range: ketorolac 20 mg', detail: 'Single dose 20 mg exceeds the usual maximum single dose of 10 mg. Usual adult oral range: 10–10 mg per dose, at most 40 mg/day. Oral use only as continuation of parenteral therapy; 5 days total.' };
  test.each(['tablet', 'tablets', 'tab', 'tabs', 'capsule', 'capsules', 'cap', 'caps', 'pill', 'pills', '{pill}', '{tbl}', '{tablet}', '{capsule}', 'each', 'ea', '1', 'patch', 'suppository', 'troche', 'lozenge', 'Tablets'])(
    'two "%s" of 10 mg is 20 mg',
    (unit) => {
      expect(doseResult(med('Ketorolac Tromethamine 10 MG Oral Tablet', once(2, unit)))).toEqual(two);
    }
  );
  test('one tablet is exactly 10 mg', () => {
    expect(doseResult(med('Ketorolac Tromethamine 10 MG Oral Tablet', once(1, 'tablet')))).toEqual(OK);
  });
  test('a strength written without a space ("10MG")', () => {
    expect(doseResult(med('Ketorolac 10MG Oral Tablet', once(2, 'tablet')))).toEqual(two);
  });
  test('the same strength named twice is one strength', () => {
    expect(doseResult(med('Ketorolac Tromethamine 10 MG Oral Tablet (ketorolac 10.0 mg)', once(2, 'tablet')))).toEqual(two);
  });
  test('a product naming several strengths cannot be converted', () => {
    expect(doseResult(med('Memantine 7 MG / 14 MG / 21 MG / 28 MG Oral Capsule titration pack', once(1, 'capsule')))).toEqual(
      because('the dose unit "capsule" could not be converted to mg')
    );
  });
  test('a strength with a decimal part (Digoxin 0.125 MG Oral Tablet)', () => {
    expect(doseResult(med('Digoxin 0.125 MG Oral Tablet', once(1, 'tablet')))).toEqual(OK);
    expect(doseResult(med('Digoxin 0.125 MG Oral Tablet', once(5, 'tablet')))).toEqual({
      severity: 'moderate',
      title: 'Dose outside the usual adult range: digoxin 0.625 mg',
      detail: 'Single dose 0.625 mg exceeds the usual maximum single dose of 0.5 mg. Usual adult oral range: 0.0625–0.5 mg per dose. Maintenance is individualised to renal function and serum level.'
    });
  });
  test('a strength in mcg (Digoxin 125 MCG Oral Tablet)', () => {
    expect(doseResult(med('Digoxin 125 MCG Oral Tablet', once(4, 'tablet')))).toEqual(OK);
    expect(doseResult(med('Digoxin 125 MCG Oral Tablet', once(5, 'tablet')))).toEqual({
      severity: 'moderate',
      title: 'Dose outside the usual adult range: digoxin 0.625 mg',
      detail: 'Single dose 0.625 mg exceeds the usual maximum single dose of 0.5 mg. Usual adult oral range: 0.0625–0.5 mg per dose. Maintenance is individualised to renal function and serum level.'
    });
  });
  test('a count unit on a per-mL product cannot be converted', () => {
    expect(doseResult(med('Memantine hydrochloride 2 MG/ML Oral Solution', once(5, 'tablet')))).toEqual(because('the dose unit "tablet" could not be converted to mg'));
  });
  test('an unknown unit on a per-mL product cannot be converted', () => {
    expect(doseResult(med('Memantine hydrochloride 2 MG/ML Oral Solution', once(5, 'puff')))).toEqual(because('the dose unit "puff" could not be converted to mg'));
  });
});

describe('mL times the concentration (memantine oral: 5–28 mg per dose, at most 28 mg/day)', () => {
  const fifteen = { severity: 'serious', title: 'Dose outside the usual adult range: memantine 30 mg (30 mg/day)', detail: 'Daily total 30 mg exceeds the usual maximum of 28 mg/day. Single dose 30 mg exceeds the usual maximum single dose of 28 mg. Usual adult oral range: 5–28 mg per dose, at most 28 mg/day.' };
  test.each(['Memantine hydrochloride 2 MG/ML Oral Solution', 'Memantine hydrochloride 2 MG / ML Oral Solution', 'Memantine hydrochloride 2 mg/mL oral solution'])('%s', (text) => {
    expect(doseResult(med(text, daily(14, 'mL')))).toEqual(OK);
    expect(doseResult(med(text, daily(15, 'mL')))).toEqual(fifteen);
  });
  test('a strength per 5 mL is not a per-mL concentration, so mL cannot be converted', () => {
    expect(doseResult(med('Amoxicillin 400 MG/5 ML Oral Suspension', once(5, 'mL')))).toEqual(because('the dose unit "mL" could not be converted to mg'));
  });
  test('a concentration in mcg/mL (Digoxin 50 MCG/ML Oral Solution)', () => {
    expect(doseResult(med('Digoxin 50 MCG/ML Oral Solution', once(10, 'mL')))).toEqual(OK);
    expect(doseResult(med('Digoxin 50 MCG/ML Oral Solution', once(12, 'mL')))).toEqual({
      severity: 'moderate',
      title: 'Dose outside the usual adult range: digoxin 0.6 mg',
      detail: 'Single dose 0.6 mg exceeds the usual maximum single dose of 0.5 mg. Usual adult oral range: 0.0625–0.5 mg per dose. Maintenance is individualised to renal function and serum level.'
    });
  });
});

describe('route', () => {
  test('a drug with one route is checked when the order names none', () => {
    expect(doseResult({ text: 'lisinopril', ...once(81, 'mg') })).toEqual({
      severity: 'moderate',
      title: 'Dose outside the usual adult range: lisinopril 81 mg',
      detail: 'Single dose 81 mg exceeds the usual maximum single dose of 80 mg. Usual adult oral range: 2.5–80 mg per dose, at most 80 mg/day.'
    });
  });
  test('a drug with several routes is not checked when the order names none', () => {
    expect(doseResult({ text: 'ibuprofen', ...once(1000, 'mg') })).toEqual(because('the route is not known'));
  });
  test('each route has its own range (sumatriptan: oral 25–100 mg, subcutaneous 1–6 mg)', () => {
    expect(doseResult(med('sumatriptan', { route: 'sc', ...once(6, 'mg') }))).toEqual(OK);
    expect(doseResult(med('sumatriptan', { route: 'oral', ...once(6, 'mg') }))).toEqual({
      severity: 'minor',
      title: 'Dose outside the usual adult range: sumatriptan 6 mg',
      detail: 'Single dose 6 mg is below the usual minimum of 25 mg. Usual adult oral range: 25–100 mg per dose, at most 200 mg/day.'
    });
    expect(doseResult(med('sumatriptan', { route: 'sc', ...once(7, 'mg') }))).toEqual({
      severity: 'moderate',
      title: 'Dose outside the usual adult range: sumatriptan 7 mg',
      detail: 'Single dose 7 mg exceeds the usual maximum single dose of 6 mg. Usual adult sc range: 1–6 mg per dose, at most 12 mg/day.'
    });
  });
  test('a route the pack has no range for', () => {
    expect(doseResult(med('ibuprofen', { route: 'iv', ...once(400, 'mg') }))).toEqual(because('the pack has no iv dose range for ibuprofen'));
  });
});

describe('what is not checked, with the exact reason', () => {
  test('a combination product with a dose', () => {
    expect(doseResult(med('lisinopril and hydrochlorothiazide', daily(10)))).toEqual(because('dose ranges are not checked for combination products'));
  });
  test('a combination product without a dose says nothing about the dose', () => {
    expect(doseResult(med('lisinopril and hydrochlorothiazide'))).toEqual(OK);
  });
  test('a drug without a range, with the pack note', () => {
    expect(doseResult(med('levothyroxine', daily(100, 'mcg')))).toEqual(because('the pack has no usual dose range for levothyroxine (Dose is individualised to TSH.)'));
  });
  test('a drug without a range and without a note', () => {
    expect(doseResult(med('oxycodone', daily(10)))).toEqual(because('the pack has no usual dose range for oxycodone'));
  });
  test('an order without a dose', () => {
    expect(doseResult(med('lisinopril'))).toEqual(because('the order has no dose'));
  });
  test('a unit that is not a mass, count or volume', () => {
    expect(doseResult(med('lisinopril', once(1, 'puff')))).toEqual(because('the dose unit "puff" could not be converted to mg'));
  });
});

describe('adult ranges from the 18th birthday (checked on 2026-01-15)', () => {
  const over = { severity: 'moderate', title: 'Dose outside the usual adult range: lisinopril 81 mg', detail: 'Single dose 81 mg exceeds the usual maximum single dose of 80 mg. Usual adult oral range: 2.5–80 mg per dose, at most 80 mg/day.' };
  test.each([
    ['18th birthday today', '2008-01-15', over],
    ['18th birthday yesterday', '2008-01-14', over],
    ['18 since last month', '2007-12-31', over],
    ['18 since a year-and-a-bit', '2007-01-16', over],
    ['18th birthday tomorrow', '2008-01-16', because('the pack has no pediatric dose range for lisinopril, and adult ranges do not apply to a child (the patient is 17)')],
    ['18th birthday next month', '2008-02-01', because('the pack has no pediatric dose range for lisinopril, and adult ranges do not apply to a child (the patient is 17)')],
    ['18th birthday late next month', '2008-02-20', because('the pack has no pediatric dose range for lisinopril, and adult ranges do not apply to a child (the patient is 17)')],
    ['17th birthday today', '2009-01-15', because('the pack has no pediatric dose range for lisinopril, and adult ranges do not apply to a child (the patient is 17)')],
    ['a date-time birth date is read by its date', '2008-01-16T00:00:00Z', because('the pack has no pediatric dose range for lisinopril, and adult ranges do not apply to a child (the patient is 17)')],
    ['a malformed birth date counts as unknown age', '12008-01-16', over],
    ['a birth date with a one-digit day is malformed', '2015-01-1', over],
    ['no birth date counts as unknown age', undefined, over]
  ] as const)('%s', (_name, birthDate, expected) => {
    expect(doseResult(med('lisinopril', once(81, 'mg')), birthDate === undefined ? {} : { birthDate })).toEqual(expected);
  });
});

describe('how the usual range is described', () => {
  /** The bundled pack with lisinopril's oral range replaced. */
  const withRange = (range: DoseRange): DrugPack => {
    const pack = structuredClone(bundledDrugPack());
    pack.drugs.find((d) => d.id === 'lisinopril')!.doses = [range];
    return pack;
  };
  test('only a maximum per dose', () => {
    expect(doseResult(med('lisinopril', once(100, 'mg')), {}, withRange({ route: 'oral', unit: 'mg', maxSingle: 80 }))).toEqual({
      severity: 'moderate',
      title: 'Dose outside the usual adult range: lisinopril 100 mg',
      detail: 'Single dose 100 mg exceeds the usual maximum single dose of 80 mg. Usual adult oral range: ?–80 mg per dose.'
    });
  });
  test('only a minimum per dose', () => {
    expect(doseResult(med('lisinopril', once(5, 'mg')), {}, withRange({ route: 'oral', unit: 'mg', minSingle: 10 }))).toEqual({
      severity: 'minor',
      title: 'Dose outside the usual adult range: lisinopril 5 mg',
      detail: 'Single dose 5 mg is below the usual minimum of 10 mg. Usual adult oral range: 10–? mg per dose.'
    });
  });
  test('only a daily maximum', () => {
    expect(doseResult(med('lisinopril', daily(50, 'mg', 2)), {}, withRange({ route: 'oral', unit: 'mg', maxDaily: 80 }))).toEqual({
      severity: 'serious',
      title: 'Dose outside the usual adult range: lisinopril 50 mg (100 mg/day)',
      detail: 'Daily total 100 mg exceeds the usual maximum of 80 mg/day. Usual adult oral range: at most 80 mg/day.'
    });
  });
  test('a weekly maximum in mcg', () => {
    expect(doseResult(med('lisinopril', daily(0.2)), {}, withRange({ route: 'oral', unit: 'mcg', maxWeekly: 1400 }))).toEqual(OK);
    expect(doseResult(med('lisinopril', daily(0.25)), {}, withRange({ route: 'oral', unit: 'mcg', maxWeekly: 1400 }))).toEqual({
      severity: 'serious',
      title: 'Dose outside the usual adult range: lisinopril 0.25 mg (0.25 mg/day)',
      detail: 'Weekly total 1750 mcg exceeds the usual weekly maximum of 1400 mcg. Usual adult oral range: at most 1400 mcg/week.'
    });
  });
});
