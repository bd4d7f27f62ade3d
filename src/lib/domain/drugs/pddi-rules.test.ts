import { describe, expect, test } from 'vitest';
import { checkOrder } from './check-order';
import type { ObservationInput, PatientContext } from './inputs';
import { input, med, NOW } from './test-factories';

const warfarinNsaid = (order: string, active: string[], patient: PatientContext = {}, route?: string) =>
  checkOrder(input(med(order, route ? { route } : {}), active.map((a) => ({ text: a })), [], { patient })).find((a) => a.ruleId === 'pddi-warfarin-nsaid');

describe('HL7 PDDI-CDS warfarin + NSAID: recommendation by context factor', () => {
  test.each([
    ['no risk factors', 'ibuprofen', ['warfarin'], {}, undefined, 'moderate', 'Assess risk'],
    ['topical diclofenac', 'diclofenac gel', ['warfarin'], {}, 'topical', 'info', 'No special precautions'],
    ['PPI protects even with risk factors', 'naproxen', ['warfarin', 'omeprazole', 'prednisone'], { birthDate: '1940-01-01' }, undefined, 'moderate', 'Assess risk'],
    ['misoprostol protects', 'naproxen', ['warfarin', 'misoprostol'], {}, undefined, 'moderate', 'Assess risk'],
    ['age over 65', 'naproxen', ['warfarin'], { birthDate: '1950-01-01' }, undefined, 'serious', 'Use only if benefit outweighs risk'],
    ['age exactly 65 is not over 65 (IG CQL: AgeInYears() > 65)', 'naproxen', ['warfarin'], { birthDate: '1960-06-01' }, undefined, 'moderate', 'Assess risk'],
    ['GI bleed by ICD-10-CM', 'naproxen', ['warfarin'], { conditions: [{ codings: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'K25.4', display: 'Chronic gastric ulcer with hemorrhage' }] }] }, undefined, 'serious', 'Use only'],
    ['GI bleed by wording', 'naproxen', ['warfarin'], { conditions: [{ text: 'History of upper GI bleeding' }] }, undefined, 'serious', 'Use only'],
    ['systemic corticosteroid', 'naproxen', ['warfarin', 'prednisone 10 mg'], {}, undefined, 'serious', 'Use only'],
    ['aldosterone antagonist', 'naproxen', ['warfarin', 'spironolactone'], {}, undefined, 'serious', 'Use only'],
    ['second NSAID', 'naproxen', ['warfarin', 'aspirin 81 mg'], {}, undefined, 'serious', 'Use only'],
    ['topical corticosteroid is not systemic', 'naproxen', ['warfarin', 'hydrocortisone 1% cream'], {}, undefined, 'moderate', 'Assess risk'],
    ['unrelated condition', 'naproxen', ['warfarin'], { conditions: [{ text: 'Essential hypertension' }] }, undefined, 'moderate', 'Assess risk']
  ] as const)('%s', (_name, order, active, patient, route, severity, action) => {
    const alert = warfarinNsaid(order, [...active], patient as PatientContext, route);
    expect(alert?.severity).toBe(severity);
    expect(alert?.action).toContain(action);
    expect(alert?.factors?.length).toBe(7);
    expect(alert?.source.citation).toMatch(/PDDI-CDS/);
  });

  test('fires when warfarin is the new order and the NSAID is active', () => {
    const alert = warfarinNsaid('warfarin 5 mg', ['celecoxib 200 mg'], { birthDate: '1945-03-03' });
    expect(alert?.severity).toBe('serious');
    expect(alert?.title).toMatch(/warfarin \(warfarin 5 mg\) and NSAID \(celecoxib 200 mg\)/);
  });

  test('every NSAID in the PDDI-CDS NSAID value set triggers it', () => {
    for (const nsaid of ['aspirin', 'celecoxib', 'diclofenac', 'diflunisal', 'etodolac', 'fenoprofen', 'flurbiprofen', 'ibuprofen', 'indomethacin', 'ketoprofen', 'ketorolac', 'mefenamic acid', 'meloxicam', 'nabumetone', 'naproxen', 'oxaprozin', 'piroxicam', 'sulindac', 'tolmetin'])
      expect(warfarinNsaid(nsaid, ['warfarin']), nsaid).toBeDefined();
  });
});

const obs = (code: string, value: number, unit: string, daysAgo: number): ObservationInput => ({
  codings: [{ system: 'http://loinc.org', code }],
  value,
  unit,
  effective: new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString()
});
const NORMAL_LABS = [obs('2823-3', 4.1, 'mEq/L', 20), obs('19123-9', 0.85, 'mmol/L', 20), obs('17861-6', 9.4, 'mg/dL', 20), obs('2160-0', 0.9, 'mg/dL', 20)];
const NORMAL_LEVEL = obs('10535-3', 0.7, 'ng/mL', 5);

describe('HL7 PDDI-CDS digoxin + cyclosporine: indicator by context', () => {
  const run = (order: string, active: string[], observations: ObservationInput[]) =>
    checkOrder(input(med(order), active.map((a) => med(a)), [], { patient: { observations } })).find((a) => a.ruleId === 'pddi-digoxin-cyclosporine');
  test.each([
    ['new cyclosporine, no digoxin level -> critical card', 'cyclosporine', ['digoxin'], [], 'serious'],
    ['new cyclosporine with a normal level -> warning', 'cyclosporine', ['digoxin'], [NORMAL_LEVEL, ...NORMAL_LABS], 'moderate'],
    ['new digoxin, no level -> warning', 'digoxin', ['cyclosporine'], [], 'moderate'],
    ['continuation digoxin, normal level and labs, no diuretic -> info', 'digoxin', ['cyclosporine', 'digoxin'], [NORMAL_LEVEL, ...NORMAL_LABS], 'info'],
    ['continuation, normal level, but on furosemide -> warning', 'digoxin', ['cyclosporine', 'digoxin', 'furosemide'], [NORMAL_LEVEL, ...NORMAL_LABS], 'moderate'],
    ['continuation, level older than 30 days -> warning', 'digoxin', ['cyclosporine', 'digoxin'], [obs('10535-3', 0.7, 'ng/mL', 45), ...NORMAL_LABS], 'moderate'],
    ['continuation, high digoxin level -> warning', 'digoxin', ['cyclosporine', 'digoxin'], [obs('10535-3', 1.4, 'ng/mL', 3), ...NORMAL_LABS], 'moderate'],
    ['continuation, low potassium -> warning', 'digoxin', ['cyclosporine', 'digoxin'], [NORMAL_LEVEL, obs('2823-3', 3.1, 'mEq/L', 10), ...NORMAL_LABS.slice(1)], 'moderate']
  ] as const)('%s', (_name, order, active, observations, severity) => {
    const alert = run(order, [...active], [...observations]);
    expect(alert?.severity).toBe(severity);
    expect(alert?.mechanism).toMatch(/P-glycoprotein/);
  });
});
