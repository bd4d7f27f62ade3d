import { compactJson, type FhirResource } from './chart-to-fhir';

/**
 * The International Patient Summary of one patient, as a FHIR document
 * Bundle, built from the resources chart-to-fhir.ts already exports (no
 * second mapping). Follows the IPS implementation guide 2.0.0 (STU2,
 * FHIR R4, http://hl7.org/fhir/uv/ips/STU2/): a Composition coded LOINC
 * 60591-5 "Patient summary Document", first entry of the Bundle, with the
 * sections problems (11450-4), allergies (48765-2) and medications
 * (10160-0), which IPS requires, plus immunizations (11369-6), results
 * (30954-2) and vital signs (8716-3). Pure: the server's `$summary` and, later,
 * the browser give the same document.
 *
 * What each section holds (entered-in-error entries never):
 * - problems: conditions whose clinical status is active, recurrence or relapse;
 * - allergies: allergies not inactive or resolved; the "no known allergies"
 *   statement (SNOMED CT 716186003) when no allergy is recorded; with neither,
 *   the section says so by `emptyReason` (list-empty-reason `unavailable`);
 * - medications: prescriptions and statements active, on hold or intended;
 * - immunizations: every vaccination given (status completed);
 * - results and vital signs: the latest observation of each code
 *   (laboratory and vital-signs categories), so a 20-year chart gives a summary,
 *   not its whole history.
 * Every section is present; an empty one carries `emptyReason` instead of
 * entries. Each section's narrative is generated from the data it lists, HTML
 * escaped. References from the included resources to resources the document
 * does not carry (encounters, orders, practitioners) are cut down to their
 * display text, or dropped, so every reference in the document resolves inside
 * it. The author and custodian is the clinic, as an Organization.
 */

type Json = Record<string, unknown>;

export const IPS_VERSION = '2.0.0';
const LOINC = 'http://loinc.org';
const EMPTY_REASON = 'http://terminology.hl7.org/CodeSystem/list-empty-reason';

export const IPS_SECTIONS = [
  { key: 'problems', code: '11450-4', display: 'Problem list - Reported', title: 'Problems' },
  { key: 'allergies', code: '48765-2', display: 'Allergies and adverse reactions Document', title: 'Allergies and intolerances' },
  { key: 'medications', code: '10160-0', display: 'History of Medication use Narrative', title: 'Medications' },
  { key: 'immunizations', code: '11369-6', display: 'History of Immunization Narrative', title: 'Immunizations' },
  { key: 'results', code: '30954-2', display: 'Relevant diagnostic tests/laboratory data Narrative', title: 'Results' },
  { key: 'vitals', code: '8716-3', display: 'Vital signs', title: 'Vital signs' }
] as const;
export type SectionKey = (typeof IPS_SECTIONS)[number]['key'];

const codeOf = (v: unknown): string | undefined => {
  const c = (v as { coding?: { code?: unknown }[] } | undefined)?.coding;
  return Array.isArray(c) ? c.map((x) => x?.code).find((x): x is string => typeof x === 'string') : undefined;
};
const inError = (r: Json) => r.status === 'entered-in-error' || codeOf(r.verificationStatus) === 'entered-in-error';
const categoryCodes = (r: Json) => (Array.isArray(r.category) ? r.category.map((c) => codeOf(c)) : []);

/** Text of a CodeableConcept for the narrative: its text, else the first display, else the first code. */
function conceptText(v: unknown): string {
  const c = v as { text?: unknown; coding?: { display?: unknown; code?: unknown }[] } | undefined;
  if (!c) return '';
  if (typeof c.text === 'string' && c.text) return c.text;
  for (const x of c.coding ?? []) if (typeof x?.display === 'string' && x.display) return x.display;
  for (const x of c.coding ?? []) if (typeof x?.code === 'string' && x.code) return x.code;
  return '';
}
const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

export function escapeXhtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Latest by date of each code (system|code of the first coding, else the text). */
function latestPerCode(list: Json[]): Json[] {
  const best = new Map<string, Json>();
  for (const r of list) {
    const coding = (r.code as { coding?: { system?: string; code?: string }[] } | undefined)?.coding?.[0];
    const key = coding?.code ? `${coding.system ?? ''}|${coding.code}` : `text|${conceptText(r.code)}`;
    const prev = best.get(key);
    if (!prev || str(r.effectiveDateTime) > str(prev.effectiveDateTime)) best.set(key, r);
  }
  return [...best.values()];
}

