import { describe, expect, test } from 'vitest';
import { checkOrder } from './check-order';
import type { AllergyInput } from './inputs';
import { allergy, input, med, rx } from './test-factories';

const allergyAlerts = (order: string, a: AllergyInput) => checkOrder(input(med(order), [], [a])).filter((x) => x.kind === 'drug-allergy');

describe('drug–allergy rules', () => {
  test.each([
    ['same ingredient', 'amoxicillin 500 mg', allergy('Amoxicillin'), 'allergy-same-ingredient', 'contraindicated'],
    ['same ingredient inside a combination', 'Augmentin 875', allergy('amoxicillin'), 'allergy-same-ingredient', 'contraindicated'],
    ['same ingredient by RxNorm code', 'warfarin 5 mg', { codings: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '11289' }], category: 'medication' } as AllergyInput, 'allergy-same-ingredient', 'contraindicated'],
    ['penicillin class -> penicillin', 'dicloxacillin', allergy('Penicillin'), 'allergy-penicillin', 'serious'],
    ['penicillin -> cephalosporin with similar side chain', 'cephalexin', allergy('penicillins'), 'allergy-penicillin', 'moderate'],
    ['penicillin -> other cephalosporin (low cross-reactivity)', 'ceftriaxone', allergy('PCN'), 'allergy-penicillin', 'minor'],
    ['penicillin -> carbapenem', 'meropenem', allergy('penicillin V'), 'allergy-penicillin', 'minor'],
    ['cephalosporin -> cephalosporin', 'cefdinir', allergy('cephalexin'), 'allergy-cephalosporin', 'serious'],
    ['cephalosporin -> penicillin (low)', 'amoxicillin', allergy('Keflex'), 'allergy-cephalosporin', 'minor'],
    ['sulfa -> sulfonamide antibiotic', 'Bactrim DS', allergy('Sulfa'), 'allergy-sulfonamide-antibiotic', 'serious'],
    ['sulfa -> sulfasalazine', 'sulfasalazine', allergy('sulfa drugs'), 'allergy-sulfonamide-antibiotic', 'serious'],
    ['sulfa -> furosemide (non-antibiotic caveat)', 'furosemide', allergy('Sulfa'), 'allergy-sulfonamide-antibiotic', 'info'],
    ['sulfa -> celecoxib (non-antibiotic caveat)', 'celecoxib', allergy('sulfamethoxazole'), 'allergy-sulfonamide-antibiotic', 'info'],
    ['aspirin -> NSAID', 'ibuprofen', allergy('Aspirin'), 'allergy-nsaid', 'serious'],
    ['NSAID class -> naproxen', 'naproxen', allergy('NSAIDs'), 'allergy-nsaid', 'serious'],
    ['NSAID -> COX-2 caveat', 'celecoxib', allergy('ibuprofen'), 'allergy-nsaid', 'moderate'],
    ['codeine -> morphine (same structural group)', 'morphine', allergy('codeine'), 'allergy-opioid', 'serious'],
    ['codeine -> fentanyl (different group)', 'fentanyl patch', allergy('codeine'), 'allergy-opioid', 'moderate'],
    ['opioids (class) -> tramadol', 'tramadol', allergy('Opioids'), 'allergy-opioid', 'serious'],
    ['macrolide', 'clarithromycin', allergy('azithromycin'), 'allergy-macrolide', 'moderate'],
    ['fluoroquinolone', 'levofloxacin', allergy('Cipro'), 'allergy-fluoroquinolone', 'serious'],
    ['tetracycline', 'minocycline', allergy('doxycycline'), 'allergy-tetracycline', 'moderate'],
    ['ACE inhibitor -> ACE inhibitor', 'enalapril', allergy('lisinopril', { reaction: 'angioedema' }), 'allergy-ace-inhibitor', 'contraindicated'],
    ['ACE inhibitor -> sacubitril/valsartan', 'Entresto', allergy('lisinopril'), 'allergy-ace-inhibitor', 'contraindicated'],
    ['ACE inhibitor -> ARB caveat', 'losartan', allergy('ACE inhibitors'), 'allergy-ace-inhibitor', 'moderate'],
    ['carbamazepine -> oxcarbazepine', 'oxcarbazepine', allergy('Tegretol'), 'allergy-aromatic-anticonvulsant', 'serious']
  ] as const)('%s', (_name, order, a, ruleId, severity) => {
    const alerts = allergyAlerts(order, a as AllergyInput);
    expect(alerts.map((x) => [x.ruleId, x.severity])).toEqual([[ruleId, severity]]);
    expect(alerts[0].source.citation.length).toBeGreaterThan(10);
    expect(alerts[0].involved.some((i) => i.role === 'allergy')).toBe(true);
  });

  test('the recorded reaction appears in the alert', () => {
    const [alert] = allergyAlerts('penicillin V', allergy('Penicillin', { reaction: 'hives', criticality: 'high' }));
    expect(alert.detail).toMatch(/hives/);
    expect(alert.detail).toMatch(/criticality: high/);
  });

  test.each([
    ['penicillin allergy, azithromycin ordered', 'azithromycin', allergy('Penicillin')],
    ['sulfa allergy, amoxicillin ordered', 'amoxicillin', allergy('Sulfa')],
    ['codeine allergy, acetaminophen ordered', 'acetaminophen', allergy('codeine')],
    ['food allergy is ignored', 'amoxicillin', { text: 'Allergy to peanuts', category: 'food' } as AllergyInput],
    ['refuted allergy is ignored', 'amoxicillin', allergy('amoxicillin', { verificationStatus: 'refuted' })],
    ['aromatic anticonvulsant allergy, levetiracetam ordered', 'levetiracetam', allergy('phenytoin')]
  ] as const)('negative: %s', (_name, order, a) => {
    expect(allergyAlerts(order, a as AllergyInput)).toEqual([]);
  });

  test('a drug allergy the pack cannot match is reported, not dropped', () => {
    const alerts = checkOrder(input(med('amoxicillin'), [], [allergy('Zyxorin')]));
    expect(alerts.find((a) => a.ruleId === 'not-checked-allergy')?.title).toMatch(/Zyxorin/);
  });

  test('an allergy coded only by an unknown RxNorm code is reported as not checked', () => {
    const alerts = checkOrder(input(med('amoxicillin'), [], [{ ...rx('99999999'), category: 'medication' }]));
    expect(alerts.some((a) => a.ruleId === 'not-checked-allergy')).toBe(true);
  });
});
