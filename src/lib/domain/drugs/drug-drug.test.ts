import { describe, expect, test } from 'vitest';
import { checkOrder } from './check-order';
import { bundledDrugPack } from './drug-pack';
import { knowledgeFor } from './knowledge';
import { input, med } from './test-factories';

const pack = bundledDrugPack();
const k = knowledgeFor(pack);
const ddi = (order: string, active: string) => checkOrder(input(med(order), [med(active)])).filter((a) => a.kind === 'drug-drug');
const ruleIds = (order: string, active: string) => ddi(order, active).map((a) => a.ruleId);

/**
 * One representative pair per rule: rule id, drug ordered, drug already active,
 * the severity expected with that pair in that order, and the severity
 * expected in reverse (the second drug ordered while the first is active).
 * Only digoxin + cyclosporine differs by direction: the HL7 PDDI-CDS
 * digoxin-level card is critical (serious) for a new cyclosporine order with
 * no normal digoxin level, and a warning (moderate) for a new digoxin order.
 */
const PAIRS: [string, string, string, string, string][] = [
  ['onc-amphetamine-maoi', 'lisdexamfetamine', 'phenelzine', 'contraindicated', 'contraindicated'],
  ['onc-atazanavir-ppi', 'atazanavir', 'omeprazole', 'serious', 'serious'],
  ['onc-febuxostat-thiopurine', 'febuxostat', 'azathioprine', 'contraindicated', 'contraindicated'],
  ['onc-serotonergic-maoi', 'sertraline', 'tranylcypromine', 'contraindicated', 'contraindicated'],
  ['onc-irinotecan-cyp3a4', 'irinotecan', 'ketoconazole', 'serious', 'serious'],
  ['onc-opioid-maoi', 'meperidine', 'selegiline', 'contraindicated', 'contraindicated'],
  ['onc-tca-maoi', 'amitriptyline', 'isocarboxazid', 'contraindicated', 'contraindicated'],
  ['onc-qt-qt', 'amiodarone', 'haloperidol', 'serious', 'serious'],
  ['onc-ramelteon-cyp1a2', 'ramelteon', 'fluvoxamine', 'contraindicated', 'contraindicated'],
  ['onc-ramelteon-cyp1a2', 'ramelteon', 'ciprofloxacin', 'serious', 'serious'],
  ['onc-protease-inhibitor-inducer', 'darunavir', 'rifampin', 'contraindicated', 'contraindicated'],
  ['onc-statin-cyp3a4', 'simvastatin', 'clarithromycin', 'contraindicated', 'contraindicated'],
  ['onc-statin-cyp3a4', 'atorvastatin', 'itraconazole', 'serious', 'serious'],
  ['onc-ergot-cyp3a4', 'ergotamine', 'ritonavir', 'contraindicated', 'contraindicated'],
  ['onc-tizanidine-cyp1a2', 'tizanidine', 'ciprofloxacin', 'contraindicated', 'contraindicated'],
  ['onc-tranylcypromine-procarbazine', 'tranylcypromine', 'procarbazine', 'contraindicated', 'contraindicated'],
  ['onc-triptan-maoi', 'sumatriptan', 'phenelzine', 'contraindicated', 'contraindicated'],
  ['onc-triptan-maoi', 'eletriptan', 'phenelzine', 'serious', 'serious'],
  ['pddi-warfarin-nsaid', 'warfarin', 'ibuprofen', 'moderate', 'moderate'],
  ['pddi-digoxin-cyclosporine', 'cyclosporine', 'digoxin', 'serious', 'moderate'],
  ['fda-pde5-nitrate', 'sildenafil', 'isosorbide mononitrate', 'contraindicated', 'contraindicated'],
  ['fda-allopurinol-thiopurine', 'allopurinol', 'mercaptopurine', 'serious', 'serious'],
  ['fda-methotrexate-trimethoprim', 'methotrexate', 'trimethoprim', 'serious', 'serious'],
  ['fda-mao-inhibiting-serotonergic', 'linezolid', 'sertraline', 'serious', 'serious'],
  ['fda-mao-inhibiting-maoi', 'linezolid', 'phenelzine', 'contraindicated', 'contraindicated'],
  ['fda-mao-inhibiting-maoi', 'methylene blue', 'phenelzine', 'serious', 'serious'],
  // Low-priority pairs of Phansalkar et al. 2013, shown without interrupting (low-priority-pairs.test.ts).
  ['low-01-acei-salicylate', 'ramipril', 'aspirin', 'minor', 'minor'],
  ['low-03-beta-blocker-ssri', 'propranolol', 'fluoxetine', 'minor', 'minor'],
  ['low-04-iron-ppi', 'ferrous sulfate', 'pantoprazole', 'minor', 'minor'],
  ['low-05-thiazide-acei', 'chlorthalidone', 'enalapril', 'minor', 'minor'],
  ['low-06-thyroid-calcium', 'levothyroxine', 'calcium carbonate', 'minor', 'minor'],
  ['low-07-thyroid-statin', 'levothyroxine', 'rosuvastatin', 'minor', 'minor'],
  ['low-08-thiazide-nsaid', 'hydrochlorothiazide', 'naproxen', 'minor', 'minor'],
  ['low-09-beta-blocker-thyroid', 'metoprolol', 'levothyroxine', 'minor', 'minor'],
  ['low-10-macrolide-immunosuppressant-corticosteroid', 'tacrolimus', 'prednisone', 'minor', 'minor'],
  ['low-11-antacid-corticosteroid', 'magnesium oxide', 'prednisone', 'minor', 'minor'],
  ['low-12-bisphosphonate-calcium', 'risedronate', 'calcium carbonate', 'minor', 'minor'],
  ['low-13-vitamin-b12-omeprazole', 'cyanocobalamin', 'omeprazole', 'minor', 'minor'],
  ['low-14-folic-acid-methotrexate', 'folic acid', 'methotrexate', 'minor', 'minor'],
  ['low-15-sulfonylurea-acei', 'glipizide', 'lisinopril', 'minor', 'minor'],
  ['low-16-iron-thyroid', 'ferrous sulfate', 'liothyronine', 'minor', 'minor'],
  ['low-17-anticoagulant-corticosteroid', 'rivaroxaban', 'dexamethasone', 'minor', 'minor'],
  ['low-18-anticoagulant-acetaminophen', 'warfarin', 'acetaminophen', 'minor', 'minor'],
  ['low-19-antacid-iron', 'magnesium oxide', 'ferrous sulfate', 'minor', 'minor'],
  ['low-20-anticoagulant-ppi', 'dabigatran', 'esomeprazole', 'minor', 'minor'],
  ['low-21-ppi-imidazole', 'lansoprazole', 'ketoconazole', 'minor', 'minor'],
  ['low-22-beta-blocker-calcium', 'bisoprolol', 'calcium carbonate', 'minor', 'minor'],
  ['low-23-acei-arb', 'benazepril', 'valsartan', 'minor', 'minor'],
  ['low-24-anticoagulant-statin', 'enoxaparin', 'pravastatin', 'minor', 'minor'],
  ['low-25-omeprazole-benzodiazepine', 'omeprazole', 'lorazepam', 'minor', 'minor'],
  ['low-28-nsaid-beta-blocker', 'meloxicam', 'carvedilol', 'minor', 'minor'],
  ['low-29-clopidogrel-salicylate', 'clopidogrel', 'diflunisal', 'minor', 'minor'],
  ['low-30-oral-contraceptive-corticosteroid', 'levonorgestrel', 'methylprednisolone', 'minor', 'minor'],
  ['low-31-beta-blocker-dihydropyridine', 'nadolol', 'felodipine', 'minor', 'minor'],
  ['low-33-acei-nsaid', 'captopril', 'celecoxib', 'minor', 'minor']
];

