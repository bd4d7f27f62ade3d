/**
 * Duplicate therapy: the ordered ingredient is already active, or the order and
 * an active medicine share a therapeutic class marked for duplicate checking
 * (two SSRIs, an ACE inhibitor and an ARB). Only systemic forms count, so a
 * hydrocortisone cream does not duplicate oral prednisone.
 */
import type { Alert } from '../alert';
import { involvedMed, type RuleContext } from './context';

const ATC_SOURCE = {
  citation: 'Outpost duplicate-therapy classes, mapped to WHO ATC groups (WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index).',
  url: 'https://atcddd.fhi.no/atc_ddd_index/'
};

export function duplicateTherapyAlerts({ k, order, actives }: RuleContext): Alert[] {
  if (!order.systemic) return [];
  const alerts: Alert[] = [];
  for (const active of actives) {
    if (!active.systemic) continue;
    const same = order.ingredients.filter((i) => active.ingredients.includes(i));
    if (same.length) {
      const names = same.map((i) => k.drugName(i)).join(', ');
      alerts.push({
        kind: 'duplicate-therapy',
        severity: 'minor',
        title: `Already active: ${names} (${active.label})`,
        detail: `The patient already has an active order containing ${names}: ${active.label}.`,
        action: 'If this order replaces the active one, stop the active order; otherwise the patient would take it twice.',
        source: { citation: 'Patient active medication list (same ingredient).' },
        ruleId: 'duplicate-same-ingredient',
        involved: [involvedMed(order, 'order'), involvedMed(active, 'active-medication')]
      });
      continue;
    }
    const shared = sharedDuplicateClass(k, order.ingredients, active.ingredients);
    if (!shared) continue;
    const cls = k.classes.get(shared.classId)!;
    alerts.push({
      kind: 'duplicate-therapy',
      severity: 'moderate',
      title: `Duplicate therapy: ${k.drugName(shared.orderIngredient)} and ${k.drugName(shared.activeIngredient)} are both ${cls.name}`,
      detail: `The new order ${order.label} and the active ${active.label} are in the same class (${cls.name}${cls.atc.length ? `, ATC ${cls.atc.join(', ')}` : ''}).${cls.note ? ` ${cls.note}` : ''}`,
      action: 'Confirm both are intended (e.g. a planned switch or cross-taper); otherwise stop one.',
      source: ATC_SOURCE,
      ruleId: 'duplicate-class',
      involved: [involvedMed(order, 'order'), involvedMed(active, 'active-medication')]
    });
  }
  return alerts;
}

/** The most specific duplicate-checked class shared by any ingredient pair. */
function sharedDuplicateClass(k: RuleContext['k'], orderIds: string[], activeIds: string[]) {
  let best: { classId: string; orderIngredient: string; activeIngredient: string; depth: number } | undefined;
  for (const oi of orderIds) {
    for (const ai of activeIds) {
      const theirs = k.classesOf.get(ai);
      // Stryker disable next-line ArrayDeclaration: an id that names no class is skipped by the class lookup below, exactly like an empty list.
      for (const c of k.classesOf.get(oi) ?? []) {
        const cls = k.classes.get(c);
        if (!cls?.duplicateCheck || cls.kind !== 'therapeutic' || !theirs?.has(c)) continue;
        const depth = k.classDepth(c);
        if (!best || depth > best.depth) best = { classId: c, orderIngredient: oi, activeIngredient: ai, depth };
      }
    }
  }
  return best;
}
