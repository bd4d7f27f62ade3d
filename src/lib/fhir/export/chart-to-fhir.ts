import * as Y from 'yjs';
import { listAllergies, listConditions, listEncounters, signedNote } from '../../chart/chart-doc';
import { listNoKnownAllergyStatements } from '../../chart/allergy-status';
import { listCarePlans, listImmunizations, listObservations, listProcedures, listReports } from '../../chart/clinical-doc';
import { listMedicationRecords, type MedicationRecord } from '../../chart/medication-doc';
import { listOrders } from '../../chart/order-doc';
import { patientMap, readPatient } from '../../chart/patient-doc';
import { NO_KNOWN_ALLERGY_SNOMED } from '../../domain/allergy-status';
import { NOTE_SECTIONS, type CodeableConcept } from '../../domain/chart';
import { dispenseRequestOf, dosageInstructionOf, MRN_SYSTEM } from '../../services/prescription-fhir';

/**
 * The stored record → FHIR R4 resources, shaped after US Core. Pure: it reads
 * a patient's `patient:` and `chart:` Y.Docs and returns JSON, so the server's
 * FHIR API and, later, a patient download in the browser give the same record.
 *
 * - Ids are the chart entry ids (the ids an import reported as locations), the
 *   Patient's is the patient id; every resource names the patient as
 *   `Patient/<id>`.
 * - Entries marked entered-in-error are exported with FHIR's entered-in-error
 *   status (verificationStatus for allergies and problems), never dropped.
 * - "No known allergies" statements are AllergyIntolerance coded SNOMED CT
 *   716186003; one that was ended is exported inactive.
 * - Visit notes: only signed notes and their addenda become
 *   DocumentReferences (text/plain, base64); a draft note is never exported.
 *   The text is the note as signed, not text merged in after signing.
 * - Not exported: photo and scan attachments (their bytes are held apart),
 *   reminders, care team, pharmacy sends and pending demographics proposals.
 */

export type FhirResource = { resourceType: string; id: string } & Record<string, unknown>;

export const US_CORE = {
  Patient: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient',
  AllergyIntolerance: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-allergyintolerance',
  Condition: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition'
} as const;

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
/** meta.tag of an Observation the patient (or someone acting for them) entered in the patient portal (Observation.performer names them). */
export const PATIENT_REPORTED_TAG = { system: 'urn:outpost:data-source', code: 'patient-reported', display: 'Reported by the patient' } as const;
const CATEGORY_DISPLAY: Record<string, string> = {
  'vital-signs': 'Vital Signs',
  laboratory: 'Laboratory',
  survey: 'Survey',
  'social-history': 'Social History',
  imaging: 'Imaging',
  procedure: 'Procedure',
  exam: 'Exam',
  therapy: 'Therapy',
  activity: 'Activity'
};
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ENCOUNTER_CLASS: Record<string, { code: string; display: string }> = {
  ambulatory: { code: 'AMB', display: 'ambulatory' },
  emergency: { code: 'EMER', display: 'emergency' },
  home: { code: 'HH', display: 'home health' },
  virtual: { code: 'VR', display: 'virtual' }
};
const ORDER_CATEGORY: Record<string, { code: string; display: string }> = {
  laboratory: { code: '108252007', display: 'Laboratory procedure' },
  imaging: { code: '363679005', display: 'Imaging' }
};

/** Drops undefined, empty strings, empty arrays and empty objects, recursively; false and 0 stay. */
export function compactJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compactJson).filter((v) => !isEmpty(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const c = compactJson(v);
      if (!isEmpty(c)) out[k] = c;
    }
    return out as T;
  }
  return value;
}
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function concept(c: { text?: string; coding?: { system?: string; code?: string; display?: string }[] } | undefined): Record<string, unknown> | undefined {
  if (!c) return undefined;
  return { coding: (c.coding ?? []).map((x) => ({ system: x.system, code: x.code, display: x.display })), text: c.text };
}
const codeConcept = (system: string, code: string, display?: string) => ({ coding: [{ system, code, ...(display ? { display } : {}) }] });
/**
 * An Observation's code. FHIR R4's oxygen saturation profile (which every
 * Observation coded 59408-5 or 2708-6 must meet) requires the LOINC code
 * 2708-6; pulse oximetry (59408-5, what the vitals form records) is a more
 * specific code of it, so 2708-6 is added beside it, as US Core's pulse
 * oximetry profile does too.
 */
