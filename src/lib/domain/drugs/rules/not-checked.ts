/**
 * "Not checked" results. Whatever the pack cannot match is said plainly, so a
 * clinician never mistakes silence for safety.
 */
import type { Alert } from '../alert';
import type { DrugPack } from '../pack-schema';
import type { ResolvedAllergy, ResolvedMedication } from '../resolve';
import { involvedMed } from './context';

const source = (pack: DrugPack) => ({ citation: `Outpost drug knowledge pack ${pack.version}, coverage statement: ${pack.coverage.summary}` });

export function orderNotChecked(pack: DrugPack, order: ResolvedMedication): Alert {
  return {
    kind: 'not-checked',
    severity: 'info',
    title: `Not checked: ${order.label} is not in Outpost's drug dictionary`,
    detail: 'This medicine could not be matched to Outpost\u2019s drug dictionary, so no interaction, allergy, duplicate-therapy or dose check was done for it.',
    action: 'Check interactions, allergies and dose by hand or with a pharmacist before signing.',
    source: source(pack),
    ruleId: 'not-checked-order',
    involved: [involvedMed(order, 'order')]
  };
}

export function componentsNotChecked(pack: DrugPack, order: ResolvedMedication): Alert {
  return {
    kind: 'not-checked',
    severity: 'info',
    title: `Partly checked: ${order.unknownComponents.join(', ')} in ${order.label} not checked`,
    detail: `The other ingredients were checked, but ${order.unknownComponents.join(', ')} is not in Outpost\u2019s drug dictionary.`,
    action: 'Check the unmatched ingredients by hand.',
    source: source(pack),
    ruleId: 'not-checked-component',
    involved: [involvedMed(order, 'order')]
  };
}

export function activesNotChecked(pack: DrugPack, order: ResolvedMedication, unresolved: ResolvedMedication[]): Alert {
  return {
    kind: 'not-checked',
    severity: 'info',
    title: `Not checked against ${unresolved.length} active medication${unresolved.length === 1 ? '' : 's'}: ${unresolved.map((m) => m.label).join(', ')}`,
    detail: 'These active medications could not be matched to Outpost\u2019s drug dictionary, so interactions and duplicate therapy between them and the new order were not checked.',
    action: 'Review these medications against the new order by hand.',
    source: source(pack),
    ruleId: 'not-checked-active',
    involved: [involvedMed(order, 'order'), ...unresolved.map((m) => involvedMed(m, 'active-medication'))]
  };
}

export function allergiesNotChecked(pack: DrugPack, order: ResolvedMedication, unresolved: ResolvedAllergy[]): Alert {
  return {
    kind: 'not-checked',
    severity: 'info',
    title: `Allergy not checked: ${unresolved.map((a) => a.label).join(', ')}`,
    detail: 'These recorded allergies could not be matched to a drug or drug class in Outpost\u2019s dictionary, so the new order was not checked against them.',
    action: 'Compare the new order with these allergies by hand.',
    source: source(pack),
    ruleId: 'not-checked-allergy',
    involved: [involvedMed(order, 'order'), ...unresolved.map((a) => ({ role: 'allergy' as const, name: a.label, ingredients: [] }))]
  };
}

export function doseNotChecked(pack: DrugPack, order: ResolvedMedication, reason: string): Alert {
  return {
    kind: 'not-checked',
    severity: 'info',
    title: `Dose not checked for ${order.label}`,
    detail: `The dose was not range-checked because ${reason}.`,
    action: 'Check the dose against the prescribing information.',
    source: source(pack),
    ruleId: 'not-checked-dose',
    involved: [involvedMed(order, 'order')]
  };
}

/** A child's dose could not be checked per kg: no weight recorded, or only one too old to use. */
export function doseNoWeight(pack: DrugPack, order: ResolvedMedication, reason: string, stale: boolean): Alert {
  return {
    kind: 'not-checked',
    severity: 'info',
    title: stale ? 'Dose not checked: no recent weight recorded for a child' : 'Dose not checked: no weight recorded for a child',
    detail: `The dose of ${order.label} was not checked because ${reason}.`,
    action: 'Weigh the child and record the weight, or check the dose per kg by hand against a pediatric formulary.',
    source: source(pack),
    ruleId: 'not-checked-dose-weight',
    involved: [involvedMed(order, 'order')]
  };
}