describe('every interaction rule fires in both directions', () => {
  test.each(PAIRS)('%s: %s + %s', (ruleId, a, b, severity, reverseSeverity) => {
    const forward = ddi(a, b).find((x) => x.ruleId === ruleId);
    const backward = ddi(b, a).find((x) => x.ruleId === ruleId);
    expect(forward?.severity).toBe(severity);
    expect(forward?.ruleId).toBe(ruleId);
    // The reverse direction (b is the new order, a is already active) is the
    // same interaction: same rule, the severity stated above, roles swapped.
    expect(backward?.ruleId, 'reverse direction rule').toBe(ruleId);
    expect(backward?.severity, 'reverse direction severity').toBe(reverseSeverity);
    expect(backward!.involved.map((i) => [i.role, i.name])).toEqual([
      ['order', b],
      ['active-medication', a]
    ]);
    expect(backward!.source.citation).toBe(forward!.source.citation);
    expect(forward!.source.citation.length).toBeGreaterThan(20);
    expect(forward!.action.length).toBeGreaterThan(10);
    expect(forward!.mechanism).toBeTruthy();
    expect(forward!.involved.map((i) => [i.role, i.name])).toEqual([
      ['order', a],
      ['active-medication', b]
    ]);
  });

  test('every rule in the pack has a representative pair above', () => {
    expect(new Set(PAIRS.map((p) => p[0]))).toEqual(new Set(pack.interactions.map((r) => r.id)));
  });
});

