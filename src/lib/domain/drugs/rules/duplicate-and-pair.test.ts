/**
 * Duplicate therapy (same ingredient, shared therapeutic class) and pairwise
 * interaction alerts, field by field, with the cited source.
 */
import { describe, expect, test } from 'vitest';
import type { Alert } from '../alert';
import { checkOrder } from '../check-order';
import { bundledDrugPack } from '../drug-pack';
import type { MedicationInput } from '../inputs';
import type { DrugPack } from '../pack-schema';
import { input, med, rx } from '../test-factories';

const ofKind = (kind: string, order: MedicationInput, active: MedicationInput[], pack?: DrugPack) => checkOrder(input(order, active), pack).filter((a) => a.kind === kind);
const ATC = { citation: 'Outpost duplicate-therapy classes, mapped to WHO ATC groups (WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index).', url: 'https://atcddd.fhi.no/atc_ddd_index/' };
const editedPack = (edit: (p: DrugPack) => void): DrugPack => {
  const pack = structuredClone(bundledDrugPack());
  edit(pack);
  return pack;
};

describe('duplicate therapy: same ingredient', () => {
  test('every field, with both shared ingredients of a combination named', () => {
    expect(ofKind('duplicate-therapy', med('lisinopril and hydrochlorothiazide'), [med('lisinopril and hydrochlorothiazide')])).toEqual<Alert[]>([
      {
        kind: 'duplicate-therapy',
        severity: 'minor',
        title: 'Already active: lisinopril, hydrochlorothiazide (lisinopril and hydrochlorothiazide)',
        detail: 'The patient already has an active order containing lisinopril, hydrochlorothiazide: lisinopril and hydrochlorothiazide.',
        action: 'If this order replaces the active one, stop the active order; otherwise the patient would take it twice.',
        source: { citation: 'Patient active medication list (same ingredient).' },
        ruleId: 'duplicate-same-ingredient',
        involved: [
          { role: 'order', name: 'lisinopril and hydrochlorothiazide', ingredients: ['lisinopril', 'hydrochlorothiazide'] },
          { role: 'active-medication', name: 'lisinopril and hydrochlorothiazide', ingredients: ['lisinopril', 'hydrochlorothiazide'] }
        ]
      }
    ]);
  });
  test('an RxNorm-coded medicine carries its code into the involved items', () => {
    const [alert] = ofKind('duplicate-therapy', rx('42355', 'fluvoxamine', { route: 'oral' }), [rx('42355', 'fluvoxamine', { route: 'oral' })]);
    expect(alert.involved).toEqual([
      { role: 'order', name: 'fluvoxamine', ingredients: ['fluvoxamine'], rxcui: '42355' },
      { role: 'active-medication', name: 'fluvoxamine', ingredients: ['fluvoxamine'], rxcui: '42355' }
    ]);
  });
  test('a topical order does not duplicate an oral active medicine of the same ingredient', () => {
    expect(ofKind('duplicate-therapy', { text: 'hydrocortisone cream' }, [med('hydrocortisone 10 mg tablet')])).toEqual([]);
    // Positive control: the same ingredient ordered orally is a duplicate.
    expect(ofKind('duplicate-therapy', med('hydrocortisone 20 mg tablet'), [med('hydrocortisone 10 mg tablet')]).map((a) => a.ruleId)).toEqual(['duplicate-same-ingredient']);
  });
  test('an oral order does not duplicate a topical active medicine of the same ingredient', () => {
    expect(ofKind('duplicate-therapy', med('hydrocortisone 20 mg tablet'), [{ text: 'hydrocortisone cream' }])).toEqual([]);
  });
});

