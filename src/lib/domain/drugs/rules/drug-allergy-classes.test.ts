import { describe, expect, test } from 'vitest';
import { checkOrder } from '../check-order';
import type { AllergyInput, MedicationInput } from '../inputs';
import { bundledDrugPack } from '../drug-pack';
import { knowledgeFor } from '../knowledge';
import { isDrugAllergyCandidate, resolveAllergies } from './drug-allergy';
import { allergy, input, med } from '../test-factories';

const allergyAlerts = (order: string | MedicationInput, ...allergies: AllergyInput[]) =>
  checkOrder(input(typeof order === 'string' ? med(order) : order, [], allergies)).filter((x) => x.kind === 'drug-allergy');

const KHAN_2022 = 'Khan DA, et al. Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol 2022;150(6):1333-1393.';
const KHAN_URL = 'https://doi.org/10.1016/j.jaci.2022.08.028';
const ACCEPTABLE = 'Review the recorded reaction; the combination is usually acceptable.';
const AVOID = 'Review the recorded reaction and choose an alternative unless the benefit outweighs the risk.';

describe('drug–allergy class rules: exact alert text', () => {
  test('penicillin allergy, penicillin ordered: serious, with the rule citation and link', () => {
    const alerts = allergyAlerts('dicloxacillin', allergy('Penicillin'));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'drug-allergy',
      severity: 'serious',
      ruleId: 'allergy-penicillin',
      title: 'Penicillin allergy: ordered drug is a penicillin',
      detail: 'Recorded allergy: Penicillin. Ordered: dicloxacillin (dicloxacillin). The patient has a recorded penicillin allergy and the ordered drug is a penicillin.',
      action: AVOID,
      source: { citation: KHAN_2022, url: KHAN_URL }
    });
    expect(alerts[0].involved).toEqual([
      expect.objectContaining({ role: 'order', name: 'dicloxacillin' }),
      { role: 'allergy', name: 'Penicillin', ingredients: [] }
    ]);
  });

  test('penicillin allergy, cephalexin (similar side chain): moderate', () => {
    const [a] = allergyAlerts('cephalexin', allergy('penicillins'));
    expect([a.severity, a.ruleId, a.title, a.action]).toEqual(['moderate', 'allergy-penicillin', 'Penicillin allergy: cephalosporin with a similar side chain', AVOID]);
    expect(a.detail).toMatch(/^Recorded allergy: penicillins\. Ordered: cephalexin \(cephalexin\)\. Cross-reactivity between penicillins and cephalosporins is low overall and is driven mainly by similar R1 side chains; this cephalosporin shares a side chain with amoxicillin or ampicillin\./);
  });

  test('penicillin allergy, other cephalosporin: minor, usually acceptable', () => {
    const [a] = allergyAlerts('ceftriaxone', allergy('PCN'));
    expect([a.severity, a.ruleId, a.title, a.action]).toEqual(['minor', 'allergy-penicillin', 'Penicillin allergy: cephalosporin (low cross-reactivity)', ACCEPTABLE]);
    expect(a.detail).toMatch(/^Recorded allergy: PCN\. Ordered: ceftriaxone \(ceftriaxone\)\. Cross-reactivity between penicillins and cephalosporins is low\. The 2022 practice parameter supports giving a cephalosporin with a dissimilar side chain/);
  });

  test('penicillin allergy, carbapenem: minor', () => {
    const [a] = allergyAlerts('meropenem', allergy('Penicillin'));
    expect([a.severity, a.ruleId, a.title, a.action]).toEqual(['minor', 'allergy-penicillin', 'Penicillin allergy: carbapenem (very low cross-reactivity)', ACCEPTABLE]);
    expect(a.detail).toBe(
      'Recorded allergy: Penicillin. Ordered: meropenem (meropenem). Cross-reactivity between penicillins and carbapenems is under 1%; carbapenems may be given without testing per the 2022 practice parameter.'
    );
  });

  test('cephalosporin allergy both ways', () => {
    const [ceph] = allergyAlerts('cefdinir', allergy('Cephalosporins'));
    expect([ceph.severity, ceph.ruleId, ceph.title]).toEqual(['serious', 'allergy-cephalosporin', 'Cephalosporin allergy: ordered drug is a cephalosporin']);
    const [pen] = allergyAlerts('amoxicillin', allergy('cephalosporin'));
    expect([pen.severity, pen.ruleId, pen.title, pen.action]).toEqual(['minor', 'allergy-cephalosporin', 'Cephalosporin allergy: penicillin (low cross-reactivity)', ACCEPTABLE]);
  });

  test('sulfonamide antibiotic allergy: antibiotic serious, non-antibiotic only informational', () => {
    const [abx] = allergyAlerts('Bactrim DS', allergy('Sulfa'));
    expect(abx).toMatchObject({
      severity: 'serious',
      ruleId: 'allergy-sulfonamide-antibiotic',
      title: 'Sulfonamide allergy: ordered drug is an arylamine sulfonamide',
      action: AVOID,
      source: {
        citation: 'Strom BL, et al. Absence of cross-reactivity between sulfonamide antibiotics and sulfonamide nonantibiotics. N Engl J Med 2003;349:1628-1635.',
        url: 'https://doi.org/10.1056/NEJMoa022963'
      }
    });
    const [info] = allergyAlerts('furosemide', allergy('sulfonamides'));
    expect([info.severity, info.ruleId, info.title, info.action]).toEqual([
      'info',
      'allergy-sulfonamide-antibiotic',
      'Sulfonamide allergy: non-antibiotic sulfonamide (cross-reactivity not supported)',
      ACCEPTABLE
    ]);
    expect(info.detail).toMatch(/^Recorded allergy: sulfonamides\. Ordered: furosemide \(furosemide\)\. The ordered drug is a non-antibiotic sulfonamide\. Evidence does not support cross-reactivity/);
  });

  test('NSAID allergy: non-selective NSAID serious, COX-2 inhibitor moderate', () => {
    const [ns] = allergyAlerts('naproxen', allergy('NSAIDs'));
    expect([ns.severity, ns.ruleId, ns.title, ns.action]).toEqual(['serious', 'allergy-nsaid', 'NSAID allergy: ordered drug is an NSAID', AVOID]);
    const [cox] = allergyAlerts('celecoxib', allergy('salicylates'));
    expect([cox.severity, cox.ruleId, cox.title, cox.action]).toEqual(['moderate', 'allergy-nsaid', 'NSAID allergy: COX-2 selective NSAID', AVOID]);
  });

  test('opioid allergy: same structural group serious, different group moderate', () => {
    const [same] = allergyAlerts('morphine', allergy('codeine'));
    expect([same.severity, same.ruleId, same.title]).toEqual(['serious', 'allergy-opioid', 'Opioid allergy: same structural group']);
    const [other] = allergyAlerts('fentanyl patch', allergy('codeine'));
    expect([other.severity, other.ruleId, other.title]).toEqual(['moderate', 'allergy-opioid', 'Opioid allergy: different structural group']);
  });

  test('opioid allergy to two ingredients: any one in the same group as the order counts', () => {
    const [a] = allergyAlerts('morphine', allergy('codeine and fentanyl'));
    expect([a.severity, a.title]).toEqual(['serious', 'Opioid allergy: same structural group']);
    const [b] = allergyAlerts('morphine', allergy('fentanyl and codeine'));
    expect([b.severity, b.title]).toEqual(['serious', 'Opioid allergy: same structural group']);
  });

  test('an allergen without an opioid group does not put the order in the same group', () => {
    const alerts = allergyAlerts('morphine', allergy('ibuprofen and fentanyl'));
    expect(alerts.map((a) => [a.ruleId, a.severity, a.title])).toEqual([['allergy-opioid', 'moderate', 'Opioid allergy: different structural group']]);
  });

  test('a recorded structural group name matches the opioid rule through its parent class', () => {
    const [a] = allergyAlerts('morphine', allergy('Opioids, phenanthrene (morphinan) group'));
    expect([a.ruleId, a.severity]).toEqual(['allergy-opioid', 'serious']);
  });

  test('a recorded COX-2 class name matches the NSAID rule through its parent class', () => {
    const [a] = allergyAlerts('ibuprofen', allergy('COX-2 selective NSAIDs (coxibs)'));
    expect([a.ruleId, a.severity]).toEqual(['allergy-nsaid', 'serious']);
  });

  test('a term-only rule (aromatic anticonvulsants) matches its own terms', () => {
    const [a] = allergyAlerts('carbamazepine', allergy('anticonvulsants'));
    expect([a.ruleId, a.severity, a.title]).toEqual(['allergy-aromatic-anticonvulsant', 'serious', 'Aromatic anticonvulsant allergy: cross-sensitivity']);
  });

  test('a class term of one rule does not trigger a rule without allergen classes', () => {
    expect(allergyAlerts('carbamazepine', allergy('Penicillin'))).toEqual([]);
    expect(allergyAlerts('carbamazepine', allergy('opioids'))).toEqual([]);
  });

  test('ACE inhibitor reaction: ACE inhibitor contraindicated, ARB moderate', () => {
    const [ace] = allergyAlerts('enalapril', allergy('ACE inhibitors'));
    expect([ace.severity, ace.ruleId, ace.action]).toEqual(['contraindicated', 'allergy-ace-inhibitor', AVOID]);
    expect(ace.source).toEqual({ citation: expect.any(String), url: 'https://dailymed.nlm.nih.gov/' });
    const [arb] = allergyAlerts('losartan', allergy('ACE inhibitors'));
    expect([arb.severity, arb.ruleId, arb.title]).toEqual(['moderate', 'allergy-ace-inhibitor', 'ACE-inhibitor reaction: angiotensin receptor blocker']);
  });
});