function observationCode(c: CodeableConcept | undefined): Record<string, unknown> | undefined {
  const out = concept(c);
  const codings = (out?.coding ?? []) as { system?: string; code?: string }[];
  const loinc = (code: string) => codings.some((x) => x.system === 'http://loinc.org' && x.code === code);
  if (out && loinc('59408-5') && !loinc('2708-6')) {
    out.coding = [...codings, { system: 'http://loinc.org', code: '2708-6', display: 'Oxygen saturation in Arterial blood' }];
  }
  return out;
}
const ref = (type: string, id: string | undefined) => (id ? { reference: `${type}/${id}` } : undefined);
const pick = <T extends string>(v: unknown, allowed: readonly T[], fallback: T): T => (typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : fallback);

/**
 * One raw stored field of an entry (links the typed readers do not return),
 * read on demand: converting the whole entry to JSON for one field cost a
 * long chart tens of milliseconds.
 */
type Raw = (field: string) => unknown;
function raw(doc: Y.Doc, collection: string, id: string): Raw {
  const e = doc.getMap(collection).get(id);
  return (field) => {
    if (!(e instanceof Y.Map)) return undefined;
    const v = e.get(field);
    return v instanceof Y.AbstractType ? v.toJSON() : v;
  };
}
const rawString = (r: Raw, k: string) => {
  const v = r(k);
  return typeof v === 'string' ? v : undefined;
};
const rawArray = (r: Raw, k: string) => {
  const v = r(k);
  return Array.isArray(v) ? (v as unknown[]) : undefined;
};

// ── Patient ─────────────────────────────────────────────────────────────

export function patientToFhir(doc: Y.Doc): FhirResource | null {
  const p = readPatient(doc);
  if (!p) return null;
  const stored = patientMap(doc).get('identifier');
  const others = (Array.isArray(stored) ? stored : []).filter(
    (i): i is { system: string; value: string; type?: string } => !!i && typeof i.system === 'string' && !!i.system && typeof i.value === 'string' && !!i.value
  );
  return compactJson({
    resourceType: 'Patient',
    id: p.id,
    meta: { profile: [US_CORE.Patient] },
    identifier: [
      ...(p.mrn ? [{ use: 'usual', type: codeConcept('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR', 'Medical record number'), system: MRN_SYSTEM, value: p.mrn }] : []),
      ...others.map((i) => ({ ...(i.type ? { type: codeConcept('http://terminology.hl7.org/CodeSystem/v2-0203', i.type) } : {}), system: i.system, value: i.value }))
    ],
    name: [{ use: 'official', family: p.family, given: p.given }],
    telecom: [...(p.phone ? [{ system: 'phone', value: p.phone }] : []), ...(p.email ? [{ system: 'email', value: p.email }] : [])],
    gender: p.gender,
    birthDate: p.birthDate,
    deceasedDateTime: p.deceasedDate,
    address: [{ line: p.addressLine ? [p.addressLine] : [], city: p.city, postalCode: p.postalCode }]
  }) as FhirResource;
}

// ── Chart ───────────────────────────────────────────────────────────────

