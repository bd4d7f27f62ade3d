import { describe, expect, test } from 'vitest';
import { checkOrder } from './check-order';
import { bundledDrugPack } from './drug-pack';
import type { MedicationInput } from './inputs';
import { daily, input, med, rx } from './test-factories';

const kinds = (order: MedicationInput, active: MedicationInput[] = [], kind: string) => checkOrder(input(order, active)).filter((a) => a.kind === kind);

describe('duplicate therapy', () => {
  test.each([
    ['two SSRIs', 'sertraline', 'fluoxetine', 'duplicate-class', 'moderate', /Selective serotonin reuptake inhibitors/],
    ['two statins', 'atorvastatin', 'rosuvastatin', 'duplicate-class', 'moderate', /statins/],
    ['ACE inhibitor + ARB (dual RAS blockade)', 'lisinopril', 'losartan', 'duplicate-class', 'moderate', /Renin–angiotensin/],
    ['two ACE inhibitors names the specific class', 'lisinopril', 'enalapril', 'duplicate-class', 'moderate', /ACE inhibitors/],
    ['two PPIs', 'pantoprazole', 'omeprazole', 'duplicate-class', 'moderate', /Proton pump/],
    ['warfarin + apixaban', 'apixaban', 'warfarin', 'duplicate-class', 'moderate', /Oral anticoagulants/],
    ['two benzodiazepines', 'lorazepam', 'alprazolam', 'duplicate-class', 'moderate', /Benzodiazepines/],
    ['same ingredient already active', 'metformin 500 mg', 'Glucophage 1000 mg', 'duplicate-same-ingredient', 'minor', /metformin/]
  ])('%s', (_name, order, active, ruleId, severity, title) => {
    const [alert, ...rest] = kinds(med(order), [med(active)], 'duplicate-therapy');
    expect(rest).toEqual([]);
    expect([alert.ruleId, alert.severity]).toEqual([ruleId, severity]);
    expect(alert.title).toMatch(title);
  });

  test.each([
    ['ACE inhibitor + thiazide', 'lisinopril', 'hydrochlorothiazide'],
    ['statin + ezetimibe', 'atorvastatin', 'ezetimibe'],
    ['insulin glargine + insulin lispro (class not duplicate-checked)', 'insulin glargine', 'insulin lispro'],
    ['oral prednisone + hydrocortisone cream (non-systemic)', 'prednisone', 'hydrocortisone cream']
  ])('negative: %s', (_name, order, active) => {
    const activeMed = active.includes('cream') ? { text: active } : med(active);
    expect(kinds(med(order), [activeMed], 'duplicate-therapy')).toEqual([]);
  });
});

describe('dose range', () => {
  const dose = (order: MedicationInput) => checkOrder(input(order)).filter((a) => a.kind === 'dose-range' || a.ruleId === 'not-checked-dose');
  test.each([
    ['within range', med('lisinopril', daily(20)), null],
    ['daily total above maximum', med('ibuprofen', daily(800, 'mg', 5)), 'serious'],
    ['single dose above maximum', med('citalopram', daily(60)), 'serious'],
    ['single above max, daily fine', med('sumatriptan', { dose: { value: 150, unit: 'mg' } }), 'moderate'],
    ['below usual minimum', med('atorvastatin', daily(5)), 'minor'],
    ['micrograms converted', med('levocetirizine', daily(5000, 'mcg')), null],
    ['grams converted', med('acetaminophen', daily(1.5, 'g', 4)), 'serious'],
    ['tablets times product strength', rx('834022', 'Ketorolac Tromethamine 10 MG Oral Tablet', { dose: { value: 2, unit: 'tablet' }, timing: { frequency: 4, period: 1, periodUnit: 'd' } }), 'serious'],
    ['mL times concentration', rx('996740', 'Memantine hydrochloride 2 MG/ML Oral Solution', { dose: { value: 5, unit: 'mL' }, timing: { frequency: 2, period: 1, periodUnit: 'd' } }), null],
    ['methotrexate daily instead of weekly', med('methotrexate', daily(10)), 'serious'],
    ['methotrexate weekly', med('methotrexate', { dose: { value: 15, unit: 'mg' }, timing: { frequency: 1, period: 1, periodUnit: 'wk' } }), null],
    ['alendronate weekly 70 mg', med('alendronate', { dose: { value: 70, unit: 'mg' }, timing: { frequency: 1, period: 1, periodUnit: 'wk' } }), null]
  ] as const)('%s', (_name, order, severity) => {
    const alerts = dose(order).filter((a) => a.kind === 'dose-range');
    if (severity === null) expect(alerts).toEqual([]);
    else expect(alerts.map((a) => a.severity)).toEqual([severity]);
  });

  test.each([
    ['no dose on the order', med('lisinopril'), /no dose/],
    ['no range in the pack (opioid)', med('oxycodone', daily(10)), /no usual dose range/],
    ['unconvertible unit', med('lisinopril', daily(1, 'puff')), /could not be converted/],
    ['child', med('lisinopril', daily(10)), /no pediatric dose range for lisinopril, and adult ranges do not apply to a child \(the patient is 6\)/],
    ['route without a range', med('ketorolac', { route: 'ophthalmic', ...daily(1, 'mg') }), /no ophthalmic dose range/]
  ])('not checked: %s', (name, order, reason) => {
    const patient = name === 'child' ? { birthDate: '2019-05-01' } : {};
    const alerts = checkOrder(input(order, [], [], { patient }));
    const notChecked = alerts.find((a) => a.ruleId === 'not-checked-dose');
    expect(notChecked?.detail).toMatch(reason);
    expect(alerts.some((a) => a.kind === 'dose-range')).toBe(false);
  });
});

describe('not checked, never silent', () => {
  test('an unknown drug yields only a plain not-checked alert', () => {
    const alerts = checkOrder(input(med('Zyxorin 10 mg'), [med('warfarin')], []));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'not-checked', ruleId: 'not-checked-order' });
    expect(alerts[0].title).toMatch(/Zyxorin 10 mg is not in Outpost's drug dictionary/);
    expect(alerts[0].source.citation).toMatch(/NOT a comprehensive/);
  });
  test('an unknown RxNorm code with no name is not checked', () => {
    expect(checkOrder(input(rx('99999999')))[0].ruleId).toBe('not-checked-order');
  });
  test('unmatched active medications are listed', () => {
    const alerts = checkOrder(input(med('sertraline'), [med('Florbex'), med('Quimtol')]));
    expect(alerts.find((a) => a.ruleId === 'not-checked-active')?.title).toMatch(/2 active medications: Florbex, Quimtol/);
  });
  test('a combination product with an ingredient the pack lacks says which part was not checked', () => {
    const [code, product] = Object.entries(bundledDrugPack().products).find(([, p]) => p.unknownComponents?.some((c) => /^butalbital$/i.test(c)))!;
    const alerts = checkOrder(input(rx(code)));
    expect(alerts.some((a) => a.ruleId === 'not-checked-order')).toBe(false);
    expect(alerts.find((a) => a.ruleId === 'not-checked-component')?.title).toMatch(/butalbital/i);
    expect(product.ingredients).toContain('aspirin');
  });
});