describe('when several class rules match, the most severe alert is kept', () => {
  test('penicillin and cephalosporin allergies, penicillin ordered: the serious penicillin alert, not the minor cephalosporin one', () => {
    const alerts = allergyAlerts('amoxicillin', allergy('penicillins, cephalosporins'));
    expect(alerts.map((a) => [a.ruleId, a.severity])).toEqual([['allergy-penicillin', 'serious']]);
  });
  test('the later, more severe rule replaces an earlier milder one', () => {
    const alerts = allergyAlerts('cefdinir', allergy('penicillins, cephalosporins'));
    expect(alerts.map((a) => [a.ruleId, a.severity])).toEqual([['allergy-cephalosporin', 'serious']]);
  });
  test('equally severe rules: the first in pack order is kept', () => {
    const pack = bundledDrugPack();
    const extra = {
      id: 'allergy-beta-lactam-copy',
      sourceId: pack.allergyRules[0].sourceId,
      citation: 'Test citation.',
      allergen: { label: 'Penicillins (copy)', classes: ['penicillin'], ingredients: [], terms: [] },
      targets: [{ classes: ['penicillin'], ingredients: [], severity: 'serious' as const, title: 'Copy rule', detail: 'Copy.' }]
    };
    const run = (allergyRules: typeof pack.allergyRules) =>
      checkOrder(input(med('dicloxacillin'), [], [allergy('Penicillin')]), { ...pack, allergyRules })
        .filter((x) => x.kind === 'drug-allergy')
        .map((a) => [a.ruleId, a.severity]);
    expect(run([...pack.allergyRules, extra])).toEqual([['allergy-penicillin', 'serious']]);
    // Positive control: the copy does match, and wins when it comes first.
    expect(run([extra, ...pack.allergyRules])).toEqual([['allergy-beta-lactam-copy', 'serious']]);
  });
});