describe('duplicate therapy: shared class', () => {
  test('every field, with the class note', () => {
    expect(ofKind('duplicate-therapy', med('naproxen'), [med('ibuprofen')])).toEqual<Alert[]>([
      {
        kind: 'duplicate-therapy',
        severity: 'moderate',
        title: 'Duplicate therapy: naproxen and ibuprofen are both Non-steroidal anti-inflammatory drugs',
        detail: 'The new order naproxen and the active ibuprofen are in the same class (Non-steroidal anti-inflammatory drugs, ATC M01A). Membership follows the PDDI-CDS NSAID value set, which includes aspirin.',
        action: 'Confirm both are intended (e.g. a planned switch or cross-taper); otherwise stop one.',
        source: ATC,
        ruleId: 'duplicate-class',
        involved: [
          { role: 'order', name: 'naproxen', ingredients: ['naproxen'] },
          { role: 'active-medication', name: 'ibuprofen', ingredients: ['ibuprofen'] }
        ]
      }
    ]);
  });
  test('a class without a note', () => {
    const [alert] = ofKind('duplicate-therapy', med('sertraline'), [med('fluoxetine')]);
    expect(alert.detail).toBe('The new order sertraline and the active fluoxetine are in the same class (Selective serotonin reuptake inhibitors, ATC N06AB).');
  });
  test('a class with several ATC groups', () => {
    const [alert] = ofKind('duplicate-therapy', med('lorazepam'), [med('alprazolam')]);
    expect(alert.detail).toBe('The new order lorazepam and the active alprazolam are in the same class (Benzodiazepines, ATC N05BA, N05CD, N03AE).');
  });
  test('a class without ATC groups', () => {
    const pack = editedPack((p) => {
      p.classes.find((c) => c.id === 'ssri')!.atc = [];
    });
    const [alert] = ofKind('duplicate-therapy', med('sertraline'), [med('fluoxetine')], pack);
    expect(alert.detail).toBe('The new order sertraline and the active fluoxetine are in the same class (Selective serotonin reuptake inhibitors).');
  });
  test('the most specific shared class is named, whatever order the pack lists a drug’s classes in', () => {
    const pack = editedPack((p) => {
      p.drugs.find((d) => d.id === 'lisinopril')!.classes = ['raas-inhibitor', 'ace-inhibitor'];
      p.drugs.find((d) => d.id === 'enalapril')!.classes = ['raas-inhibitor', 'ace-inhibitor'];
    });
    const [alert] = ofKind('duplicate-therapy', med('lisinopril'), [med('enalapril')], pack);
    expect(alert.title).toBe('Duplicate therapy: lisinopril and enalapril are both ACE inhibitors');
  });
  test('an ACE inhibitor and an ARB share only the parent class', () => {
    const [alert] = ofKind('duplicate-therapy', med('lisinopril'), [med('losartan')]);
    expect(alert.title).toBe('Duplicate therapy: lisinopril and losartan are both Renin–angiotensin system inhibitors');
  });
  test('only therapeutic classes count, even when an interaction group is marked for duplicate checking', () => {
    // citalopram and ondansetron share only the "qt-high-risk" interaction group.
    const marked = (kind: 'interaction-group' | 'therapeutic') =>
      editedPack((p) => {
        const c = p.classes.find((x) => x.id === 'qt-high-risk')!;
        c.duplicateCheck = true;
        c.kind = kind as typeof c.kind;
      });
    expect(ofKind('duplicate-therapy', med('citalopram'), [med('ondansetron')], marked('interaction-group'))).toEqual([]);
    // Positive control: the same class as a therapeutic class is reported.
    expect(ofKind('duplicate-therapy', med('citalopram'), [med('ondansetron')], marked('therapeutic')).map((a) => a.ruleId)).toEqual(['duplicate-class']);
  });
});

