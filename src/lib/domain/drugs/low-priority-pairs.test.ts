/**
 * The low-priority pairs of Phansalkar et al., JAMIA 2013;20(3):489-493, in
 * the bundled pack: each literal pair below is one of the paper's 33 class
 * pairs (item number and wording as in
 * knowledge/drug-pack/sources/phansalkar-2013-low-priority.json) and must
 * come out as a minor alert with interrupt: false, in both directions, while
 * the high-priority (2012) pairs keep interrupting.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkLowPriorityRows } from '../../../../scripts/drug-pack/check-low-priority';
import type { LowPriorityList } from '../../../../scripts/drug-pack/extract-low-priority';
import { isInterruptive } from './alert';
import { checkOrder } from './check-order';
import { bundledDrugPack } from './drug-pack';
import { input, med } from './test-factories';

const pack = bundledDrugPack();
const list = JSON.parse(readFileSync(new URL('../../../../knowledge/drug-pack/sources/phansalkar-2013-low-priority.json', import.meta.url), 'utf8')) as LowPriorityList;
const ddi = (order: string, active: string, route = 'oral') => checkOrder(input(med(order), [med(active, { route })]), pack).filter((a) => a.kind === 'drug-drug');
const summary = (order: string, active: string) => ddi(order, active).map((a) => [a.ruleId, a.severity, a.interrupt ?? 'interrupts']);

describe('Phansalkar 2013 low-priority pairs are shown without interrupting', () => {
  test.each([
    [1, 'ACE inhibitors', 'Salicylates', 'lisinopril', 'aspirin', 'low-01-acei-salicylate'],
    [3, 'β-Adrenergic blockers', 'Serotonin reuptake blockers', 'metoprolol', 'sertraline', 'low-03-beta-blocker-ssri'],
    [5, 'Thiazide-type diuretics', 'ACE inhibitors', 'hydrochlorothiazide', 'lisinopril', 'low-05-thiazide-acei'],
    [6, 'Thyroid hormones', 'Calcium salts', 'levothyroxine', 'calcium carbonate', 'low-06-thyroid-calcium'],
    [12, 'Bisphosphonates', 'Calcium salts', 'alendronate', 'calcium carbonate', 'low-12-bisphosphonate-calcium'],
    [14, 'Folic Acid', 'Methotrexate', 'folic acid', 'methotrexate', 'low-14-folic-acid-methotrexate'],
    [18, 'Anticoagulants', 'Acetaminophen', 'warfarin', 'acetaminophen', 'low-18-anticoagulant-acetaminophen'],
    [20, 'Anticoagulants', 'Proton pump inhibitors', 'apixaban', 'omeprazole', 'low-20-anticoagulant-ppi'],
    [23, 'ACE inhibitors', 'Angiotensin II receptor antagonists', 'lisinopril', 'losartan', 'low-23-acei-arb'],
    [25, 'Omeprazole', 'Benzodiazepines', 'omeprazole', 'diazepam', 'low-25-omeprazole-benzodiazepine'],
    [29, 'Clopidogrel', 'Salicylates', 'clopidogrel', 'aspirin', 'low-29-clopidogrel-salicylate'],
    [31, 'β-Adrenergic blockers', 'Nifedipine and derivatives', 'atenolol', 'amlodipine', 'low-31-beta-blocker-dihydropyridine'],
    [33, 'ACE inhibitors', 'NSAID', 'enalapril', 'ibuprofen', 'low-33-acei-nsaid']
  ])('item %i (%s – %s): %s with %s', (item, object, precipitant, a, b, ruleId) => {
    expect(list.pairs.find(([n]) => n === item)).toEqual([item, object, precipitant]);
    for (const [order, active] of [[a, b], [b, a]]) {
      const alerts = ddi(order, active).filter((x) => x.ruleId === ruleId);
      expect(alerts.map((x) => [x.ruleId, x.severity, x.interrupt])).toEqual([[ruleId, 'minor', false]]);
      expect(ddi(order, active).every((x) => x.interrupt === false)).toBe(true);
      expect(isInterruptive(alerts[0])).toBe(false);
      expect(alerts[0].title).toMatch(new RegExp(`^${object.replace(/[()]/g, '\\$&')} \\+ ${precipitant}: `));
      expect(alerts[0].source.citation).toMatch(new RegExp(`JAMIA 2013;20\\(3\\):489-493\\. Low-priority pair ${item}: `));
    }
  });

  test('a pair under two items (aspirin is both a salicylate and an NSAID) gives both notes, each citing its item', () => {
    const alerts = ddi('lisinopril', 'aspirin');
    expect(alerts.map((a) => [a.ruleId, a.interrupt])).toEqual([
      ['low-01-acei-salicylate', false],
      ['low-33-acei-nsaid', false]
    ]);
    expect(alerts.map((a) => /Low-priority pair (\d+)/.exec(a.source.citation)?.[1])).toEqual(['1', '33']);
    expect(summary('lisinopril', 'ibuprofen')).toEqual([['low-33-acei-nsaid', 'minor', false]]);
  });

  test('topical forms are skipped like every pair rule; the oral form of the same drug is noted', () => {
    expect(ddi('omeprazole', 'clotrimazole', 'topical')).toEqual([]);
    expect(ddi('omeprazole', 'clotrimazole', 'oral').map((a) => a.ruleId)).toEqual(['low-21-ppi-imidazole']);
  });
});

describe('the high-priority pairs still interrupt', () => {
  test('sotalol with citalopram: the interrupting QT alert stands, the low-priority β-blocker + SSRI note is dropped', () => {
    // Positive control: another β-blocker with citalopram gives the low-priority note.
    expect(summary('metoprolol', 'citalopram')).toEqual([['low-03-beta-blocker-ssri', 'minor', false]]);
    const alerts = ddi('sotalol', 'citalopram');
    expect(alerts.map((a) => [a.ruleId, a.severity, isInterruptive(a)])).toEqual([['onc-qt-qt', 'serious', true]]);
    expect('interrupt' in alerts[0]).toBe(false);
  });

  test('high-priority pairs next to low-priority ones keep their tier', () => {
    expect(summary('simvastatin', 'clarithromycin')).toEqual([['onc-statin-cyp3a4', 'contraindicated', 'interrupts']]);
    expect(summary('simvastatin', 'warfarin')).toEqual([['low-24-anticoagulant-statin', 'minor', false]]);
    expect(summary('linezolid', 'sertraline')).toEqual([['fda-mao-inhibiting-serotonergic', 'serious', 'interrupts']]);
    expect(ddi('phenelzine', 'sertraline').map((a) => [a.ruleId, isInterruptive(a)])).toEqual([['onc-serotonergic-maoi', true]]);
  });
});

describe('the build holds the rows to the source list', () => {
  const rules = pack.interactions.map((r) => ({ id: r.id, title: r.title, tier: r.tier, sourceId: r.sourceId }));
  const notMapped = { 2: 'x', 26: 'x', 27: 'x', 32: 'x' };

  test('the bundled rows pass: 29 rows plus 4 items explained', () => {
    expect(() => checkLowPriorityRows(rules, list, notMapped)).not.toThrow();
    expect(list.pairs).toHaveLength(33);
    expect(rules.filter((r) => r.id.startsWith('low-'))).toHaveLength(29);
  });

  test('a row whose title is not the list wording, a missing item, or an interrupting row is refused', () => {
    const renamed = rules.map((r) => (r.id === 'low-06-thyroid-calcium' ? { ...r, title: 'Levothyroxine + calcium' } : r));
    expect(() => checkLowPriorityRows(renamed, list, notMapped)).toThrow(/low-06-thyroid-calcium: title "Levothyroxine \+ calcium" is not the list's "Thyroid hormones \+ Calcium salts"/);
    expect(() => checkLowPriorityRows(rules, list, { 2: 'x', 26: 'x', 27: 'x' })).toThrow(/item 32 \(Corticosteroids\/corticotropin \+ Anticholinesterases\): neither a row nor listed as not mapped/);
    const loud = rules.map((r) => (r.id === 'low-18-anticoagulant-acetaminophen' ? { ...r, tier: undefined } : r));
    expect(() => checkLowPriorityRows(loud, list, notMapped)).toThrow(/low-18-anticoagulant-acetaminophen: must be non-interruptive and cite phansalkar-2013/);
  });
});
