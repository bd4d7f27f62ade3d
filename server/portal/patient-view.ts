import * as Y from 'yjs';
import { listObservations, listReports } from '../../src/lib/chart/clinical-doc';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { heldResultIds } from '../../src/lib/domain/portal/result-hold';
import type { ResultReleasePolicy } from '../../src/lib/domain/result-release';
import { listAppointmentTypes, listProviders } from '../../src/lib/chart/schedule-doc';
import { bookAppointments } from '../../src/lib/chart/schedule-months';
import { loadStoredBook, monthsAround } from '../sync/stored-book';
import { docName } from '../../src/lib/domain/doc-names';
import type { PatientRecordView, PortalAppointment } from '../../src/lib/domain/portal/patient-record';
import { vaccinesDue } from '../../src/lib/domain/portal/vaccines-due';
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
 *
 * Lab results the clinic's release policy still holds (after a clinician's
 * review, or at most N days: src/lib/domain/portal/result-hold.ts) are left
 * out of everything built from these parts (the view, the summary, the whole
 * record); the patient is told only how many are waiting.
 *
 * The view also says which vaccines are due next: the chart's schedule
 * (immunization-schedule.ts, CDC 2025, cited in each item) run here on the
 * vaccinations this account is shown (src/lib/domain/portal/vaccines-due.ts).
 */
export interface PatientViewParts {
  patient: FhirResource;
  resources: FhirResource[];
  /** Results the patient would see but the release policy still holds: a count, never which. */
  waitingResults: number;
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
export async function patientViewParts(sync: Pick<SyncService, 'readState'>, access: RecordAccess, release: ResultReleasePolicy, now: Date): Promise<PatientViewParts | null> {
  const head = await withDoc(sync, docName('patient', access.patientId), access.clinicId, (doc) => ({ fhir: patientToFhir(doc), record: readPatient(doc) }));
  if (!head?.fhir || !head.record) return null;
  const chart = (await withDoc(sync, docName('chart', access.patientId), access.clinicId, (doc) => ({
    resources: chartToFhir(doc, access.patientId),
    held: heldResultIds(release, listObservations(doc), listReports(doc), now)
  }))) ?? { resources: [], held: new Set<string>() };
  const restricted = access.relation === 'proxy' ? (r: FhirResource) => resourceInCategories(r as { code?: unknown }, RESTRICTION_CATEGORIES) : undefined;
  const visible = patientVisibleResources(chart.resources, restricted);
  const isHeld = (r: FhirResource) => (r.resourceType === 'Observation' || r.resourceType === 'DiagnosticReport') && chart.held.has(r.id);
  return {
    patient: head.fhir,
    resources: visible.filter((r) => !isHeld(r)),
    waitingResults: visible.filter((r) => r.resourceType === 'Observation' && isHeld(r)).length,
    name: { given: head.record.given.join(' '), family: head.record.family },
    birthDate: head.record.birthDate
  };
}

/** This patient's appointments from the clinic's book: only theirs, with the type's and provider's names and nothing of other patients. */
export async function patientAppointments(sync: Pick<SyncService, 'readState'>, access: RecordAccess, now = Date.now()): Promise<PortalAppointment[]> {
  const book = await loadStoredBook(sync, access.clinicId, monthsAround(now, PORTAL_MONTHS.before, PORTAL_MONTHS.after));
  try {
    const types = new Map(listAppointmentTypes(book.settings).map((t) => [t.id, t.name]));
    const providers = new Map(listProviders(book.settings).map((p) => [p.id, p.name]));
    return bookAppointments(book)
      .filter((a) => a.patientId === access.patientId)
      .map((a) => ({ id: a.id, start: a.start, end: a.end, status: a.state.status, mode: a.mode, type: types.get(a.typeId) ?? '', provider: providers.get(a.providerId) ?? '' }));
  } finally {
    book.destroy();
  }
}

/** The months of the book the patient's record shows: the past year and the year ahead. */
const PORTAL_MONTHS = { before: 12, after: 12 };

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
    waitingResults: parts.waitingResults,
    appointments,
    // From the vaccinations this account is shown, so a proxy's view and the patient's agree with what each sees.
    immunizationsDue: vaccinesDue(parts.birthDate, parts.resources, now)
  };
}
