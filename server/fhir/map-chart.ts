import type { z } from 'zod';
import type { ClinicalCollection, ClinicalInput } from '../../src/lib/domain/clinical';
import { ALLERGY_CATEGORIES, ALLERGY_CLINICAL, ALLERGY_CRITICALITIES, ALLERGY_VERIFICATION, CONDITION_CLINICAL, CONDITION_VERIFICATION, REACTION_SEVERITIES } from '../../src/lib/domain/chart';
import type * as S from './fhir-schemas';
import { describeDosage } from './map-dosage';
import { chartConcept, chartDate, chartDateTime, compact, conceptText, pick, statusCode, withoutSemanticTag } from './map-text';
import type { BundleEntry, ValidBundle } from './validate-bundle';

/**
 * FHIR R4 resource → chart entry fields, one function per resource type.
 * Problems, allergies and visits get exactly the layout chart-doc.ts writes
 * (so the chart screens read them unchanged); the other collections follow
 * domain/clinical.ts. References to other entries become chart entry ids.
 * Pure: the bundle was validated before any of this runs.
 */

type Parsed<S extends z.ZodType> = z.infer<S>;

export type ChartWrite =
  | { collection: 'conditions' | 'allergies'; fields: Record<string, unknown> }
  | { collection: 'encounters'; fields: Record<string, unknown> }
  | { [C in ClinicalCollection]: { collection: C; fields: ClinicalInput[C] } }[ClinicalCollection];

interface Ctx {
  resolve: ValidBundle['resolve'];
}

const entryId = (ctx: Ctx, ref: { reference?: string } | undefined) => (ref?.reference ? ctx.resolve(ref.reference)?.entryId : undefined);

const SERVICE_REQUEST = /^ServiceRequest\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/**
 * The chart order ids a result answers (FHIR `basedOn`): a ServiceRequest of
 * the same bundle by its entry id, or an order placed in Outpost that the
 * laboratory names by its id (`ServiceRequest/<order id>`), so the result
 * links to its order when it comes back.
 */
function basedOnIds(ctx: Ctx, value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const ids = value.flatMap((ref: unknown) => {
    const reference = (ref as { reference?: unknown } | null)?.reference;
    if (typeof reference !== 'string') return [];
    const target = ctx.resolve(reference);
    if (target) return target.type === 'ServiceRequest' ? [target.entryId] : [];
    const m = SERVICE_REQUEST.exec(reference);
    return m ? [m[1].toLowerCase()] : [];
  });
  return ids.length ? ids : undefined;
}
const sourceId = (e: BundleEntry) => e.resource.id ?? e.fullUrl;

/** The chart write for one validated entry, or null for a type that is only kept. */
export function mapEntry(e: BundleEntry, ctx: Ctx): ChartWrite | null {
  const p = e.parsed as never;
  switch (e.type) {
    case 'Encounter':
      return encounter(e, p);
    case 'Condition':
      return condition(e, p, ctx);
    case 'AllergyIntolerance':
      return allergy(e, p);
    case 'Observation':
      return observation(e, p, ctx);
    case 'MedicationRequest':
    case 'MedicationStatement':
      return medication(e, p, ctx);
    case 'Immunization':
      return immunization(e, p, ctx);
    case 'Procedure':
      return procedure(e, p, ctx);
    case 'DiagnosticReport':
      return report(e, p, ctx);
    case 'CarePlan':
      return carePlan(e, p, ctx);
    default:
      return null;
  }
}

const CLASS: Record<string, 'ambulatory' | 'emergency' | 'home' | 'virtual'> = { AMB: 'ambulatory', EMER: 'emergency', HH: 'home', VR: 'virtual' };
const ENCOUNTER_STATUS: Record<string, 'finished' | 'cancelled' | 'entered-in-error'> = { cancelled: 'cancelled', 'entered-in-error': 'entered-in-error' };

/** A visit from another record is over: it comes in finished (or cancelled), never as an open visit awaiting a note. */
function encounter(e: BundleEntry, r: Parsed<typeof S.encounterSchema>): ChartWrite {
  const type = r.type?.[0];
  const reason = r.reasonCode?.[0];
  const start = chartDateTime(r.period?.start) ?? '';
  return {
    collection: 'encounters',
    fields: compact({
      resourceType: 'Encounter',
      class: CLASS[r.class?.code ?? ''] ?? 'ambulatory',
      classCode: r.class?.code,
      type: withoutSemanticTag(conceptText(type)).slice(0, 100) || 'Visit',
      typeCoding: chartConcept(type).coding,
      reason: withoutSemanticTag(conceptText(reason)).slice(0, 300),
      reasonCoding: chartConcept(reason).coding,
      start,
      end: chartDateTime(r.period?.end) ?? start,
      status: ENCOUNTER_STATUS[r.status] ?? 'finished',
      sourceId: sourceId(e)
    })
  };
}

