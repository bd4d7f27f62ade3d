/**
 * Drug–allergy checks. An allergy to the very ingredient ordered (alone or in a
 * combination) is contraindicated; otherwise the pack's class rules decide,
 * with their cross-reactivity caveats; and where no class rule speaks, an
 * allergy recorded to a whole therapeutic class ("statins", "beta blockers")
 * against a drug of that class is serious: the record itself names the
 * class, no cross-reactivity is inferred (recordedClassAlert). An allergy
 * to one drug of a class the pack has no rule for, against another drug of
 * the same class (simvastatin recorded, atorvastatin ordered), is shown as
 * cross-reactivity not assessed (sameClassNotAssessed), never passed in
 * silence. Food and environmental allergies and
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
    const alert = sameIngredientAlert(ctx, allergy) ?? classRuleAlert(ctx, allergy) ?? (hasClassRule(ctx.k, allergy) ? undefined : recordedClassAlert(ctx, allergy) ?? sameClassNotAssessed(ctx, allergy));
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

/** Whether one of the pack's class rules covers this allergen: then that rule has judged the order (an aromatic anticonvulsant allergy and levetiracetam: no alert, by the rule). */
function hasClassRule(k: DrugKnowledge, allergy: ResolvedAllergy): boolean {
  return k.pack.allergyRules.some((rule) => allergenMatches(k, rule, allergy));
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

/** One rule side per class id, so the knowledge's member cache (keyed by side) holds across checks. */
const classSides = new Map<string, { classes: string[]; ingredients: string[] }>();
function classSide(classId: string) {
  let side = classSides.get(classId);
  if (!side) classSides.set(classId, (side = { classes: [classId], ingredients: [] }));
  return side;
}

function recordedClassAlert({ k, order }: RuleContext, allergy: ResolvedAllergy): Alert | undefined {
  for (const classId of allergy.classTerms) {
    const cls = k.classes.get(classId);
    if (!cls) continue; // `rule:<id>` terms belong to the pack's class rules
    const members = k.membersOf(classSide(classId));
    const hit = order.ingredients.find((i) => members.has(i));
    if (!hit) continue;
    return {
      kind: 'drug-allergy',
      severity: 'serious',
      title: `Allergy: ${order.label} is one of the ${lowerFirst(cls.name)}, a recorded allergen class`,
      detail: `${recorded(allergy)} The ordered drug (${k.drugName(hit)}) belongs to ${lowerFirst(cls.name)}. The drug pack has no cross-reactivity rule for this class; the alert comes from the class named in the allergy record.`,
      action: 'Review the recorded reaction and choose a drug of another class unless the benefit outweighs the risk; if the reaction was to one drug only, record that drug instead of the class.',
      source: { citation: 'Patient allergy record (the ordered drug’s therapeutic class, as the pack classes it after WHO ATC, is the recorded allergen).' },
      ruleId: 'allergy-recorded-class',
      involved: [involvedMed(order, 'order'), involvedAllergy(allergy)]
    };
  }
  return undefined;
}

/** "Beta blockers" → "beta blockers"; "HMG-CoA reductase inhibitors" and "ACE inhibitors" keep their capitals. */
function lowerFirst(name: string): string {
  return /^[A-Z][a-z]/.test(name) ? name[0].toLowerCase() + name.slice(1) : name;
}

function sameClassNotAssessed({ k, order }: RuleContext, allergy: ResolvedAllergy): Alert | undefined {
  for (const allergen of allergy.ingredients) {
    const shared = [...(k.classesOf.get(allergen) ?? [])].filter((c) => k.classes.get(c)?.kind === 'therapeutic');
    for (const classId of shared) {
      const hit = order.ingredients.find((i) => !allergy.ingredients.includes(i) && k.classesOf.get(i)?.has(classId));
      if (!hit) continue;
      const cls = lowerFirst(k.classes.get(classId)!.name);
      return {
        kind: 'drug-allergy',
        severity: 'info',
        title: `Allergy to ${k.drugName(allergen)}: ${order.label} is in the same class (${cls}); cross-reactivity not assessed`,
        detail: `${recorded(allergy)} The ordered drug (${k.drugName(hit)}) and the recorded allergen are both ${cls}. The drug pack has no cross-reactivity rule for this class, so whether a reaction to one predicts a reaction to the other was not checked.`,
        action: 'Review the recorded reaction before prescribing another drug of the same class.',
        source: { citation: 'Patient allergy record; class membership as the pack classes it after WHO ATC. No cross-reactivity source for this class in the pack.' },
        ruleId: 'allergy-same-class-not-assessed',
        involved: [involvedMed(order, 'order'), involvedAllergy(allergy)]
      };
    }
  }
  return undefined;
}