function quantityText(q: unknown): string {
  const v = q as { value?: unknown; unit?: unknown; comparator?: unknown } | undefined;
  return v && v.value !== undefined ? `${str(v.comparator)}${str(v.value)}${v.unit ? ` ${str(v.unit)}` : ''}` : '';
}
function observationValueText(o: Json): string {
  if (o.valueQuantity) return quantityText(o.valueQuantity);
  if (o.valueCodeableConcept) return conceptText(o.valueCodeableConcept);
  if (o.valueString !== undefined) return str(o.valueString);
  if (o.valueBoolean !== undefined) return str(o.valueBoolean);
  if (o.valueInteger !== undefined) return str(o.valueInteger);
  if (Array.isArray(o.component)) return o.component.map((c: Json) => `${conceptText(c.code)} ${observationValueText(c)}`.trim()).join('; ');
  return '';
}

/** One narrative row (cells) per resource of a section (also the printed transfer's rows, transfer-print.ts). */
export function rowOf(key: SectionKey, r: Json): string[] {
  switch (key) {
    case 'problems':
      return [conceptText(r.code), codeOf(r.clinicalStatus) ?? '', str(r.onsetDateTime)];
    case 'allergies': {
      const reaction = Array.isArray(r.reaction) ? r.reaction.flatMap((x: Json) => (Array.isArray(x.manifestation) ? x.manifestation.map(conceptText) : [])).join(', ') : '';
      return [conceptText(r.code), codeOf(r.clinicalStatus) ?? '', str(r.criticality), reaction];
    }
    case 'medications': {
      const dosage = (Array.isArray(r.dosageInstruction) ? r.dosageInstruction : Array.isArray(r.dosage) ? r.dosage : []) as Json[];
      return [conceptText(r.medicationCodeableConcept), str(r.status), dosage.map((d) => str(d.text)).filter(Boolean).join('; '), str(r.authoredOn ?? r.dateAsserted)];
    }
    case 'immunizations':
      return [conceptText(r.vaccineCode), str(r.occurrenceDateTime ?? r.occurrenceString), str(r.lotNumber)];
    case 'results':
    case 'vitals':
      return [conceptText(r.code), observationValueText(r), str(r.effectiveDateTime)];
  }
}
export const HEADERS: Record<SectionKey, string[]> = {
  problems: ['Problem', 'Status', 'Onset'],
  allergies: ['Substance', 'Status', 'Criticality', 'Reaction'],
  medications: ['Medication', 'Status', 'Directions', 'Date'],
  immunizations: ['Vaccine', 'Date', 'Lot'],
  results: ['Test', 'Result', 'Date'],
  vitals: ['Measurement', 'Value', 'Date']
};

