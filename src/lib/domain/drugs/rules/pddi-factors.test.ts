/**
 * HL7 PDDI-CDS context factors, one at a time: each factor on and off, the
 * age and lab-value boundaries, the look-back windows, and the exact text.
 * Checked on 2026-01-15 (test-factories NOW).
 */
import { describe, expect, test } from 'vitest';
import type { Alert } from '../alert';
import { checkOrder } from '../check-order';
import type { MedicationInput, ObservationInput, PatientContext } from '../inputs';
import { input, med, NOW } from '../test-factories';

const pddi = (ruleId: string, order: MedicationInput, active: MedicationInput[], patient: PatientContext = {}) =>
  checkOrder(input(order, active, [], { patient })).filter((a) => a.ruleId === ruleId);

const WARFARIN_MECHANISM =
  'NSAIDs have antiplatelet effects which increase the bleeding risk when combined with oral anticoagulants such as warfarin. NSAIDs also can cause peptic ulcers; most of the evidence for increased bleeding risk with NSAIDs plus warfarin is due to upper gastrointestinal bleeding (UGIB).';
const WARFARIN_ACTION =
  'If the NSAID is being used as an analgesic or antipyretic, it would be prudent to use an alternative such as acetaminophen. In some people, acetaminophen can increase the anticoagulant effect of warfarin, so monitor the INR if acetaminophen is used in doses over 2 g/day for a few days. For more severe pain consider short-term opioids in place of the NSAID.';
const BLEEDING = 'Increased risk of bleeding, including gastrointestinal bleeding, intracranial hemorrhage and cerebral hemorrhage.';
const UGIB_AGE = 'Patients with a history of UGIB or peptic ulcer may have an increased risk of UGIB from this interaction; UGIB in general increases with age.';
const STEROID = 'Corticosteroids and aldosterone antagonists substantially increase the risk of UGIB in patients on NSAIDs (relative risks 12.8 and 11 vs 4.3 with NSAIDs alone; Masclee et al., Gastroenterology 2014).';
const PPI = 'Proton pump inhibitors and misoprostol may reduce the risk of UGIB in patients receiving NSAIDs and warfarin.';

const absentFactors = [
  { label: 'NSAID is topical (low systemic absorption)', present: false },
  { label: 'Taking a proton pump inhibitor or misoprostol (protective)', present: false },
  { label: 'Age over 65 years', present: false, detail: 'Age unknown' },
  { label: 'History of upper GI bleeding or peptic ulcer', present: false },
  { label: 'Systemic corticosteroid', present: false },
  { label: 'Aldosterone antagonist', present: false },
  { label: 'Another NSAID', present: false }
];