describe('class expansion: every member of each side interacts with a member of the other', () => {
  const cases = pack.interactions.flatMap((rule) => {
    const { a, b } = k.ruleMembers.get(rule.id)!;
    const firstB = [...b][0];
    const firstA = [...a][0];
    return [
      ...[...a].filter((x) => x !== firstB).map((x) => [rule.id, x, firstB] as const),
      ...[...b].filter((x) => x !== firstA).map((x) => [rule.id, firstA, x] as const)
    ];
  });
  test('expands to many ingredient pairs', () => expect(cases.length).toBeGreaterThan(150));
  test.each(cases)('%s: %s + %s', (ruleId, x, y) => {
    expect(ruleIds(k.drugName(x), k.drugName(y))).toContain(ruleId);
    expect(ruleIds(k.drugName(y), k.drugName(x))).toContain(ruleId);
  });
});

describe('expansion through names, brands, codes and combinations', () => {
  test.each([
    ['Zoloft 50 mg tablet', 'Nardil', 'onc-serotonergic-maoi'],
    ['Bactrim DS', 'methotrexate 2.5 mg', 'fda-methotrexate-trimethoprim'],
    ['Vimovo', 'Coumadin', 'pddi-warfarin-nsaid'],
    ['Norco 5/325', 'Marplan', null],
    ['Tylenol with Codeine', 'Parnate', null],
    ['Percocet', 'Emsam', null]
  ])('%s + %s -> %s', (a, b, ruleId) => {
    const ids = ruleIds(a, b);
    if (ruleId) expect(ids).toContain(ruleId);
    else expect(ids).toEqual([]);
  });
});

describe('non-interacting negatives', () => {
  test.each([
    ['lisinopril', 'amlodipine'],
    ['metformin', 'atorvastatin'],
    ['sertraline', 'omeprazole'],
    ['pravastatin', 'clarithromycin'],
    ['rosuvastatin', 'itraconazole'],
    ['tizanidine', 'levofloxacin'],
    ['ramelteon', 'sertraline'],
    ['atazanavir', 'famotidine'],
    ['digoxin', 'tacrolimus'],
    ['amoxicillin', 'cetirizine'],
    ['rasagiline', 'sertraline']
  ])('%s + %s: no drug–drug alert', (a, b) => {
    expect(ddi(a, b)).toEqual([]);
    expect(ddi(b, a)).toEqual([]);
  });

  test.each([
    ['warfarin', 'acetaminophen', 'low-18-anticoagulant-acetaminophen'],
    ['levothyroxine', 'metoprolol', 'low-09-beta-blocker-thyroid']
  ])('%s + %s: only a low-priority note (Phansalkar 2013), nothing that interrupts', (a, b, ruleId) => {
    for (const [x, y] of [[a, b], [b, a]]) expect(ddi(x, y).map((r) => [r.ruleId, r.interrupt])).toEqual([[ruleId, false]]);
  });

  test('the same ingredient twice is duplicate therapy, not an interaction', () => {
    expect(ddi('amiodarone', 'amiodarone')).toEqual([]);
  });

  test('topical and ophthalmic forms do not trigger systemic pair rules', () => {
    const alerts = checkOrder(input(med('ketoconazole 2% cream', { route: 'topical' }), [med('simvastatin 20 mg')]));
    expect(alerts.filter((a) => a.kind === 'drug-drug')).toEqual([]);
  });
});