/** Every resource the chart holds, in a stable order (by type, then as the chart lists them). */
export function chartToFhir(chart: Y.Doc, patientId: string): FhirResource[] {
  const subject = { reference: `Patient/${patientId}` };
  const out: Record<string, unknown>[] = [];

  for (const a of listAllergies(chart)) {
    const inError = a.verificationStatus === 'entered-in-error';
    out.push({
      resourceType: 'AllergyIntolerance',
      id: a.id,
      meta: { profile: [US_CORE.AllergyIntolerance] },
      // FHIR ait-2: no clinicalStatus on an entry in error.
      clinicalStatus: inError ? undefined : codeConcept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', a.clinicalStatus),
      verificationStatus: codeConcept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', a.verificationStatus),
      category: [a.category],
      criticality: a.criticality,
      code: concept(a.code),
      patient: subject,
      recordedDate: a.recordedDate,
      reaction: a.reaction ? [{ manifestation: [{ text: a.reaction }], severity: a.severity || undefined }] : undefined
    });
  }
  for (const s of listNoKnownAllergyStatements(chart)) {
    out.push({
      resourceType: 'AllergyIntolerance',
      id: s.id,
      meta: { profile: [US_CORE.AllergyIntolerance] },
      clinicalStatus: codeConcept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', s.endedAt ? 'inactive' : 'active'),
      verificationStatus: codeConcept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed'),
      code: { coding: [{ ...NO_KNOWN_ALLERGY_SNOMED }], text: 'No known allergies' },
      patient: subject,
      recordedDate: s.recordedAt,
      recorder: { display: s.recordedBy }
    });
  }

  for (const c of listConditions(chart)) {
    const inError = c.verificationStatus === 'entered-in-error';
    const r = raw(chart, 'conditions', c.id);
    out.push({
      resourceType: 'Condition',
      id: c.id,
      meta: { profile: [US_CORE.Condition] },
      clinicalStatus: inError ? undefined : codeConcept('http://terminology.hl7.org/CodeSystem/condition-clinical', c.clinicalStatus),
      verificationStatus: codeConcept('http://terminology.hl7.org/CodeSystem/condition-ver-status', c.verificationStatus),
      category: [codeConcept('http://terminology.hl7.org/CodeSystem/condition-category', 'problem-list-item', 'Problem List Item')],
      code: concept(c.code),
      subject,
      encounter: ref('Encounter', rawString(r, 'encounterId')),
      onsetDateTime: c.onsetDate,
      abatementDateTime: c.abatementDate,
      recordedDate: c.recordedDate,
      note: c.note ? [{ text: c.note }] : undefined
    });
  }

  for (const m of listMedicationRecords(chart)) out.push(medicationToFhir(m, raw(chart, 'medications', m.id), subject));

  for (const o of listObservations(chart)) {
    const r = raw(chart, 'observations', o.id);
    out.push({
      resourceType: 'Observation',
      id: o.id,
      // A home reading: the performer is the Patient (or the carer, by name), and the tag says it was reported, not measured by the clinic.
      meta: o.reportedBy ? { tag: [PATIENT_REPORTED_TAG] } : undefined,
      status: o.status,
      category: o.category ? [{ coding: [{ system: OBSERVATION_CATEGORY, code: o.category, display: CATEGORY_DISPLAY[o.category] }] }] : undefined,
      code: observationCode(o.code),
      subject,
      encounter: ref('Encounter', o.encounterId),
      effectiveDateTime: o.effectiveDateTime,
      issued: o.issued,
      performer: (rawArray(r, 'performer') ?? []).filter((p) => p && typeof p === 'object'),
      ...observationValue(o),
      interpretation: o.interpretation?.map(concept),
      referenceRange: o.referenceRange,
      basedOn: o.basedOn?.map((id) => ref('ServiceRequest', id)),
      component: o.component?.map((c) => ({ code: concept(c.code), ...observationValue(c) }))
    });
  }

  for (const i of listImmunizations(chart)) {
    const r = raw(chart, 'immunizations', i.id);
    out.push({
      resourceType: 'Immunization',
      id: i.id,
      status: i.status,
      vaccineCode: concept(i.vaccineCode),
      patient: subject,
      encounter: ref('Encounter', i.encounterId),
      occurrenceDateTime: i.occurrenceDateTime,
      primarySource: i.primarySource,
      lotNumber: i.lotNumber,
      site: concept(i.site),
      route: concept(i.route),
      performer: (rawArray(r, 'performer') ?? []).filter((p) => p && typeof p === 'object')
    });
  }

  for (const p of listProcedures(chart)) {
    out.push({
      resourceType: 'Procedure',
      id: p.id,
      status: pick(p.status, ['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'] as const, 'unknown'),
      code: concept(p.code),
      subject,
      encounter: ref('Encounter', p.encounterId),
      performedPeriod: p.performedPeriod,
      reasonCode: p.reasonCode?.map(concept)
    });
  }

  for (const d of listReports(chart)) {
    out.push({
      resourceType: 'DiagnosticReport',
      id: d.id,
      status: pick(d.status, ['registered', 'partial', 'preliminary', 'final', 'amended', 'corrected', 'appended', 'cancelled', 'entered-in-error', 'unknown'] as const, 'unknown'),
      category: d.category.map(concept),
      code: concept(d.code),
      subject,
      encounter: ref('Encounter', d.encounterId),
      effectiveDateTime: d.effectiveDateTime,
      issued: d.issued,
      basedOn: d.basedOn?.map((id) => ref('ServiceRequest', id)),
      result: d.result.map((id) => ref('Observation', id)),
      conclusion: d.conclusion
    });
  }

  for (const c of listCarePlans(chart)) {
    out.push({
      resourceType: 'CarePlan',
      id: c.id,
      status: pick(c.status, ['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'] as const, 'unknown'),
      intent: pick(c.intent, ['proposal', 'plan', 'order', 'option'] as const, 'plan'),
      category: c.category.map(concept),
      subject,
      encounter: ref('Encounter', c.encounterId),
      period: c.period,
      addresses: c.addresses.map((id) => ref('Condition', id)),
      activity: c.activity.map((a) => ({
        detail: {
          code: concept(a.code),
          status: pick(a.status, ['not-started', 'scheduled', 'in-progress', 'on-hold', 'completed', 'cancelled', 'stopped', 'unknown', 'entered-in-error'] as const, 'unknown')
        }
      }))
    });
  }

  for (const o of listOrders(chart)) {
    const cat = ORDER_CATEGORY[o.category];
    out.push({
      resourceType: 'ServiceRequest',
      id: o.id,
      status: o.status,
      intent: pick(o.intent, ['proposal', 'plan', 'directive', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option'] as const, 'order'),
      category: cat ? [{ ...codeConcept('http://snomed.info/sct', cat.code, cat.display), text: o.category }] : undefined,
      priority: o.priority,
      code: concept(o.code),
      subject,
      authoredOn: o.authoredOn,
      requester: o.requester,
      reasonCode: o.reasonText ? [{ text: o.reasonText }] : undefined,
      note: o.note ? [{ text: o.note }] : undefined
    });
  }

  for (const e of listEncounters(chart)) {
    const r = raw(chart, 'encounters', e.id);
    const cls = rawString(r, 'classCode') ?? ENCOUNTER_CLASS[e.class]?.code ?? 'AMB';
    const display = Object.values(ENCOUNTER_CLASS).find((x) => x.code === cls)?.display;
    out.push({
      resourceType: 'Encounter',
      id: e.id,
      status: e.status,
      class: { system: ACT_CODE, code: cls, ...(display ? { display } : {}) },
      type: [{ coding: rawArray(r, 'typeCoding'), text: e.type || 'Visit' }],
      subject,
      period: { start: e.start, end: e.end },
      reasonCode: e.reason ? [{ coding: rawArray(r, 'reasonCoding'), text: e.reason }] : undefined
    });
    out.push(...noteDocuments(chart, e.id, e.status === 'entered-in-error', subject));
  }

  return out.map((r) => compactJson(r) as FhirResource);
}

/** Both the chart record and everything readable about the patient; the Patient first. */
export function recordToFhir(patientDoc: Y.Doc | null, chartDoc: Y.Doc | null, patientId: string): FhirResource[] {
  const patient = patientDoc ? patientToFhir(patientDoc) : null;
  return [...(patient ? [patient] : []), ...(chartDoc ? chartToFhir(chartDoc, patientId) : [])];
}

function observationValue(v: {
  valueQuantity?: { value: number; unit?: string; system?: string; code?: string; comparator?: string };
  valueCodeableConcept?: CodeableConcept;
  valueString?: string;
  valueBoolean?: boolean;
  valueInteger?: number;
}): Record<string, unknown> {
  if (v.valueQuantity) return { valueQuantity: v.valueQuantity };
  if (v.valueCodeableConcept) return { valueCodeableConcept: concept(v.valueCodeableConcept) };
  if (v.valueString !== undefined) return { valueString: v.valueString };
  if (v.valueBoolean !== undefined) return { valueBoolean: v.valueBoolean };
  if (v.valueInteger !== undefined) return { valueInteger: v.valueInteger };
  return {};
}

const MED_REQUEST_STATUS = ['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'] as const;
const MED_STATEMENT_STATUS = ['active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'] as const;

/** A medication entry: a prescription signed here gets the same structured directions the pharmacy receives (prescription-fhir.ts). */
function medicationToFhir(m: MedicationRecord, r: Raw, subject: { reference: string }): Record<string, unknown> {
  const reasonCode = (rawArray(r, 'reasonCode') as CodeableConcept[] | undefined)?.map(concept);
  const encounter = ref('Encounter', rawString(r, 'encounterId'));
  if (m.resourceType === 'MedicationStatement') {
    return {
      resourceType: 'MedicationStatement',
      id: m.id,
      status: pick(m.status, MED_STATEMENT_STATUS, 'unknown'),
      medicationCodeableConcept: concept(m.medicationCodeableConcept),
      subject,
      context: encounter,
      dateAsserted: m.authoredOn,
      dosage: m.dosageText ? [{ text: m.dosageText }] : undefined,
      reasonCode
    };
  }
  return {
    resourceType: 'MedicationRequest',
    id: m.id,
    status: pick(m.status, MED_REQUEST_STATUS, 'unknown'),
    statusReason: m.statusReason ? { text: m.statusReason } : undefined,
    intent: pick(m.intent, ['proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option'] as const, 'order'),
    medicationCodeableConcept: concept(m.medicationCodeableConcept),
    subject,
    encounter,
    authoredOn: m.authoredOn,
    requester: m.requester,
    reasonCode,
    dosageInstruction: m.dosage ? dosageInstructionOf(m.dosage) : m.dosageText ? [{ text: m.dosageText }] : undefined,
    dispenseRequest: m.dispense ? dispenseRequestOf(m.dispense) : undefined,
    priorPrescription: ref('MedicationRequest', m.priorPrescription)
  };
}

const SECTION_TITLE: Record<(typeof NOTE_SECTIONS)[number], string> = { subjective: 'Subjective', objective: 'Objective', assessment: 'Assessment', plan: 'Plan' };
const PROGRESS_NOTE = { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }], text: 'Progress note' };
const CLINICAL_NOTE = { coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }] };

