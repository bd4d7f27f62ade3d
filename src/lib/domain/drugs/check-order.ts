/**
 * The drug checks a prescriber sees before signing: drug–drug against the
 * active list, drug–allergy against recorded allergies, duplicate therapy, and
 * dose outside the usual range. Pure: the same module runs in the browser
 * offline and behind the server's CDS Hooks endpoint.
 */
import { sortAlerts, type Alert } from './alert';
import { bundledDrugPack } from './drug-pack';
import type { CheckOrderInput } from './inputs';
import { knowledgeFor } from './knowledge';
import type { DrugPack } from './pack-schema';
import { resolveMedication } from './resolve';
import type { RuleContext } from './rules/context';
import { doseRangeOutcome } from './rules/dose-range';
import { drugAllergyAlerts, resolveAllergies } from './rules/drug-allergy';
import { drugDrugAlerts } from './rules/drug-drug';
import { duplicateTherapyAlerts } from './rules/duplicate-therapy';
import { activesNotChecked, allergiesNotChecked, componentsNotChecked, doseNotChecked, orderNotChecked } from './rules/not-checked';

/**
 * Checks one new order. Returns every finding, most severe first; an empty
 * list means the pack's rules found nothing, which is not proof of safety (see
 * the pack's coverage statement).
 */
export function checkOrder(input: CheckOrderInput, pack: DrugPack = bundledDrugPack()): Alert[] {
  const k = knowledgeFor(pack);
  const order = resolveMedication(k, input.order);
  if (!order.ingredients.length) return [orderNotChecked(pack, order)];
  const resolvedActives = input.activeMedications.map((m) => resolveMedication(k, m));
  const actives = resolvedActives.filter((m) => m.ingredients.length);
  const ctx: RuleContext = { k, order, actives, patient: input.patient ?? {}, now: input.now ?? new Date() };
  const allergies = resolveAllergies(k, input.allergies);

  const alerts: Alert[] = [...drugDrugAlerts(ctx), ...drugAllergyAlerts(ctx, allergies), ...duplicateTherapyAlerts(ctx)];
  const dose = doseRangeOutcome(ctx);
  if (dose.kind === 'alert') alerts.push(dose.alert);
  if (dose.kind === 'not-checked') alerts.push(doseNotChecked(pack, order, dose.reason));
  if (order.unknownComponents.length) alerts.push(componentsNotChecked(pack, order));
  const unresolvedActives = resolvedActives.filter((m) => !m.ingredients.length);
  if (unresolvedActives.length) alerts.push(activesNotChecked(pack, order, unresolvedActives));
  const unresolvedAllergies = allergies.filter((a) => !a.resolved);
  if (unresolvedAllergies.length) alerts.push(allergiesNotChecked(pack, order, unresolvedAllergies));
  return sortAlerts(alerts);
}