const XHTML = 'http://www.w3.org/1999/xhtml';
function sectionDiv(key: SectionKey, resources: Json[], emptyText: string): string {
  if (!resources.length) return `<div xmlns="${XHTML}"><p>${escapeXhtml(emptyText)}</p></div>`;
  const head = `<tr>${HEADERS[key].map((h) => `<th>${escapeXhtml(h)}</th>`).join('')}</tr>`;
  const rows = resources.map((r) => `<tr>${rowOf(key, r).map((c) => `<td>${escapeXhtml(c)}</td>`).join('')}</tr>`).join('');
  return `<div xmlns="${XHTML}"><table><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
}

/** Every resource type selectSections may list (besides the Patient and the authoring Organization). */
export const SUMMARY_TYPES = ['AllergyIntolerance', 'Condition', 'Immunization', 'MedicationRequest', 'MedicationStatement', 'Observation'] as const;

/** Which of the record's resources each section lists. */
export function selectSections(record: readonly FhirResource[]): Record<SectionKey, Json[]> {
  const live = record.filter((r) => !inError(r));
  const of = (type: string) => live.filter((r) => r.resourceType === type);
  const allergies = of('AllergyIntolerance').filter((r) => !['inactive', 'resolved'].includes(codeOf(r.clinicalStatus) ?? ''));
  const isNka = (r: Json) => codeOf(r.code) === '716186003';
  const real = allergies.filter((r) => !isNka(r));
  return {
    problems: of('Condition').filter((r) => ['active', 'recurrence', 'relapse'].includes(codeOf(r.clinicalStatus) ?? '')),
    allergies: real.length ? real : allergies.filter(isNka),
    medications: live.filter(
      (r) => (r.resourceType === 'MedicationRequest' && ['active', 'on-hold'].includes(str(r.status))) || (r.resourceType === 'MedicationStatement' && ['active', 'on-hold', 'intended'].includes(str(r.status)))
    ),
    immunizations: of('Immunization').filter((r) => r.status === 'completed'),
    results: latestPerCode(of('Observation').filter((r) => categoryCodes(r).includes('laboratory'))),
    vitals: latestPerCode(of('Observation').filter((r) => categoryCodes(r).includes('vital-signs')))
  };
}

/** Replaces references the document cannot resolve by their display text (or drops them). */
function localReferences(value: unknown, present: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => localReferences(v, present));
  if (value && typeof value === 'object') {
    const o = value as Json;
    if (typeof o.reference === 'string' && !present.has(o.reference)) return typeof o.display === 'string' ? { display: o.display } : undefined;
    const out: Json = {};
    for (const [k, v] of Object.entries(o)) out[k] = localReferences(v, present);
    return out;
  }
  return value;
}

export interface SummaryInput {
  /** The Patient and the chart's resources, as recordToFhir gives them. */
  patient: FhirResource;
  chart: readonly FhirResource[];
  organization: { id: string; name: string };
  /** Server base (…/fhir/R4) for the entries' fullUrls. */
  base: string;
  /** Ids for the Bundle (also its identifier) and the Composition. */
  bundleId: string;
  compositionId: string;
  now: Date;
}

export function patientSummary(input: SummaryInput): Json {
  const { patient, organization, base } = input;
  const sections = selectSections(input.chart);
  const org: FhirResource = { resourceType: 'Organization', id: organization.id, name: organization.name };
  const included = [patient, org, ...new Map(IPS_SECTIONS.flatMap((s) => sections[s.key]).map((r) => [`${r.resourceType}/${r.id}`, r as FhirResource])).values()];
  const present = new Set(included.map((r) => `${r.resourceType}/${r.id}`));
  const when = input.now.toISOString();
  const composition = {
    resourceType: 'Composition',
    id: input.compositionId,
    meta: { profile: ['http://hl7.org/fhir/uv/ips/StructureDefinition/Composition-uv-ips'] },
    text: { status: 'generated', div: `<div xmlns="${XHTML}"><p>${escapeXhtml(`International Patient Summary from ${organization.name}`)}</p></div>` },
    status: 'final',
    type: { coding: [{ system: LOINC, code: '60591-5', display: 'Patient summary Document' }] },
    subject: { reference: `Patient/${patient.id}` },
    date: when,
    author: [{ reference: `Organization/${organization.id}`, display: organization.name }],
    title: 'International Patient Summary',
    custodian: { reference: `Organization/${organization.id}`, display: organization.name },
    section: IPS_SECTIONS.map((s) => {
      const list = sections[s.key];
      return {
        title: s.title,
        code: { coding: [{ system: LOINC, code: s.code, display: s.display }] },
        text: { status: 'generated', div: sectionDiv(s.key, list, `No ${s.title.toLowerCase()} recorded.`) },
        ...(list.length
          ? { entry: list.map((r) => ({ reference: `${r.resourceType}/${r.id}` })) }
          : { emptyReason: { coding: [{ system: EMPTY_REASON, code: 'unavailable', display: 'Unavailable' }], text: 'No information recorded' } })
      };
    })
  };
  return {
    resourceType: 'Bundle',
    id: input.bundleId,
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${input.bundleId}` },
    type: 'document',
    timestamp: when,
    entry: [
      { fullUrl: `${base}/Composition/${composition.id}`, resource: composition },
      ...included.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: compactJson(localReferences(r, present)) }))
    ]
  };
}