function condition(e: BundleEntry, r: Parsed<typeof S.conditionSchema>, ctx: Ctx): ChartWrite {
  const code = chartConcept(r.code, 'Unnamed problem');
  return {
    collection: 'conditions',
    fields: compact({
      resourceType: 'Condition',
      code: { ...code, text: withoutSemanticTag(code.text).slice(0, 300) },
      clinicalStatus: pick(statusCode(r.clinicalStatus), CONDITION_CLINICAL, 'active'),
      verificationStatus: pick(statusCode(r.verificationStatus), CONDITION_VERIFICATION, 'confirmed'),
      onsetDate: chartDate(r.onsetDateTime),
      abatementDate: chartDate(r.abatementDateTime),
      note: '',
      recordedDate: chartDate(r.recordedDate ?? r.onsetDateTime),
      encounterId: entryId(ctx, r.encounter),
      sourceId: sourceId(e)
    })
  };
}

function allergy(e: BundleEntry, r: Parsed<typeof S.allergySchema>): ChartWrite {
  const code = chartConcept(r.code, 'Unknown substance');
  // "Allergy to peanuts" names the substance; the chart shows the substance.
  const substance = code.text.replace(/^Allergy to /i, '').slice(0, 200);
  const reactions = r.reaction ?? [];
  const manifestations = reactions.flatMap((x) => [x.description, ...(x.manifestation ?? []).map(conceptText)]).filter(Boolean);
  return {
    collection: 'allergies',
    fields: compact({
      resourceType: 'AllergyIntolerance',
      code: { ...code, text: substance.charAt(0).toUpperCase() + substance.slice(1) },
      category: allergyCategory(r.category?.[0], substance),
      criticality: pick(r.criticality, ALLERGY_CRITICALITIES, 'unable-to-assess'),
      reaction: manifestations.join(', ').slice(0, 500),
      severity: severityOf(reactions),
      clinicalStatus: pick(statusCode(r.clinicalStatus), ALLERGY_CLINICAL, 'active'),
      verificationStatus: pick(statusCode(r.verificationStatus), ALLERGY_VERIFICATION, 'confirmed'),
      recordedDate: chartDate(r.recordedDate ?? r.onsetDateTime),
      sourceId: sourceId(e)
    })
  };
}

/**
 * Substances FHIR's AllergyIntoleranceCategory calls `environment` ("encountered in the environment": pollen,
 * mould, dust mites, animal dander, insect venom, latex). Synthea files every allergy under `food`, these included,
 * and a pollen allergy listed as a food allergy misleads; a sender's `medication` or `biologic` is never changed.
 * Source: http://hl7.org/fhir/R4/valueset-allergy-intolerance-category.html
 */
const ENVIRONMENTAL = /pollen|mould|mold|dust mite|dander|venom|latex/i;

function allergyCategory(sent: string | undefined, substance: string): (typeof ALLERGY_CATEGORIES)[number] {
  if ((sent === 'food' || sent === undefined) && ENVIRONMENTAL.test(substance)) return 'environment';
  return pick(sent, ALLERGY_CATEGORIES, 'medication');
}

/** The first reaction severity FHIR allows (mild, moderate, severe), or '' when none was recorded. */
function severityOf(reactions: { severity?: string }[]): string {
  const s = reactions.find((x) => x.severity)?.severity;
  return s && (REACTION_SEVERITIES as readonly string[]).includes(s) ? s : '';
}

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

function observationValue(v: Parsed<typeof S.observationSchema> | NonNullable<Parsed<typeof S.observationSchema>['component']>[number]) {
  return compact({
    valueQuantity: v.valueQuantity
      ? compact({ value: v.valueQuantity.value, unit: v.valueQuantity.unit, system: v.valueQuantity.system, code: v.valueQuantity.code, comparator: v.valueQuantity.comparator })
      : undefined,
    valueCodeableConcept: v.valueCodeableConcept ? chartConcept(v.valueCodeableConcept) : undefined,
    valueString: v.valueString,
    valueBoolean: v.valueBoolean,
    valueInteger: v.valueInteger
  });
}

