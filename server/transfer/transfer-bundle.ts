import { compactJson, type FhirResource } from '../../src/lib/fhir/export/chart-to-fhir';
import { escapeXhtml, patientSummary } from '../../src/lib/fhir/export/patient-summary';
import { LOCAL_MRN_SYSTEM } from '../fhir/patient-match';

/**
 * The record that follows a patient to another clinic: the International
 * Patient Summary document (patient-summary.ts, as `$summary` gives it) with
 * two more Composition sections:
 * - "Reason for referral" (LOINC 42349-1): a ServiceRequest (category
 *   SNOMED CT 3457005 "Patient referral") naming the destination, with the
 *   reason the clinician gave;
 * - "Notes" (LOINC 11488-4 "Consult note" family, here 34109-9 "Note"):
 *   the signed visit notes the clinician chose, as DocumentReferences.
 *
 * A transfer carries the whole allergy, problem and medication history, not
 * only what IPS lists as current: resolved problems go into "History of past
 * illness" (LOINC 11348-0), inactive allergies and stopped medications into
 * their IPS sections beside the current ones (their status says which).
 * Entries marked entered-in-error are never sent.
 *
 * The sending clinic is named as the Bundle's `meta.source`
 * (`urn:outpost:clinic:<clinic id>`), the key the destination's import uses
 * to keep this clinic's entries apart from every other sender's. The
 * clinic's MRN is sent in the clinic's own namespace
 * (`urn:outpost:clinic:<clinic id>:mrn`): Outpost's MRN series is per
 * installation, so the shared `urn:outpost:mrn` would not name one person
 * across clinics. Pure.
 */

type Json = Record<string, unknown>;
const LOINC = 'http://loinc.org';
const XHTML = 'http://www.w3.org/1999/xhtml';

export interface TransferInput {
  patient: FhirResource;
  chart: readonly FhirResource[];
  organization: { id: string; name: string };
  /** Where the record goes; absent for a download. */
  destination?: { name: string };
  reason: string;
  /** Encounter ids of the signed notes to include. */
  noteIds: readonly string[];
  base: string;
  ids: { bundle: string; composition: string; serviceRequest: string };
  now: Date;
  requester: { name: string };
}

export const clinicSource = (clinicId: string) => `urn:outpost:clinic:${clinicId}`;

/** The DocumentReferences of the chosen encounters' signed notes (the note and its addenda), without links to resources the document does not carry. */
function chosenNotes(chart: readonly FhirResource[], noteIds: readonly string[]): FhirResource[] {
  const wanted = new Set(noteIds.map((id) => `Encounter/${id}`));
  return chart
    .filter((r) => r.resourceType === 'DocumentReference' && r.status === 'current')
    .filter((r) => ((r.context as { encounter?: { reference?: string }[] } | undefined)?.encounter ?? []).some((e) => wanted.has(e.reference ?? '')))
    .map((r) => {
      const { context: _context, relatesTo: _relatesTo, ...rest } = r as Json;
      return rest as FhirResource;
    });
}

const HISTORY_TYPES = new Set(['AllergyIntolerance', 'Condition', 'MedicationRequest', 'MedicationStatement']);
const codeOf = (v: unknown) => ((v as { coding?: { code?: string }[] } | undefined)?.coding ?? []).map((c) => c.code).find(Boolean);
const inError = (r: Json) => r.status === 'entered-in-error' || codeOf(r.verificationStatus) === 'entered-in-error';
const NO_KNOWN_ALLERGY = '716186003';