describe('pairwise interaction rules', () => {
  const PHANSALKAR = { citation: 'Phansalkar S, et al. High-priority drug-drug interactions for use in electronic health records. JAMIA 2012;19(5):735-743.', url: 'https://doi.org/10.1136/amiajnl-2011-000612' };
  const ramelteon = {
    kind: 'drug-drug' as const,
    mechanism: 'Ramelteon is cleared mainly by CYP1A2; fluvoxamine raised ramelteon AUC about 190-fold in the labeled study.',
    action: 'Do not use ramelteon with fluvoxamine (labeling); use caution with other strong CYP1A2 inhibitors.',
    source: PHANSALKAR,
    ruleId: 'onc-ramelteon-cyp1a2'
  };
  test('every field, rule severity', () => {
    expect(ofKind('drug-drug', med('ramelteon'), [med('ciprofloxacin')])).toEqual<Alert[]>([
      {
        ...ramelteon,
        severity: 'serious',
        title: 'Ramelteon + strong CYP1A2 inhibitor: ramelteon with ciprofloxacin',
        detail: 'Greatly increased ramelteon exposure and sedation. The new order ramelteon (ramelteon) and the active ciprofloxacin (ciprofloxacin) fall under "Ramelteon" + "Strong CYP1A2 inhibitors".',
        involved: [
          { role: 'order', name: 'ramelteon', ingredients: ['ramelteon'] },
          { role: 'active-medication', name: 'ciprofloxacin', ingredients: ['ciprofloxacin'] }
        ]
      }
    ]);
  });
  test('every field, with the override for a named ingredient', () => {
    expect(ofKind('drug-drug', med('ramelteon'), [med('fluvoxamine')])).toEqual<Alert[]>([
      {
        ...ramelteon,
        severity: 'contraindicated',
        title: 'Ramelteon + strong CYP1A2 inhibitor: ramelteon with fluvoxamine',
        detail: 'Greatly increased ramelteon exposure and sedation. Ramelteon labeling: do not use with fluvoxamine. The new order ramelteon (ramelteon) and the active fluvoxamine (fluvoxamine) fall under "Ramelteon" + "Strong CYP1A2 inhibitors".',
        involved: [
          { role: 'order', name: 'ramelteon', ingredients: ['ramelteon'] },
          { role: 'active-medication', name: 'fluvoxamine', ingredients: ['fluvoxamine'] }
        ]
      }
    ]);
  });
  test('a rule without a URL cites without one', () => {
    const pack = editedPack((p) => {
      delete p.interactions.find((r) => r.id === 'onc-ramelteon-cyp1a2')!.url;
    });
    const [alert] = ofKind('drug-drug', med('ramelteon'), [med('ciprofloxacin')], pack);
    expect(alert.source).toEqual({ citation: 'Phansalkar S, et al. High-priority drug-drug interactions for use in electronic health records. JAMIA 2012;19(5):735-743.' });
  });
  test('one alert per rule and active medicine, even when two ingredients of the order hit the rule', () => {
    // Lopinavir and ritonavir are both on the inhibitor side of the statin rule.
    expect(ofKind('drug-drug', med('lopinavir and ritonavir'), [med('simvastatin')])).toEqual<Alert[]>([
      {
        kind: 'drug-drug',
        severity: 'contraindicated',
        title: 'CYP3A4-metabolised statin + CYP3A4 or protease inhibitor: lopinavir with simvastatin',
        detail:
          'Myopathy and rhabdomyolysis. Simvastatin and lovastatin labeling contraindicate strong CYP3A4 inhibitors. The new order lopinavir and ritonavir (lopinavir) and the active simvastatin (simvastatin) fall under "Simvastatin, lovastatin, atorvastatin" + "Strong CYP3A4 inhibitors and HIV protease inhibitors".',
        mechanism: 'CYP3A4 inhibition raises statin exposure.',
        action: 'Simvastatin and lovastatin are contraindicated with these inhibitors. For atorvastatin, limit the dose as its labeling directs, or switch to pravastatin or rosuvastatin, which are not CYP3A4 substrates.',
        source: PHANSALKAR,
        ruleId: 'onc-statin-cyp3a4',
        involved: [
          { role: 'order', name: 'lopinavir and ritonavir', ingredients: ['lopinavir', 'ritonavir'] },
          { role: 'active-medication', name: 'simvastatin', ingredients: ['simvastatin'] }
        ]
      }
    ]);
  });
  test('the same rule fires again for a second active medicine', () => {
    expect(ofKind('drug-drug', med('ramelteon'), [med('ciprofloxacin'), med('fluvoxamine')]).map((a) => [a.ruleId, a.severity, a.title])).toEqual([
      ['onc-ramelteon-cyp1a2', 'contraindicated', 'Ramelteon + strong CYP1A2 inhibitor: ramelteon with fluvoxamine'],
      ['onc-ramelteon-cyp1a2', 'serious', 'Ramelteon + strong CYP1A2 inhibitor: ramelteon with ciprofloxacin']
    ]);
  });
});