/** UTF-8 → base64 without Node's Buffer, so the browser can run this too. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** A signed note (as signed) and each addendum, as DocumentReferences; nothing for a draft. */
function noteDocuments(chart: Y.Doc, encounterId: string, inError: boolean, subject: { reference: string }): Record<string, unknown>[] {
  let signed;
  try {
    signed = signedNote(chart, encounterId);
  } catch {
    return [];
  }
  if (!signed) return [];
  const status = inError ? 'entered-in-error' : 'current';
  const text = NOTE_SECTIONS.map((s) => `${SECTION_TITLE[s]}:\n${signed.record[s]}`).join('\n\n');
  const context = { encounter: [{ reference: `Encounter/${encounterId}` }] };
  const note = {
    resourceType: 'DocumentReference',
    id: encounterId,
    status,
    docStatus: signed.addenda.length ? 'amended' : 'final',
    type: PROGRESS_NOTE,
    category: [CLINICAL_NOTE],
    subject,
    date: signed.signature.at,
    author: [{ display: signed.signature.by }],
    authenticator: { display: signed.signature.by },
    description: 'Visit note',
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: base64Utf8(text), title: 'Visit note', creation: signed.signature.at } }],
    context
  };
  const addenda = signed.addenda.map((a) => ({
    resourceType: 'DocumentReference',
    id: a.id,
    status,
    docStatus: 'final',
    type: PROGRESS_NOTE,
    category: [CLINICAL_NOTE],
    subject,
    date: a.at,
    author: [{ display: a.by }],
    authenticator: { display: a.by },
    description: 'Addendum to visit note',
    relatesTo: [{ code: 'appends', target: { reference: `DocumentReference/${encounterId}` } }],
    content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: base64Utf8(a.text), title: 'Addendum', creation: a.at } }],
    context
  }));
  return [note, ...addenda];
}