describe('same-ingredient alert text', () => {
  test('every shared ingredient is named, joined by commas', () => {
    const alerts = allergyAlerts('Augmentin', allergy('Augmentin', { reaction: 'hives', criticality: 'high', verificationStatus: 'unconfirmed' }));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      severity: 'contraindicated',
      ruleId: 'allergy-same-ingredient',
      title: 'Allergy: Augmentin contains amoxicillin, clavulanate, a recorded allergen',
      detail: 'Recorded allergy: Augmentin (reaction: hives; criticality: high; unconfirmed). The ordered drug contains amoxicillin, clavulanate.',
      action:
        'Do not give unless the allergy record is wrong or the benefit clearly outweighs the risk after review of the recorded reaction; update the allergy record if it is wrong.',
      source: { citation: 'Patient allergy record (same ingredient).' }
    });
  });
  test('a confirmed status is not repeated; no extras means no parentheses', () => {
    const [confirmed] = allergyAlerts('warfarin', allergy('warfarin', { verificationStatus: 'confirmed' }));
    expect(confirmed.detail).toBe('Recorded allergy: warfarin. The ordered drug contains warfarin.');
    const [reactionOnly] = allergyAlerts('warfarin', allergy('Coumadin', { reaction: 'rash', verificationStatus: 'confirmed' }));
    expect(reactionOnly.detail).toBe('Recorded allergy: Coumadin (reaction: rash). The ordered drug contains warfarin.');
    const [criticalityOnly] = allergyAlerts('warfarin', allergy('Coumadin', { criticality: 'low' }));
    expect(criticalityOnly.detail).toBe('Recorded allergy: Coumadin (criticality: low). The ordered drug contains warfarin.');
    const [presumed] = allergyAlerts('warfarin', allergy('Coumadin', { verificationStatus: 'presumed' }));
    expect(presumed.detail).toBe('Recorded allergy: Coumadin (presumed). The ordered drug contains warfarin.');
  });
});