describe('warfarin + NSAID', () => {
  const one = (order: MedicationInput, active: MedicationInput[], patient: PatientContext = {}) => {
    const alerts = pddi('pddi-warfarin-nsaid', order, active, patient);
    expect(alerts).toHaveLength(1);
    return alerts[0];
  };
  const summary = (a: Alert) => ({ severity: a.severity, action: a.action, detail: a.detail });
  const assess = (detail: string) => ({ severity: 'moderate', action: `Assess risk and take action if necessary. ${WARFARIN_ACTION}`, detail });
  const benefit = (detail: string) => ({ severity: 'serious', action: `Use only if benefit outweighs risk. ${WARFARIN_ACTION}`, detail });

  test('no risk factors: every field', () => {
    expect(one(med('ibuprofen'), [{ text: 'warfarin' }])).toEqual<Alert>({
      kind: 'drug-drug',
      severity: 'moderate',
      title: 'Potential drug–drug interaction between warfarin (warfarin) and NSAID (ibuprofen)',
      detail: BLEEDING,
      mechanism: WARFARIN_MECHANISM,
      action: `Assess risk and take action if necessary. ${WARFARIN_ACTION}`,
      source: { citation: 'HL7 PDDI-CDS Implementation Guide (CC0): Warfarin + NSAIDs knowledge artifact (Malone, Horn, Hansten; AHRQ R21-HS023826).', url: 'http://hl7.org/fhir/uv/pddi/' },
      ruleId: 'pddi-warfarin-nsaid',
      involved: [
        { role: 'order', name: 'ibuprofen', ingredients: ['ibuprofen'] },
        { role: 'active-medication', name: 'warfarin', ingredients: ['warfarin'] }
      ],
      factors: absentFactors
    });
  });

  test.each([
    ['66th birthday today', '1960-01-15', true, 'Age 66'],
    ['66th birthday yesterday', '1960-01-14', true, 'Age 66'],
    ['66th birthday tomorrow (65)', '1960-01-16', false, 'Age 65'],
    ['well under 65', '1990-05-05', false, 'Age 35']
  ] as const)('age: %s', (_name, birthDate, over65, detail) => {
    const alert = one(med('naproxen'), [{ text: 'warfarin' }], { birthDate });
    expect(alert.factors?.[2]).toEqual({ label: 'Age over 65 years', present: over65, detail });
    expect(summary(alert)).toEqual(over65 ? benefit(`${BLEEDING} ${UGIB_AGE}`) : assess(BLEEDING));
  });

  test('history of GI bleeding by ICD-10-CM code', () => {
    const alert = one(med('naproxen'), [{ text: 'warfarin' }], {
      conditions: [{ codings: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'K25.4', display: 'Chronic gastric ulcer with hemorrhage' }] }]
    });
    expect(alert.factors?.[3]).toEqual({ label: 'History of upper GI bleeding or peptic ulcer', present: true, detail: 'Chronic gastric ulcer with hemorrhage (ICD-10-CM K25.4)' });
    expect(summary(alert)).toEqual(benefit(`${BLEEDING} ${UGIB_AGE}`));
  });

  test('history of GI bleeding by wording', () => {
    const alert = one(med('naproxen'), [{ text: 'warfarin' }], { conditions: [{ text: 'Essential hypertension' }, { text: 'Duodenal ulcer 2019' }] });
    expect(alert.factors?.[3]).toEqual({ label: 'History of upper GI bleeding or peptic ulcer', present: true, detail: 'Duodenal ulcer 2019' });
    expect(alert.severity).toBe('serious');
  });

  test('systemic corticosteroid', () => {
    const alert = one(med('naproxen'), [{ text: 'warfarin' }, { text: 'prednisone 10 mg' }]);
    expect(alert.factors?.[4]).toEqual({ label: 'Systemic corticosteroid', present: true, detail: 'prednisone 10 mg' });
    expect(summary(alert)).toEqual(benefit(`${BLEEDING} ${STEROID}`));
  });

  test('aldosterone antagonist', () => {
    const alert = one(med('naproxen'), [{ text: 'warfarin' }, { text: 'spironolactone 25 mg' }]);
    expect(alert.factors?.[5]).toEqual({ label: 'Aldosterone antagonist', present: true, detail: 'spironolactone 25 mg' });
    expect(summary(alert)).toEqual(benefit(`${BLEEDING} ${STEROID}`));
  });

  test('another NSAID', () => {
    const alert = one(med('naproxen'), [{ text: 'warfarin' }, { text: 'aspirin 81 mg' }]);
    expect(alert.factors?.[6]).toEqual({ label: 'Another NSAID', present: true, detail: 'aspirin 81 mg' });
    expect(summary(alert)).toEqual(benefit(BLEEDING));
  });

  test('a PPI turns every risk factor back to "assess risk"', () => {
    const alert = one(med('naproxen'), [{ text: 'warfarin' }, { text: 'omeprazole 20 mg' }, { text: 'prednisone 10 mg' }], { birthDate: '1940-01-01' });
    expect(alert.factors?.[1]).toEqual({ label: 'Taking a proton pump inhibitor or misoprostol (protective)', present: true, detail: 'omeprazole 20 mg' });
    expect(summary(alert)).toEqual(assess(`${BLEEDING} ${PPI} ${UGIB_AGE} ${STEROID}`));
  });

  test('a topical NSAID: no special precautions, whatever the risk factors', () => {
    const alert = one({ text: 'diclofenac gel', route: 'topical' }, [{ text: 'warfarin' }, { text: 'prednisone 10 mg' }], { birthDate: '1940-01-01' });
    expect(alert.severity).toBe('info');
    expect(alert.action).toBe('No special precautions.');
    expect(alert.detail).toBe('Topical NSAIDs have relatively low systemic absorption; the IG gives no special precautions for topical diclofenac.');
    expect(alert.factors?.[0]).toEqual({
      label: 'NSAID is topical (low systemic absorption)',
      present: true,
      detail: 'Topical diclofenac gel (16 g/day) produced about 6% of the absorption of 150 mg/day systemic diclofenac.'
    });
  });
});

const obs = (code: string, value: number, unit: string, daysAgo: number): ObservationInput => ({
  codings: [{ system: 'http://loinc.org', code }],
  value,
  unit,
  effective: new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString()
});
const K = (v: number, unit = 'mEq/L', days = 20) => obs('2823-3', v, unit, days);
const MG = (v: number, unit = 'mmol/L', days = 20) => obs('19123-9', v, unit, days);
const CA = (v: number, unit = 'mg/dL', days = 20) => obs('17861-6', v, unit, days);
const CR = (v: number, unit = 'mg/dL', days = 20) => obs('2160-0', v, unit, days);
const LEVEL = (v: number, unit = 'ng/mL', days = 5) => obs('10535-3', v, unit, days);