function observation(e: BundleEntry, r: Parsed<typeof S.observationSchema>, ctx: Ctx): ChartWrite {
  const category = r.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === OBSERVATION_CATEGORY || !c.system)?.code;
  const q = (x: { value: number; unit?: string; code?: string; system?: string }) => compact({ value: x.value, unit: x.unit, system: x.system, code: x.code });
  return {
    collection: 'observations',
    fields: compact({
      status: pick(r.status, ['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'] as const, 'unknown'),
      category: category ?? '',
      code: chartConcept(r.code, 'Unnamed observation'),
      effectiveDateTime: chartDateTime(r.effectiveDateTime ?? r.issued) ?? '',
      issued: chartDateTime(r.issued),
      ...observationValue(r),
      component: r.component?.map((c) => ({ code: chartConcept(c.code), ...observationValue(c) })),
      referenceRange: r.referenceRange?.map((x) => compact({ low: x.low ? q(x.low) : undefined, high: x.high ? q(x.high) : undefined, text: x.text })),
      interpretation: r.interpretation?.map((c) => chartConcept(c)),
      basedOn: basedOnIds(ctx, r.basedOn),
      encounterId: entryId(ctx, r.encounter),
      sourceId: sourceId(e)
    })
  };
}

function medication(e: BundleEntry, r: Parsed<typeof S.medicationSchema>, ctx: Ctx): ChartWrite {
  const dosage = r.dosageInstruction?.[0] ?? r.dosage?.[0];
  const concept = r.medicationCodeableConcept ?? { text: r.medicationReference?.display ?? 'Medication (named by reference)' };
  return {
    collection: 'medications',
    fields: compact({
      resourceType: e.type === 'MedicationStatement' ? 'MedicationStatement' : 'MedicationRequest',
      status: r.status,
      intent: r.intent,
      medicationCodeableConcept: chartConcept(concept, 'Unnamed medication'),
      authoredOn: chartDateTime(r.authoredOn ?? r.dateAsserted ?? r.effectiveDateTime ?? r.effectivePeriod?.start) ?? '',
      dosageText: dosage ? describeDosage(dosage) : '',
      asNeeded: dosage?.asNeededBoolean,
      reasonCode: r.reasonCode?.map((c) => chartConcept(c)),
      encounterId: entryId(ctx, r.encounter ?? r.context),
      sourceId: sourceId(e)
    })
  };
}

function immunization(e: BundleEntry, r: Parsed<typeof S.immunizationSchema>, ctx: Ctx): ChartWrite {
  return {
    collection: 'immunizations',
    fields: compact({
      status: pick(r.status, ['completed', 'entered-in-error', 'not-done'] as const, 'completed'),
      vaccineCode: chartConcept(r.vaccineCode, 'Unnamed vaccine'),
      occurrenceDateTime: chartDateTime(r.occurrenceDateTime) ?? '',
      lotNumber: r.lotNumber,
      primarySource: r.primarySource,
      encounterId: entryId(ctx, r.encounter),
      sourceId: sourceId(e)
    })
  };
}

function procedure(e: BundleEntry, r: Parsed<typeof S.procedureSchema>, ctx: Ctx): ChartWrite {
  const start = chartDateTime(r.performedPeriod?.start ?? r.performedDateTime);
  return {
    collection: 'procedures',
    fields: compact({
      status: r.status,
      code: chartConcept(r.code, 'Unnamed procedure'),
      performedPeriod: compact({ start, end: chartDateTime(r.performedPeriod?.end) }),
      reasonCode: r.reasonCode?.map((c) => chartConcept(c)),
      encounterId: entryId(ctx, r.encounter),
      sourceId: sourceId(e)
    })
  };
}

function report(e: BundleEntry, r: Parsed<typeof S.reportSchema>, ctx: Ctx): ChartWrite {
  return {
    collection: 'reports',
    fields: compact({
      status: r.status,
      category: (r.category ?? []).map((c) => chartConcept(c)),
      code: chartConcept(r.code, 'Unnamed report'),
      effectiveDateTime: chartDateTime(r.effectiveDateTime ?? r.issued) ?? '',
      issued: chartDateTime(r.issued),
      result: (r.result ?? []).map((ref) => entryId(ctx, ref)).filter((id): id is string => !!id),
      conclusion: r.conclusion,
      basedOn: basedOnIds(ctx, r.basedOn),
      encounterId: entryId(ctx, r.encounter),
      sourceId: sourceId(e)
    })
  };
}

function carePlan(e: BundleEntry, r: Parsed<typeof S.carePlanSchema>, ctx: Ctx): ChartWrite {
  return {
    collection: 'carePlans',
    fields: compact({
      status: r.status,
      intent: r.intent,
      category: (r.category ?? []).map((c) => chartConcept(c)),
      period: compact({ start: chartDateTime(r.period?.start), end: chartDateTime(r.period?.end) }),
      activity: (r.activity ?? []).filter((a) => a.detail?.code).map((a) => compact({ code: chartConcept(a.detail!.code), status: a.detail!.status })),
      addresses: (r.addresses ?? []).map((ref) => entryId(ctx, ref)).filter((id): id is string => !!id),
      encounterId: entryId(ctx, r.encounter),
      sourceId: sourceId(e)
    })
  };
}