/** References to resources the document does not carry become their display text, or go. */
function localOnly(value: unknown, present: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => localOnly(v, present)).filter((v) => v !== undefined);
  if (value && typeof value === 'object') {
    const o = value as Json;
    if (typeof o.reference === 'string' && !present.has(o.reference)) return typeof o.display === 'string' ? { display: o.display } : undefined;
    const out: Json = {};
    for (const [k, v] of Object.entries(o)) {
      const c = localOnly(v, present);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return value;
}

export function transferBundle(input: TransferInput): Json {
  const { organization } = input;
  const ownMrn = `${clinicSource(organization.id)}:mrn`;
  const patient = {
    ...input.patient,
    identifier: ((input.patient.identifier as Json[] | undefined) ?? []).map((i) => (i.system === LOCAL_MRN_SYSTEM ? { ...i, system: ownMrn } : i))
  } as FhirResource;
  const summary = patientSummary({ patient, chart: input.chart, organization, base: input.base, bundleId: input.ids.bundle, compositionId: input.ids.composition, now: input.now });
  const entries = summary.entry as { fullUrl: string; resource: Json }[];
  const composition = entries[0].resource;
  const when = input.now.toISOString();
  const reason = input.reason.trim();
  const serviceRequest = compactJson({
    resourceType: 'ServiceRequest',
    id: input.ids.serviceRequest,
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }], text: input.destination ? `Referral to ${input.destination.name}` : 'Referral' },
    subject: { reference: `Patient/${patient.id}` },
    authoredOn: when,
    requester: { reference: `Organization/${organization.id}`, display: `${input.requester.name}, ${organization.name}` },
    performer: input.destination ? [{ display: input.destination.name }] : undefined,
    reasonCode: [{ text: reason }]
  });
  const notes = chosenNotes(input.chart, input.noteIds);
  const sent = new Set(entries.map((e) => `${e.resource.resourceType}/${e.resource.id}`));
  const history = input.chart.filter((r) => HISTORY_TYPES.has(r.resourceType) && !inError(r) && !sent.has(`${r.resourceType}/${r.id}`) && codeOf(r.code) !== NO_KNOWN_ALLERGY);
  const present = new Set([...sent, ...history.map((r) => `${r.resourceType}/${r.id}`)]);
  const sections = composition.section as Json[];
  const addTo = (code: string, refs: FhirResource[]) => {
    const section = sections.find((x) => codeOf(x.code) === code);
    if (!section || !refs.length) return;
    delete section.emptyReason;
    section.entry = [...((section.entry as Json[] | undefined) ?? []), ...refs.map((r) => ({ reference: `${r.resourceType}/${r.id}` }))];
  };
  addTo('48765-2', history.filter((r) => r.resourceType === 'AllergyIntolerance'));
  addTo('10160-0', history.filter((r) => r.resourceType.startsWith('Medication')));
  const past = history.filter((r) => r.resourceType === 'Condition');
  if (past.length) {
    sections.push({
      title: 'History of past illness',
      code: { coding: [{ system: LOINC, code: '11348-0', display: 'History of Past illness Narrative' }] },
      text: { status: 'generated', div: `<div xmlns="${XHTML}"><ul>${past.map((r) => `<li>${escapeXhtml(String((r.code as { text?: string } | undefined)?.text ?? ''))}</li>`).join('')}</ul></div>` },
      entry: past.map((r) => ({ reference: `Condition/${r.id}` }))
    });
  }
  const div = (text: string) => `<div xmlns="${XHTML}"><p>${escapeXhtml(text)}</p></div>`;
  (composition.section as Json[]).push(
    {
      title: 'Reason for referral',
      code: { coding: [{ system: LOINC, code: '42349-1', display: 'Reason for referral (narrative)' }] },
      text: { status: 'generated', div: div(reason) },
      entry: [{ reference: `ServiceRequest/${serviceRequest.id}` }]
    },
    {
      title: 'Notes',
      code: { coding: [{ system: LOINC, code: '34109-9', display: 'Note' }] },
      text: { status: 'generated', div: div(notes.length ? `${notes.length} signed note(s) attached.` : 'No notes attached.') },
      ...(notes.length
        ? { entry: notes.map((n) => ({ reference: `DocumentReference/${n.id}` })) }
        : { emptyReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'unavailable', display: 'Unavailable' }] } })
    }
  );
  return {
    ...summary,
    meta: { source: clinicSource(organization.id) },
    entry: [
      ...entries,
      ...history.map((r) => ({ fullUrl: `${input.base}/${r.resourceType}/${r.id}`, resource: compactJson(localOnly(r, present)) })),
      { fullUrl: `${input.base}/ServiceRequest/${serviceRequest.id}`, resource: serviceRequest },
      ...notes.map((n) => ({ fullUrl: `${input.base}/DocumentReference/${n.id}`, resource: n }))
    ]
  };
}
