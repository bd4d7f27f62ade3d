/**
 * Drug–allergy checks. An allergy to the very ingredient ordered (alone or in a
 * combination) is contraindicated; otherwise the pack's class rules decide,
 * with their cross-reactivity caveats. Food and environmental allergies and
 * refuted or entered-in-error records are ignored; a drug allergy the pack
 * cannot match is reported by not-checked.ts, never dropped.
 */
import type { Alert, InvolvedItem } from '../alert';
import { moreSevere } from '../alert';
import type { AllergyInput } from '../inputs';
import type { DrugKnowledge } from '../knowledge';
import type { AllergyRule } from '../pack-schema';
import { resolveAllergy, type ResolvedAllergy } from '../resolve';
import { involvedMed, type RuleContext } from './context';

export function isDrugAllergyCandidate(a: AllergyInput): boolean {
  return a.category !== 'food' && a.category !== 'environment' && a.verificationStatus !== 'refuted' && a.verificationStatus !== 'entered-in-error';
}

export function drugAllergyAlerts(ctx: RuleContext, allergies: readonly ResolvedAllergy[]): Alert[] {
  const alerts: Alert[] = [];
  for (const allergy of allergies) {
    // Stryker disable next-line ConditionalExpression: an unresolved allergy has no ingredients or class terms, so neither rule below can match it; the skip only saves work
    if (!allergy.resolved) continue;
    const alert = sameIngredientAlert(ctx, allergy) ?? classRuleAlert(ctx, allergy);
    if (alert) alerts.push(alert);
  }
  return alerts;
}

export function resolveAllergies(k: DrugKnowledge, allergies: AllergyInput[]): ResolvedAllergy[] {
  return allergies.filter(isDrugAllergyCandidate).map((a) => resolveAllergy(k, a));
}

function recorded(allergy: ResolvedAllergy): string {
  const { reaction, criticality, verificationStatus } = allergy.input;
  const extras = [reaction && `reaction: ${reaction}`, criticality && `criticality: ${criticality}`, verificationStatus && verificationStatus !== 'confirmed' && verificationStatus].filter(Boolean);
  return `Recorded allergy: ${allergy.label}${extras.length ? ` (${extras.join('; ')})` : ''}.`;
}

function involvedAllergy(a: ResolvedAllergy): InvolvedItem {
  return { role: 'allergy', name: a.label, ingredients: a.ingredients };
}

function sameIngredientAlert({ k, order }: RuleContext, allergy: ResolvedAllergy): Alert | undefined {
  const shared = order.ingredients.filter((i) => allergy.ingredients.includes(i));
  if (!shared.length) return undefined;
  const names = shared.map((i) => k.drugName(i)).join(', ');
  return {
    kind: 'drug-allergy',
    severity: 'contraindicated',
    title: `Allergy: ${order.label} contains ${names}, a recorded allergen`,
    detail: `${recorded(allergy)} The ordered drug contains ${names}.`,
    action: 'Do not give unless the allergy record is wrong or the benefit clearly outweighs the risk after review of the recorded reaction; update the allergy record if it is wrong.',
    source: { citation: 'Patient allergy record (same ingredient).' },
    ruleId: 'allergy-same-ingredient',
    involved: [involvedMed(order, 'order'), involvedAllergy(allergy)]
  };
}

function classRuleAlert(ctx: RuleContext, allergy: ResolvedAllergy): Alert | undefined {
  let best: Alert | undefined;
  for (const rule of ctx.k.pack.allergyRules) {
    if (!allergenMatches(ctx.k, rule, allergy)) continue;
    const alert = targetAlert(ctx, rule, allergy);
    if (alert && (!best || moreSevere(alert.severity, best.severity) === alert.severity && alert.severity !== best.severity)) best = alert;
  }
  return best;
}

function allergenMatches(k: DrugKnowledge, rule: AllergyRule, allergy: ResolvedAllergy): boolean {
  if (allergy.classTerms.includes(`rule:${rule.id}`)) return true;
  if (allergy.classTerms.some((c) => rule.allergen.classes.includes(c) || rule.allergen.classes.some((rc) => k.classes.get(c)?.parent === rc))) return true;
  const members = k.membersOf(rule.allergen);
  return allergy.ingredients.some((i) => members.has(i));
}

function targetAlert({ k, order }: RuleContext, rule: AllergyRule, allergy: ResolvedAllergy): Alert | undefined {
  for (const target of rule.targets) {
    const members = k.membersOf(target);
    const hit = order.ingredients.find((i) => members.has(i));
    if (!hit) continue;
    if (target.sameSubclassOf && allergy.ingredients.length) {
      const parent = target.sameSubclassOf;
      const orderGroups = k.subclassesUnder(hit, parent);
      if (!allergy.ingredients.some((a) => k.subclassesUnder(a, parent).some((g) => orderGroups.includes(g)))) continue;
    }
    return {
      kind: 'drug-allergy',
      severity: target.severity,
      title: target.title,
      detail: `${recorded(allergy)} Ordered: ${order.label} (${k.drugName(hit)}). ${target.detail}`,
      action:
        target.severity === 'info' || target.severity === 'minor'
          ? 'Review the recorded reaction; the combination is usually acceptable.'
          : 'Review the recorded reaction and choose an alternative unless the benefit outweighs the risk.',
      source: { citation: rule.citation, ...(rule.url ? { url: rule.url } : {}) },
      ruleId: rule.id,
      involved: [involvedMed(order, 'order'), involvedAllergy(allergy)]
    };
  }
  return undefined;
}
