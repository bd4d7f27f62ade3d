/**
 * "Not checked" results, field by field: what was not checked, why, what to
 * do, and the pack's coverage statement as the cited source.
 */
import { describe, expect, test } from 'vitest';
import type { Alert } from '../alert';
import { checkOrder } from '../check-order';
import { allergy, input, med, rx } from '../test-factories';

const COVERAGE =
  'Outpost drug knowledge pack 1.0.0, coverage statement: Outpost’s drug checks cover a curated dictionary of common outpatient medicines and a small, cited rule set. They are NOT a comprehensive drug interaction or allergy database and do not replace a pharmacist’s review or a full commercial compendium. A missing alert does not mean a combination is safe.';

const noDose = (label: string, ingredients: string[], rxcui?: string): Alert => ({
  kind: 'not-checked',
  severity: 'info',
  title: `Dose not checked for ${label}`,
  detail: 'The dose was not range-checked because the order has no dose.',
  action: 'Check the dose against the prescribing information.',
  source: { citation: COVERAGE },
  ruleId: 'not-checked-dose',
  involved: [{ role: 'order', name: label, ingredients, ...(rxcui ? { rxcui } : {}) }]
});

describe('not checked', () => {
  test('an order outside the dictionary', () => {
    expect(checkOrder(input(med('Zyxorin 10 mg'), [med('warfarin')], [allergy('penicillin')]))).toEqual<Alert[]>([
      {
        kind: 'not-checked',
        severity: 'info',
        title: "Not checked: Zyxorin 10 mg is not in Outpost's drug dictionary",
        detail: 'This medicine could not be matched to Outpost’s drug dictionary, so no interaction, allergy, duplicate-therapy or dose check was done for it.',
        action: 'Check interactions, allergies and dose by hand or with a pharmacist before signing.',
        source: { citation: COVERAGE },
        ruleId: 'not-checked-order',
        involved: [{ role: 'order', name: 'Zyxorin 10 mg', ingredients: [] }]
      }
    ]);
  });

  test('one active medication outside the dictionary (singular)', () => {
    expect(checkOrder(input(med('sertraline'), [med('Florbex'), med('fluoxetine')])).filter((a) => a.kind === 'not-checked')).toEqual<Alert[]>([
      noDose('sertraline', ['sertraline']),
      {
        kind: 'not-checked',
        severity: 'info',
        title: 'Not checked against 1 active medication: Florbex',
        detail: 'These active medications could not be matched to Outpost’s drug dictionary, so interactions and duplicate therapy between them and the new order were not checked.',
        action: 'Review these medications against the new order by hand.',
        source: { citation: COVERAGE },
        ruleId: 'not-checked-active',
        involved: [
          { role: 'order', name: 'sertraline', ingredients: ['sertraline'] },
          { role: 'active-medication', name: 'Florbex', ingredients: [] }
        ]
      }
    ]);
  });

  test('two active medications outside the dictionary (plural), each named and involved', () => {
    const alert = checkOrder(input(med('sertraline'), [med('Florbex'), med('Quimtol')])).find((a) => a.ruleId === 'not-checked-active');
    expect(alert?.title).toBe('Not checked against 2 active medications: Florbex, Quimtol');
    expect(alert?.involved).toEqual([
      { role: 'order', name: 'sertraline', ingredients: ['sertraline'] },
      { role: 'active-medication', name: 'Florbex', ingredients: [] },
      { role: 'active-medication', name: 'Quimtol', ingredients: [] }
    ]);
  });

  test('a product with a component outside the dictionary, and an allergy outside it', () => {
    // RxNorm 94280: hydrocortisone / oxytetracycline ophthalmic; the pack knows hydrocortisone only.
    const alerts = checkOrder(input(rx('94280'), [], [allergy('Zorbax'), allergy('penicillin'), allergy('Quelbrin')]));
    const order = { role: 'order' as const, name: '94280', ingredients: ['hydrocortisone'], rxcui: '94280' };
    expect(alerts).toEqual<Alert[]>([
      {
        kind: 'not-checked',
        severity: 'info',
        title: 'Dose not checked for 94280',
        detail: 'The dose was not range-checked because the pack has no ophthalmic dose range for hydrocortisone.',
        action: 'Check the dose against the prescribing information.',
        source: { citation: COVERAGE },
        ruleId: 'not-checked-dose',
        involved: [order]
      },
      {
        kind: 'not-checked',
        severity: 'info',
        title: 'Partly checked: Oxytetracycline in 94280 not checked',
        detail: 'The other ingredients were checked, but Oxytetracycline is not in Outpost’s drug dictionary.',
        action: 'Check the unmatched ingredients by hand.',
        source: { citation: COVERAGE },
        ruleId: 'not-checked-component',
        involved: [order]
      },
      {
        kind: 'not-checked',
        severity: 'info',
        title: 'Allergy not checked: Zorbax, Quelbrin',
        detail: 'These recorded allergies could not be matched to a drug or drug class in Outpost’s dictionary, so the new order was not checked against them.',
        action: 'Compare the new order with these allergies by hand.',
        source: { citation: COVERAGE },
        ruleId: 'not-checked-allergy',
        involved: [order, { role: 'allergy', name: 'Zorbax', ingredients: [] }, { role: 'allergy', name: 'Quelbrin', ingredients: [] }]
      }
    ]);
  });

  test('two unmatched components are both named', () => {
    // RxNorm 93249: dexamethasone / neomycin / polymyxin B ophthalmic.
    const alert = checkOrder(input(rx('93249'))).find((a) => a.ruleId === 'not-checked-component');
    expect([alert?.title, alert?.detail]).toEqual([
      'Partly checked: Neomycin, Polymyxin B in 93249 not checked',
      'The other ingredients were checked, but Neomycin, Polymyxin B is not in Outpost’s drug dictionary.'
    ]);
  });

  test('when everything matched, nothing is reported as not checked', () => {
    expect(checkOrder(input(med('sertraline', { dose: { value: 50, unit: 'mg' } }), [med('metformin')], [allergy('penicillin')]))).toEqual([]);
  });
});