describe('digoxin + cyclosporine', () => {
  /** Continuation digoxin with cyclosporine active: info only when level and labs are normal and no diuretic. */
  const continuation = (observations: ObservationInput[], extraActive: MedicationInput[] = []) => {
    const alerts = pddi('pddi-digoxin-cyclosporine', med('digoxin'), [med('cyclosporine'), med('digoxin'), ...extraActive], { observations });
    expect(alerts).toHaveLength(1);
    return alerts[0];
  };
  const labs = { K: K(4.1), MG: MG(0.85), CA: CA(9.4), CR: CR(0.9) };
  const withLab = (change: Partial<typeof labs>, level: ObservationInput = LEVEL(0.7)) => [level, ...Object.values({ ...labs, ...change })];

  test('continuation with a normal level and normal labs: every field', () => {
    expect(continuation(withLab({}))).toEqual<Alert>({
      kind: 'drug-drug',
      severity: 'info',
      title: 'Potential drug–drug interaction between digoxin (digoxin) and cyclosporine (cyclosporine)',
      detail:
        'Increased risk of digoxin toxicity: anorexia, nausea, vomiting, visual changes and cardiac arrhythmias. For patients with a reliable plasma digoxin concentration in normal range, anticipate an increase after cyclosporine starts; monitor closely and adjust the digoxin dose as needed. Hypokalemia, hypomagnesemia and hypercalcemia may potentiate digoxin toxicity. 50–70% of digoxin is excreted unchanged in the urine, so changing renal function may raise concentrations.',
      mechanism: 'Cyclosporine inhibits P-glycoprotein, a major transporter for digoxin efflux, raising digoxin concentrations.',
      action:
        'Assess risk and take action if necessary: consider a digoxin trough within 24 hours of starting cyclosporine, a pre-emptive digoxin dose reduction, and checking electrolytes and serum creatinine.',
      source: { citation: 'HL7 PDDI-CDS Implementation Guide (CC0): Digoxin + Cyclosporine knowledge artifact (Reese, Malone, Horn, Hansten; AHRQ R21-HS023826).', url: 'http://hl7.org/fhir/uv/pddi/' },
      ruleId: 'pddi-digoxin-cyclosporine',
      involved: [
        { role: 'order', name: 'digoxin', ingredients: ['digoxin'] },
        { role: 'active-medication', name: 'cyclosporine', ingredients: ['cyclosporine'] }
      ],
      factors: [
        { label: 'Continuation order (drug already active)', present: true },
        { label: 'Digoxin level below 0.9 ng/mL within 30 days', present: true, detail: '0.7 ng/mL on 2026-01-10T12:00:00.000Z' },
        {
          label: 'Normal potassium, magnesium, calcium and serum creatinine within 365 days',
          present: true,
          detail: 'K: 4.1 mEq/L on 2025-12-26T12:00:00.000Z; Mg: 0.85 mmol/L on 2025-12-26T12:00:00.000Z; Ca: 9.4 mg/dL on 2025-12-26T12:00:00.000Z; Creatinine: 0.9 mg/dL on 2025-12-26T12:00:00.000Z'
        },
        { label: 'Loop diuretic or aldosterone antagonist', present: false }
      ]
    });
  });

  test.each([
    ['0.89 ng/mL is normal', LEVEL(0.89), 'info'],
    ['0.9 ng/mL is not below 0.9', LEVEL(0.9), 'moderate'],
    ['1.19 nmol/L is normal', LEVEL(1.19, 'nmol/L'), 'info'],
    ['1.2 nmol/L is not', LEVEL(1.2, 'nmol/L'), 'moderate'],
    ['a level in another unit is not read', LEVEL(0.7, 'ug/L'), 'moderate'],
    ['a level 30 days old counts', LEVEL(0.7, 'ng/mL', 30), 'info'],
    ['a level 31 days old does not', LEVEL(0.7, 'ng/mL', 31), 'moderate'],
    ['a level dated two days ahead does not', LEVEL(0.7, 'ng/mL', -2), 'moderate'],
    ['the other digoxin LOINC code', obs('3563-4', 0.7, 'ng/mL', 5), 'info']
  ] as const)('digoxin level: %s', (_name, level, severity) => {
    const alert = continuation(withLab({}, level));
    expect(alert.severity).toBe(severity);
    expect(alert.factors?.[1].present).toBe(severity === 'info');
  });

  test.each([
    ['potassium 3.5 is not above the low limit', { K: K(3.5) }, 'moderate'],
    ['potassium 3.51', { K: K(3.51) }, 'info'],
    ['potassium 5.0 is not below the high limit', { K: K(5.0) }, 'moderate'],
    ['potassium 4.99', { K: K(4.99) }, 'info'],
    ['potassium in mmol/L', { K: K(4.1, 'mmol/L') }, 'info'],
    ['magnesium 0.7', { MG: MG(0.7) }, 'moderate'],
    ['magnesium 0.71', { MG: MG(0.71) }, 'info'],
    ['magnesium 1.1', { MG: MG(1.1) }, 'moderate'],
    ['magnesium 1.09', { MG: MG(1.09) }, 'info'],
    ['magnesium in mg/dL is not read', { MG: MG(2.0, 'mg/dL') }, 'moderate'],
    ['calcium 8.5', { CA: CA(8.5) }, 'moderate'],
    ['calcium 8.51', { CA: CA(8.51) }, 'info'],
    ['calcium 10.2', { CA: CA(10.2) }, 'moderate'],
    ['calcium 10.19', { CA: CA(10.19) }, 'info'],
    ['creatinine 0.6', { CR: CR(0.6) }, 'moderate'],
    ['creatinine 0.61', { CR: CR(0.61) }, 'info'],
    ['creatinine 1.2', { CR: CR(1.2) }, 'moderate'],
    ['creatinine 1.19', { CR: CR(1.19) }, 'info'],
    ['a lab 365 days old counts', { K: K(4.1, 'mEq/L', 365) }, 'info'],
    ['a lab 366 days old does not', { K: K(4.1, 'mEq/L', 366) }, 'moderate']
  ] as const)('labs: %s', (_name, change, severity) => {
    const alert = continuation(withLab(change));
    expect(alert.severity).toBe(severity);
    expect(alert.factors?.[2].present).toBe(severity === 'info');
  });

  test('a missing lab is shown as none on record', () => {
    const alert = continuation([LEVEL(0.7), K(4.1), MG(0.85), CA(9.4)]);
    expect(alert.severity).toBe('moderate');
    expect(alert.factors?.[2]).toEqual({
      label: 'Normal potassium, magnesium, calcium and serum creatinine within 365 days',
      present: false,
      detail: 'K: 4.1 mEq/L on 2025-12-26T12:00:00.000Z; Mg: 0.85 mmol/L on 2025-12-26T12:00:00.000Z; Ca: 9.4 mg/dL on 2025-12-26T12:00:00.000Z; Creatinine: none normal on record'
    });
  });

  test('the most recent normal lab is the one shown', () => {
    const alert = continuation([LEVEL(0.7), LEVEL(0.5, 'ng/mL', 2), ...Object.values(labs)]);
    expect(alert.factors?.[1]).toEqual({ label: 'Digoxin level below 0.9 ng/mL within 30 days', present: true, detail: '0.5 ng/mL on 2026-01-13T12:00:00.000Z' });
  });

  test.each([
    ['loop diuretic', { text: 'furosemide 40 mg' }],
    ['aldosterone antagonist', { text: 'spironolactone 25 mg' }]
  ])('%s', (_name, diuretic) => {
    const alert = continuation(withLab({}), [diuretic]);
    expect(alert.severity).toBe('moderate');
    expect(alert.factors?.[3]).toEqual({ label: 'Loop diuretic or aldosterone antagonist', present: true, detail: diuretic.text });
  });

  test('a new digoxin order, normal level and labs: warning, "New order"', () => {
    const [alert] = pddi('pddi-digoxin-cyclosporine', med('digoxin'), [med('cyclosporine')], { observations: withLab({}) });
    expect(alert.severity).toBe('moderate');
    expect(alert.factors?.[0]).toEqual({ label: 'New order', present: false });
  });

  test('a new cyclosporine order without a normal level: critical card, shown as serious, with the no-level advice', () => {
    const [alert] = pddi('pddi-digoxin-cyclosporine', med('cyclosporine'), [med('digoxin')], { observations: withLab({}, LEVEL(0.9)) });
    expect(alert.severity).toBe('serious');
    expect(alert.title).toBe('Potential drug–drug interaction between digoxin (digoxin) and cyclosporine (cyclosporine)');
    expect(alert.involved.map((i) => [i.role, i.name])).toEqual([
      ['order', 'cyclosporine'],
      ['active-medication', 'digoxin']
    ]);
    expect(alert.detail).toBe(
      'Increased risk of digoxin toxicity: anorexia, nausea, vomiting, visual changes and cardiac arrhythmias. Without a reliable normal digoxin level on record, use only if benefits outweigh risks; extreme caution and close monitoring are necessary. Hypokalemia, hypomagnesemia and hypercalcemia may potentiate digoxin toxicity. 50–70% of digoxin is excreted unchanged in the urine, so changing renal function may raise concentrations.'
    );
  });

  test('a new cyclosporine order with a normal level: warning', () => {
    const [alert] = pddi('pddi-digoxin-cyclosporine', med('cyclosporine'), [med('digoxin')], { observations: withLab({}, LEVEL(0.89)) });
    expect(alert.severity).toBe('moderate');
  });
});
