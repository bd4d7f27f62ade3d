/**
 * CDS Hooks order-sign service as a pure function: request body in, cards
 * out. The server's /cds-services endpoint will call it; the browser can call
 * it directly offline. Also accepts the older `medication-prescribe` hook with
 * `context.medications`, which the HL7 PDDI-CDS example requests use.
 *
 * Each draft order is checked against the prefetched medications plus the
 * other draft orders; findings seen from both sides are reported once.
 */
import { z } from 'zod';
import type { Alert } from '../alert';
import { checkResolvedOrder } from '../check-order';
import { bundledDrugPack } from '../drug-pack';
import type { AllergyInput, MedicationInput, PatientContext } from '../inputs';
import { knowledgeFor } from '../knowledge';
import type { DrugPack } from '../pack-schema';
import { resolveMedication, type ResolvedMedication } from '../resolve';
import { resolveAllergies } from '../rules/drug-allergy';
import { alertToCard, allergiesUnknownCard, draftNotCheckedCard, type Card } from './cards';
import { isUncheckedDraft, resourcesIn, toAllergyInput, toConditionInput, toMedicationInput, toObservationInput } from './fhir-input';

export const ORDER_SIGN_SERVICE_ID = 'outpost-drug-checks';

const requestSchema = z
  .object({
    hook: z.string(),
    hookInstance: z.string().optional(),
    context: z
      .object({
        patientId: z.string().optional(),
        draftOrders: z.unknown().optional(),
        medications: z.unknown().optional()
      })
      .loose(),
    prefetch: z.record(z.string(), z.unknown()).nullish()
  })
  .loose();

export type CdsHooksRequest = z.infer<typeof requestSchema>;

export class CdsHooksRequestError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid CDS Hooks request: ${issues.join('; ')}`);
    this.name = 'CdsHooksRequestError';
  }
}

export interface OrderSignOptions {
  pack?: DrugPack;
  /** Reference time for ages and look-back windows; defaults to now. */
  now?: Date;
}

export function cdsHooksOrderSign(body: unknown, options: OrderSignOptions = {}): { cards: Card[] } {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) throw new CdsHooksRequestError(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
  const req = parsed.data;
  if (req.hook !== 'order-sign' && req.hook !== 'medication-prescribe' && req.hook !== 'order-select') {
    throw new CdsHooksRequestError([`hook: unsupported hook "${req.hook}"`]);
  }
  const pack = options.pack ?? bundledDrugPack();
  const drafts = resourcesIn(req.context.draftOrders ?? req.context.medications).map((r) => ({ resource: r, input: toMedicationInput(r) }));
  const prefetched = Object.values(req.prefetch ?? {}).flatMap(resourcesIn);
  const active = prefetched.map(toMedicationInput).filter((m): m is MedicationInput => Boolean(m));
  const allergyResources = prefetched.filter((r) => (r as { resourceType?: string }).resourceType === 'AllergyIntolerance');
  const allergies = allergyResources.map(toAllergyInput).filter((a): a is AllergyInput => Boolean(a));
  const patientResource = prefetched.find((r) => (r as { resourceType?: string }).resourceType === 'Patient') as { birthDate?: string } | undefined;
  const patient: PatientContext = {
    ...(patientResource?.birthDate ? { birthDate: patientResource.birthDate } : {}),
    conditions: prefetched.map(toConditionInput).filter((c) => c !== undefined),
    observations: prefetched.map(toObservationInput).filter((o) => o !== undefined)
  };

  // Each medicine and allergy is resolved against the pack once, not once per draft order it is checked with.
  const k = knowledgeFor(pack);
  const resolvedActive = active.map((m) => resolveMedication(k, m));
  const resolvedDrafts = drafts.map(({ input }) => (input ? resolveMedication(k, input) : undefined));
  const resolvedAllergies = resolveAllergies(k, allergies);
  const now = options.now ?? new Date();

  const cards: Card[] = [];
  const seen = new Set<string>();
  resolvedDrafts.forEach((order, i) => {
    if (!order) return;
    const others = resolvedDrafts.filter((d, j): d is ResolvedMedication => j !== i && d !== undefined);
    const alerts = checkResolvedOrder(k, order, [...resolvedActive, ...others], resolvedAllergies, patient, now);
    for (const alert of alerts) {
      const key = dedupeKey(alert);
      if (seen.has(key)) continue;
      seen.add(key);
      cards.push(alertToCard(alert, pack));
    }
  });
  drafts.forEach(({ resource, input }, i) => {
    // Read drafts were checked above; only an unread one can need the notice.
    if (input || !isUncheckedDraft(resource)) return;
    const type = resource && typeof resource === 'object' ? (resource as { resourceType?: unknown }).resourceType : undefined;
    cards.push(draftNotCheckedCard(i, typeof type === 'string' ? type.slice(0, 64) : undefined, pack));
  });
  if (drafts.length && !allergyResources.length) cards.push(allergiesUnknownCard(pack));
  return { cards };
}

/** Same rule over the same set of items, whichever draft order raised it. */
function dedupeKey(alert: Alert): string {
  // Stryker disable next-line EqualityOperator: swapping the A and M tags keeps equal keys equal and different keys different
  return `${alert.ruleId}|${alert.involved.map((i) => `${i.role === 'allergy' ? 'A' : 'M'}:${i.name}`).sort().join('|')}`;
}
