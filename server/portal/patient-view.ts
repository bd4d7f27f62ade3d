import * as Y from 'yjs';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { listAppointments, listAppointmentTypes, listProviders, scheduleDocName } from '../../src/lib/chart/schedule-doc';
import { docName } from '../../src/lib/domain/doc-names';
import type { PatientRecordView, PortalAppointment } from '../../src/lib/domain/portal/patient-record';
import { chartToFhir, patientToFhir, type FhirResource } from '../../src/lib/fhir/export/chart-to-fhir';
import { patientVisibleResources } from '../../src/lib/fhir/export/patient-view';
import { RESTRICTION_CATEGORIES, resourceInCategories } from '../../src/lib/domain/restriction-categories';
import type { SyncService } from '../types';
import type { RecordAccess } from './portal-store';

/**
 * Builds what a patient account may read of one record, on the server, from
 * the stored documents: the raw `patient:`/`chart:`/`schedule:` documents
 * never leave for a patient (they hold drafts, staff comments and other
 * patients' appointments). The mapping is the FHIR API's (chart-to-fhir.ts),
 * then the patient filter (patient-view.ts).
 *
 * A proxy (parent, guardian, carer) is not shown the problems a patient may
 * keep confidential (the restriction categories: mental health, HIV;
 * src/lib/domain/restriction-categories.ts), as a clinic's restriction would hide
 * them from staff who are not named.
 */
export interface PatientViewParts {
  patient: FhirResource;
  resources: FhirResource[];
  name: { given: string; family: string };
  birthDate: string;
}

async function withDoc<T>(sync: Pick<SyncService, 'readState'>, name: string, clinicId: string, read: (doc: Y.Doc) => T): Promise<T | null> {
  const state = await sync.readState(name, clinicId);
  if (!state) return null;
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return read(doc);
  } finally {
    doc.destroy();
  }
}

/** The Patient resource and the visible chart resources; null when the clinic has no such patient. */
export async function patientViewParts(sync: Pick<SyncService, 'readState'>, access: RecordAccess): Promise<PatientViewParts | null> {
  const head = await withDoc(sync, docName('patient', access.patientId), access.clinicId, (doc) => ({ fhir: patientToFhir(doc), record: readPatient(doc) }));
  if (!head?.fhir || !head.record) return null;
  const chart = (await withDoc(sync, docName('chart', access.patientId), access.clinicId, (doc) => chartToFhir(doc, access.patientId))) ?? [];
  const hide = access.relation === 'proxy' ? (r: FhirResource) => resourceInCategories(r as { code?: unknown }, RESTRICTION_CATEGORIES) : undefined;
  return {
    patient: head.fhir,
    resources: patientVisibleResources(chart, hide),
    name: { given: head.record.given.join(' '), family: head.record.family },
    birthDate: head.record.birthDate
  };
}

/** This patient's appointments from the clinic's book: only theirs, with the type's and provider's names and nothing of other patients. */
export async function patientAppointments(sync: Pick<SyncService, 'readState'>, access: RecordAccess): Promise<PortalAppointment[]> {
  const list = await withDoc(sync, scheduleDocName(access.clinicId), access.clinicId, (doc) => {
    const types = new Map(listAppointmentTypes(doc).map((t) => [t.id, t.name]));
    const providers = new Map(listProviders(doc).map((p) => [p.id, p.name]));
    return listAppointments(doc)
      .filter((a) => a.patientId === access.patientId)
      .map((a) => ({ id: a.id, start: a.start, end: a.end, status: a.state.status, mode: a.mode, type: types.get(a.typeId) ?? '', provider: providers.get(a.providerId) ?? '' }));
  });
  return list ?? [];
}

export function recordView(parts: PatientViewParts, appointments: PortalAppointment[], access: RecordAccess, clinicName: string, since: number | null, now: Date): PatientRecordView {
  return {
    patientId: access.patientId,
    relation: access.relation,
    proxyKind: access.proxyKind,
    name: parts.name,
    birthDate: parts.birthDate,
    clinicName,
    generatedAt: now.toISOString(),
    since: since === null ? null : new Date(since).toISOString(),
    resources: parts.resources,
    appointments
  };
}