describe('MAO-inhibiting drugs outside the antidepressants', () => {
  const DSC =
    'FDA Drug Safety Communications (26 July 2011, updated 20 October 2011): serious CNS reactions possible when linezolid (Zyvox) or methylene blue is given to patients taking serotonergic psychiatric medications.';

  test('linezolid ordered for a patient on sertraline: the serotonin-syndrome alert, serious, citing the FDA communication', () => {
    const alerts = ddi('linezolid 600 mg', 'sertraline 50 mg');
    expect(alerts.map((a) => [a.ruleId, a.severity, a.title])).toEqual([
      ['fda-mao-inhibiting-serotonergic', 'serious', 'Linezolid or methylene blue + serotonergic drug: linezolid with sertraline']
    ]);
    expect(alerts[0].detail).toMatch(/^Serotonin syndrome/);
    expect(alerts[0].source.citation).toBe(DSC);
  });

  test('methylene blue (methylthioninium chloride) ordered for a patient on fluoxetine: the same alert', () => {
    for (const name of ['methylene blue 1 mg/kg IV', 'methylthioninium chloride injection', 'ProvayBlue']) {
      const alerts = ddi(name, 'Prozac 20 mg');
      expect(alerts.map((a) => [a.ruleId, a.severity, a.title]), name).toEqual([
        ['fda-mao-inhibiting-serotonergic', 'serious', 'Linezolid or methylene blue + serotonergic drug: methylene blue with fluoxetine']
      ]);
      expect(alerts[0].source.citation).toBe(DSC);
    }
  });

  test('linezolid with non-serotonergic drugs: no drug–drug alert (positive control: with sertraline it alerts)', () => {
    expect(ruleIds('linezolid', 'sertraline')).toEqual(['fda-mao-inhibiting-serotonergic']);
    for (const other of ['amlodipine', 'acetaminophen', 'metformin', 'omeprazole']) {
      expect(ddi('linezolid', other), other).toEqual([]);
      expect(ddi(other, 'linezolid'), other).toEqual([]);
    }
  });

  test('linezolid is not a duplicate of an MAO-inhibitor antidepressant, it is a contraindicated interaction', () => {
    const all = checkOrder(input(med('linezolid 600 mg'), [med('phenelzine 15 mg')]));
    expect(all.filter((a) => a.kind !== 'not-checked').map((a) => [a.kind, a.ruleId, a.severity])).toEqual([
      ['drug-drug', 'fda-mao-inhibiting-maoi', 'contraindicated']
    ]);
  });

  test('procarbazine counts as an MAO inhibitor (Phansalkar 2012 membership): with sertraline the ONC serotonergic rule fires', () => {
    expect(ddi('procarbazine', 'sertraline').map((a) => [a.ruleId, a.severity])).toEqual([['onc-serotonergic-maoi', 'contraindicated']]);
  });

  test('isoniazid is not counted as an MAO inhibitor (no cited source lists it)', () => {
    expect(ddi('isoniazid', 'sertraline')).toEqual([]);
    // Positive control: the same antidepressant with a listed MAO inhibitor alerts.
    expect(ruleIds('phenelzine', 'sertraline')).toEqual(['onc-serotonergic-maoi']);
  });
});