describe('entries that must not alert', () => {
  const positive = allergy('Penicillin');
  test('positive control: a plain penicillin allergy alerts for a penicillin', () => {
    expect(allergyAlerts('dicloxacillin', positive)).toHaveLength(1);
    expect(isDrugAllergyCandidate(positive)).toBe(true);
  });
  test.each([
    ['food', { category: 'food' }],
    ['environment', { category: 'environment' }],
    ['refuted', { verificationStatus: 'refuted' }],
    ['entered-in-error', { verificationStatus: 'entered-in-error' }]
  ] as const)('%s entries are ignored', (_name, extra) => {
    const a = { ...positive, ...extra } as AllergyInput;
    expect(isDrugAllergyCandidate(a)).toBe(false);
    expect(allergyAlerts('dicloxacillin', a)).toEqual([]);
  });
  test.each([['biologic'], ['medication'], [undefined]] as const)('category %s is still checked', (category) => {
    expect(isDrugAllergyCandidate({ text: 'Penicillin', category })).toBe(true);
  });
  test('resolveAllergies drops the ignored entries and keeps the rest in order', () => {
    const k = knowledgeFor(bundledDrugPack());
    const out = resolveAllergies(k, [
      allergy('peanut', { category: 'food' }),
      allergy('Penicillin'),
      allergy('codeine', { verificationStatus: 'refuted' }),
      allergy('warfarin')
    ]);
    expect(out.map((r) => r.label)).toEqual(['Penicillin', 'warfarin']);
  });
  test('an unrelated drug class does not alert', () => {
    expect(allergyAlerts('azithromycin', allergy('Penicillin'))).toEqual([]);
  });
});

describe('an allergy recorded to a class no rule covers, or to one drug of such a class', () => {
  test.each([['Statins'], ['statin'], ['HMG-CoA reductase inhibitors'], ['HMG-CoA reductase inhibitors (statins)']])(
    '"%s" against atorvastatin: serious, from the record itself',
    (text) => {
      const alerts = allergyAlerts('atorvastatin', allergy(text));
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        severity: 'serious',
        ruleId: 'allergy-recorded-class',
        title: 'Allergy: atorvastatin is one of the HMG-CoA reductase inhibitors (statins), a recorded allergen class',
        detail: `Recorded allergy: ${text}. The ordered drug (atorvastatin) belongs to HMG-CoA reductase inhibitors (statins). The drug pack has no cross-reactivity rule for this class; the alert comes from the class named in the allergy record.`
      });
    }
  );

  test('"beta blocker" against metoprolol is serious; against a statin nothing', () => {
    expect(allergyAlerts('metoprolol', allergy('beta blocker')).map((a) => [a.severity, a.title])).toEqual([
      ['serious', 'Allergy: metoprolol is one of the beta blockers, a recorded allergen class']
    ]);
    expect(allergyAlerts('atorvastatin', allergy('beta blocker'))).toEqual([]);
  });

  test('a class with its own rule keeps the rule (ACE inhibitors: contraindicated, not the generic class alert)', () => {
    expect(allergyAlerts('lisinopril', allergy('ACE inhibitors')).map((a) => a.ruleId)).toEqual(['allergy-ace-inhibitor']);
  });

  test('simvastatin recorded, atorvastatin ordered: shown as cross-reactivity not assessed; simvastatin itself is contraindicated', () => {
    expect(allergyAlerts('atorvastatin', allergy('simvastatin')).map((a) => [a.severity, a.ruleId, a.title])).toEqual([
      ['info', 'allergy-same-class-not-assessed', 'Allergy to simvastatin: atorvastatin is in the same class (HMG-CoA reductase inhibitors (statins)); cross-reactivity not assessed']
    ]);
    expect(allergyAlerts('simvastatin', allergy('simvastatin')).map((a) => a.ruleId)).toEqual(['allergy-same-ingredient']);
    expect(allergyAlerts('lisinopril', allergy('simvastatin'))).toEqual([]);
  });
});
