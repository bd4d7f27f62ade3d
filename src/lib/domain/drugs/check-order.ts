/**
 * The drug checks a prescriber sees before signing: drug–drug against the
 * active list, drug–allergy against recorded allergies, duplicate therapy, and
 * dose outside the usual range. Pure: the same module runs in the browser
 * offline and behind the server's CDS Hooks endpoint.
 */
import { sortAlerts, type Alert } from './alert';
import { bundledDrugPack } from './drug-pack';
import type { CheckOrderInput, PatientContext } from './inputs';
import { knowledgeFor, type DrugKnowledge } from './knowledge';
import type { DrugPack } from './pack-schema';
import { resolveMedication, type ResolvedAllergy, type ResolvedMedication } from './resolve';
import type { RuleContext } from './rules/context';
import { doseRangeOutcome } from './rules/dose-range';
import { drugAllergyAlerts, resolveAllergies } from './rules/drug-allergy';
import { drugDrugAlerts } from './rules/drug-drug';
import { duplicateTherapyAlerts } from './rules/duplicate-therapy';
import { activesNotChecked, allergiesNotChecked, componentsNotChecked, doseNoWeight, doseNotChecked, orderNotChecked } from './rules/not-checked';

/**
 * Checks one new order. Returns every finding, most severe first; an empty
 * list means the pack's rules found nothing, which is not proof of safety (see
 * the pack's coverage statement).
 */
export function checkOrder(input: CheckOrderInput, pack: DrugPack = bundledDrugPack()): Alert[] {
  const k = knowledgeFor(pack);
  return checkResolvedOrder(
    k,
    resolveMedication(k, input.order),
    input.activeMedications.map((m) => resolveMedication(k, m)),
    resolveAllergies(k, input.allergies),
    input.patient ?? {},
    input.now ?? new Date()
  );
}

/**
 * The same checks over medicines and allergies already resolved against the
 * pack. Resolving (codes, then words of the name) is the costly part of a
 * check; a caller checking several orders against one list (CDS Hooks
 * order-sign) resolves each medicine once and calls this per order.
 */
export function checkResolvedOrder(
  k: DrugKnowledge,
  order: ResolvedMedication,
  resolvedActives: readonly ResolvedMedication[],
  allergies: readonly ResolvedAllergy[],
  patient: PatientContext,
  now: Date
): Alert[] {
  const pack = k.pack;
  if (!order.ingredients.length) return [orderNotChecked(pack, order)];
  const actives = resolvedActives.filter((m) => m.ingredients.length);
  const ctx: RuleContext = { k, order, actives, patient, now };

  const alerts: Alert[] = [...drugDrugAlerts(ctx), ...drugAllergyAlerts(ctx, allergies), ...duplicateTherapyAlerts(ctx)];
  const dose = doseRangeOutcome(ctx);
  if (dose.kind === 'alert') alerts.push(dose.alert);
  if (dose.kind === 'not-checked') alerts.push(doseNotChecked(pack, order, dose.reason));
  if (dose.kind === 'no-weight') alerts.push(doseNoWeight(pack, order, dose.reason, dose.stale));
  if (order.unknownComponents.length) alerts.push(componentsNotChecked(pack, order));
  const unresolvedActives = resolvedActives.filter((m) => !m.ingredients.length);
  if (unresolvedActives.length) alerts.push(activesNotChecked(pack, order, unresolvedActives));
  const unresolvedAllergies = allergies.filter((a) => !a.resolved);
  if (unresolvedAllergies.length) alerts.push(allergiesNotChecked(pack, order, unresolvedAllergies));
  return sortAlerts(alerts);
}
