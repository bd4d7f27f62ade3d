import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { docName, scheduleName } from '../../src/lib/domain/doc-names';
import type { Role } from '../../src/lib/domain/roles';
import { hashPassword, NO_LOGIN_HASH } from '../auth/password';
import type { FhirImporter } from '../fhir/import-bundle';
import type { PatientProjection } from '../store/patients';
import { createClinic, createUser, listClinics, type Clinic } from '../store/users';
import type { Audit, SyncService } from '../types';
import { buildPatientDocs } from './build-docs';
import { buildDemoSchedule } from './demo-schedule';
import { generatePatients } from './generated-patients';
import { loadSyntheaBundles } from './synthea';

/**
 * The demo clinic: staff accounts for each role and a realistic panel of
 * fictional patients, so Outpost can be tried the minute it starts. Seeded
 * only into an empty data directory, never again (a restart keeps whatever
 * was charted since).
 *
 * The Synthea records (fixtures/synthea) come in through the FHIR
 * transaction import, the same importer `POST /fhir/R4` calls, so the demo
 * shows an imported record exactly as a migration would leave it: every
 * visit, observation, medication and immunization. The generated patients
 * add the open visits with draft notes that a working day has.
 */

export const DEMO_CLINIC_NAME = 'Outpost Demo Clinic';
export const DEMO_PASSWORD = 'outpost-demo';

export const DEMO_USERS: readonly { username: string; name: string; roles: Role[] }[] = [
  { username: 'dr.demo', name: 'Dr. Amara Okafor', roles: ['clinician'] },
  { username: 'nurse.demo', name: 'Nurse Tomás Reyes', roles: ['nurse'] },
  { username: 'desk.demo', name: 'Priya Shah', roles: ['frontdesk'] },
  { username: 'admin.demo', name: 'Alex Morgan', roles: ['admin'] }
];

/** How many generated patients join the 8 Synthea records. */
export const GENERATED_PATIENTS = 22;

/** The account server-side writes (seed, import) are attributed to; it cannot sign in. */
export const IMPORT_ACTOR_NAME = 'Outpost import';

export interface SeedDeps {
  db: Database.Database;
  sync: SyncService;
  audit: Audit;
  patients: PatientProjection;
  /** The FHIR importer the `/fhir/R4` route uses. */
  importer: FhirImporter;
}

export interface SeedResult {
  clinic: Clinic;
  patients: number;
  ms: number;
}

/** Seeds the demo clinic when the data directory has no clinic yet; returns null when it already had one. */
export async function seedDemoIfEmpty(deps: SeedDeps): Promise<SeedResult | null> {
  if (listClinics(deps.db).length > 0) return null;
  return seedDemo(deps);
}

export async function seedDemo(deps: SeedDeps): Promise<SeedResult> {
  const started = performance.now();
  const { db, audit } = deps;
  const hashing = Promise.all(DEMO_USERS.map(() => hashPassword(DEMO_PASSWORD)));
  // Reading the fixtures overlaps the hashing, which runs off the main thread.
  const bundles = loadSyntheaBundles();
  const hashes = await hashing;

  const { clinic, importUserId, staff } = db.transaction(() => {
    // The demo clinic requires no second factor, so its accounts sign in with the printed password alone;
    // anyone may still set one up (README, "Second factor"). Real clinics get the default policy.
    const c = createClinic(db, { name: DEMO_CLINIC_NAME, demo: true, secondFactorRoles: [] });
    const importUser = createUser(db, {
      clinicId: c.id,
      username: `import.${c.id.slice(0, 8)}`,
      name: IMPORT_ACTOR_NAME,
      roles: [],
      passwordHash: NO_LOGIN_HASH,
      disabled: true
    });
    audit.record({ action: 'clinic.create', outcome: 'success', target: c.id, detail: { demo: true, secondFactorRoles: [] } });
    const staff = new Map<string, { id: string; name: string }>();
    DEMO_USERS.forEach((u, i) => {
      const user = createUser(db, { clinicId: c.id, ...u, passwordHash: hashes[i] });
      staff.set(u.username, { id: user.id, name: u.name });
      audit.record({ action: 'user.create', outcome: 'success', target: user.username, detail: { roles: u.roles } });
    });
    return { clinic: c, importUserId: importUser.id, staff };
  })();

  const actor = { id: importUserId, name: IMPORT_ACTOR_NAME };
  const patientIds: string[] = [];
  const caller = { userId: importUserId, name: IMPORT_ACTOR_NAME, clinicId: clinic.id };
  for (const bundle of bundles) {
    const { summary } = await deps.importer.importBundle(caller, bundle);
    // Audited as the route audits an import, attributed to the import account.
    audit.record({
      action: 'import',
      outcome: 'success',
      userId: importUserId,
      target: docName('patient', summary.patientId),
      detail: {
        via: 'fhir-transaction',
        source: 'demo-seed',
        newPatient: summary.newPatient,
        created: summary.created,
        updated: summary.updated,
        unchanged: summary.unchanged,
        kept: summary.kept,
        refused: summary.refused,
        refusedReasons: summary.refusedReasons,
        demographicsProposed: summary.demographicsProposed,
        types: summary.types
      }
    });
    await upsertListed(deps, clinic.id, summary.patientId);
    patientIds.push(summary.patientId);
  }
  for (const p of generatePatients(GENERATED_PATIENTS)) {
    const docs = buildPatientDocs(p, actor);
    const record = readPatient(docs.patient);
    await writeDoc(deps, docName('patient', p.id), clinic.id, docs.patient, importUserId);
    await writeDoc(deps, docName('chart', p.id), clinic.id, docs.chart, importUserId);
    // The projection also follows sync's change hook; writing it here keeps the seed complete on its own.
    if (record) deps.patients.upsert(clinic.id, record);
    patientIds.push(p.id);
  }
  const schedule = buildDemoSchedule({
    clinicId: clinic.id,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    clinician: staff.get('dr.demo')!,
    nurse: staff.get('nurse.demo')!,
    patientIds,
    actor
  });
  await writeDoc(deps, scheduleName(clinic.id), clinic.id, schedule, importUserId);
  audit.record({
    action: 'import',
    outcome: 'success',
    userId: importUserId,
    target: 'demo-seed',
    detail: { patients: patientIds.length }
  });
  return { clinic, patients: patientIds.length, ms: Math.round(performance.now() - started) };
}

/** Puts an imported patient in the list (sync's change hook does too; the seed does not rely on it). */
async function upsertListed(deps: SeedDeps, clinicId: string, patientId: string): Promise<void> {
  const state = await deps.sync.readState(docName('patient', patientId), clinicId);
  if (!state) return;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const record = readPatient(doc);
  if (record) deps.patients.upsert(clinicId, { ...record, id: patientId });
  doc.destroy();
}

async function writeDoc(deps: SeedDeps, name: string, clinicId: string, doc: Y.Doc, userId: string): Promise<void> {
  await deps.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc), userId, 'seed');
  doc.destroy();
}
