import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listAllergies, listConditions, listEncounters, noteText } from '../../src/lib/chart/chart-doc';
import { listImmunizations, listMedications, listObservations } from '../../src/lib/chart/clinical-doc';
import { unsignedNotes } from '../../src/lib/chart/note-worklist';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { ageInYears, isValidMrn, type PatientSummary } from '../../src/lib/domain/patient';
import { getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { DEMO_PASSWORD, DEMO_USERS, GENERATED_PATIENTS, IMPORT_ACTOR_NAME } from './demo-seed';
import { demoBanner } from './demo-banner';
import { generatePatients } from './generated-patients';
import { loadSyntheaBundles } from './synthea';

let dataDir: string;
let app: TestApp;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-seed-'));
  app = await startTestApp({ dataDir, demo: true });
});

afterAll(async () => {
  await app.stop();
});

async function docOf(name: string, clinicId: string): Promise<Y.Doc> {
  const state = await app.sync.readState(name, clinicId);
  if (!state) throw new Error(`${name} is not stored`);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc;
}

describe('demo clinic seed', () => {
  it('seeds ≥ 25 patients into an empty data directory and reports how long it took', async () => {
    expect(app.seeded).not.toBeNull();
    expect(app.seeded!.patients).toBeGreaterThanOrEqual(25);
    // The time is printed at start-up; this only catches a seed that hangs, not a slow machine.
    expect(app.seeded!.ms).toBeGreaterThan(0);
    expect(app.seeded!.ms).toBeLessThan(60_000);
    expect(await (await fetch(`${app.url}/api/config`)).json()).toMatchObject({ demo: true, clinicName: 'Outpost Demo Clinic' });
  });

  it('creates the four demo accounts, each able to sign in with the demo password', async () => {
    for (const u of DEMO_USERS) {
      const me = await getJson(app.url, '/api/auth/me', await sessionCookieFor(app.url, u.username, DEMO_PASSWORD));
      expect(((await me.json()) as { user: unknown }).user).toMatchObject({ username: u.username, name: u.name, roles: u.roles });
    }
    expect(demoBanner()).toContain('dr.demo');
    expect(demoBanner()).toContain('outpost-demo');
  });

  it('lists every seeded patient through the API, with valid MRNs', async () => {
    const cookie = await sessionCookieFor(app.url, 'desk.demo', DEMO_PASSWORD);
    const { patients } = (await (await getJson(app.url, '/api/patients', cookie)).json()) as { patients: PatientSummary[] };
    expect(patients.length).toBe(app.seeded!.patients);
    expect(patients.every((p) => isValidMrn(p.mrn))).toBe(true);
    expect(patients.map((p) => p.name.family)).toContain('Hermiston');
  });

  it('imports the Synthea records whole through the FHIR importer, attributed to the import account and audited', async () => {
    const clinicId = app.seeded!.clinic.id;
    const bundles = loadSyntheaBundles() as { entry: { resource: { resourceType: string; id: string; name: { family: string }[] } }[] }[];
    expect(app.seeded!.patients).toBe(bundles.length + GENERATED_PATIENTS);
    const countOf = (b: (typeof bundles)[number], type: string) => b.entry.filter((e) => e.resource.resourceType === type).length;
    const patientOf = (b: (typeof bundles)[number]) => b.entry.find((e) => e.resource.resourceType === 'Patient')!.resource;
    const asaBundle = bundles.find((b) => patientOf(b).name[0].family.startsWith('Hermiston'))!;
    const asaId = patientOf(asaBundle).id; // the Patient resource id names the documents

    const patient = readPatient(await docOf(docName('patient', asaId), clinicId))!;
    expect(patient).toMatchObject({ family: 'Hermiston', given: ['Asa'], birthDate: '1971-03-03', gender: 'male', city: 'Peabody' });
    expect(isValidMrn(patient.mrn)).toBe(true);
    const chart = await docOf(docName('chart', asaId), clinicId);
    expect(listAllergies(chart).map((a) => a.code.text)).toContain('Peanuts');
    expect(listAllergies(chart).find((a) => a.code.text === 'Tree pollen')?.category).toBe('environment');
    const problems = listConditions(chart);
    expect(problems).toHaveLength(7);
    expect(problems.find((c) => c.code.text === 'Rheumatoid arthritis')).toMatchObject({
      clinicalStatus: 'active',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '69896004' }] }
    });
    expect(problems.find((c) => c.code.text === 'Sprain of ankle')).toMatchObject({ clinicalStatus: 'resolved', abatementDate: '2014-08-31' });
    // Every visit, observation, medication and immunization of the record, not a sample of them.
    const visits = listEncounters(chart);
    expect(visits).toHaveLength(countOf(asaBundle, 'Encounter'));
    expect(visits.length).toBe(20);
    expect(visits.every((v) => v.status === 'finished' && v.end)).toBe(true);
    expect(visits.every((v) => v.createdBy === IMPORT_ACTOR_NAME)).toBe(true);
    expect(listObservations(chart)).toHaveLength(countOf(asaBundle, 'Observation'));
    expect(listMedications(chart)).toHaveLength(countOf(asaBundle, 'MedicationRequest'));
    expect(listImmunizations(chart)).toHaveLength(countOf(asaBundle, 'Immunization'));

    for (const b of bundles) {
      const id = patientOf(b).id;
      const c = await docOf(docName('chart', id), clinicId);
      expect(listEncounters(c)).toHaveLength(countOf(b, 'Encounter'));
      // Past visits arrive finished with no Outpost note: none of them waits in the unsigned-notes worklist.
      expect(unsignedNotes(c, id)).toEqual([]);
    }
    const micha = bundles.find((b) => patientOf(b).name[0].family.startsWith('Kertzmann'))!;
    expect(readPatient(await docOf(docName('patient', patientOf(micha).id), clinicId))!.deceasedDate).toBe('2019-04-05');

    // Audited as POST /fhir/R4 audits an import: one entry per patient, by the import account, no content.
    const importUser = app.db.prepare('SELECT id FROM users WHERE name = ?').get(IMPORT_ACTOR_NAME) as { id: string };
    const rows = app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'import' AND outcome = 'success'").all() as {
      user_id: string;
      target: string;
      detail: string;
    }[];
    const perPatient = rows.filter((r) => r.target.startsWith('patient:'));
    expect(perPatient.map((r) => r.target).sort()).toEqual(bundles.map((b) => docName('patient', patientOf(b).id)).sort());
    expect(rows.every((r) => r.user_id === importUser.id)).toBe(true);
    expect(JSON.parse(perPatient.find((r) => r.target === docName('patient', asaId))!.detail)).toMatchObject({
      via: 'fhir-transaction',
      source: 'demo-seed',
      newPatient: true,
      types: { Encounter: 20, Observation: 61 }
    });
    expect(rows.map((r) => r.detail).join()).not.toContain('Hermiston');
  });

  it('gives generated patients problems, allergies and a draft visit note', async () => {
    const clinicId = app.seeded!.clinic.id;
    const generated = generatePatients(GENERATED_PATIENTS);
    let notes = 0;
    let allergies = 0;
    for (const g of generated) {
      const chart = await docOf(docName('chart', g.id), clinicId);
      const [visit] = listEncounters(chart);
      expect(visit.note.status).toBe('draft');
      expect(unsignedNotes(chart, g.id)).toMatchObject([{ encounterId: visit.id, kind: 'draft' }]);
      if (noteText(chart, visit.id).subjective.length > 10) notes++;
      allergies += listAllergies(chart).length;
    }
    expect(notes).toBe(generated.length);
    expect(allergies).toBeGreaterThan(2);
  });

  it('does not seed again on restart', async () => {
    const before = app.db.prepare('SELECT count(*) AS n FROM documents').get();
    await app.close();
    const again = await startTestApp({ dataDir, demo: true });
    try {
      expect(again.seeded).toBeNull();
      expect(again.db.prepare('SELECT count(*) AS n FROM clinics').get()).toEqual({ n: 1 });
      expect(again.db.prepare('SELECT count(*) AS n FROM documents').get()).toEqual(before);
      expect((await sessionCookieFor(again.url, 'dr.demo', DEMO_PASSWORD)).startsWith('outpost_session=')).toBe(true);
    } finally {
      await again.close();
    }
  });
});

describe('without the demo', () => {
  it('leaves an empty data directory empty when OUTPOST_DEMO=0', async () => {
    const plain = await startTestApp({ demo: false });
    try {
      expect(plain.seeded).toBeNull();
      expect(plain.db.prepare('SELECT count(*) AS n FROM clinics').get()).toEqual({ n: 0 });
      expect(((await (await fetch(`${plain.url}/api/config`)).json()) as { demo: boolean }).demo).toBe(false);
    } finally {
      await plain.stop();
    }
  });
});

describe('generated patients', () => {
  it('are the same for the same seed and day, with ages 0–95 and diverse names', () => {
    const day = new Date('2026-06-01T12:00:00Z');
    const a = generatePatients(40, 7, day);
    expect(generatePatients(40, 7, day)).toEqual(a);
    const ages = a.map((p) => ageInYears(p.demographics.birthDate, day));
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ages)).toBeLessThanOrEqual(95);
    expect(new Set(a.map((p) => p.demographics.family)).size).toBeGreaterThan(15);
    expect(a.every((p) => p.demographics.birthDate <= '2026-06-01')).toBe(true);
  });
});
