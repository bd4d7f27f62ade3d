import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listAllergies, listConditions, listEncounters, noteText } from '../../src/lib/chart/chart-doc';
import { readPatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { ageInYears, isValidMrn, type PatientSummary } from '../../src/lib/domain/patient';
import { getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { DEMO_PASSWORD, DEMO_USERS } from './demo-seed';
import { demoBanner } from './demo-banner';
import { generatePatients } from './generated-patients';
import { loadSyntheaBundles, syntheaToSeedPatient } from './synthea';

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
  it('seeds ≥ 25 patients into an empty data directory in under 3 s', async () => {
    expect(app.seeded).not.toBeNull();
    expect(app.seeded!.patients).toBeGreaterThanOrEqual(25);
    expect(app.seeded!.ms).toBeLessThan(3000);
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

  it('maps Synthea records into patient and chart documents', async () => {
    const clinicId = app.seeded!.clinic.id;
    const asa = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
    const bundles = loadSyntheaBundles().map(syntheaToSeedPatient);
    const asaSeed = bundles.find((b) => b.demographics.family === 'Hermiston')!;
    const patient = readPatient(await docOf(docName('patient', asaSeed.id), clinicId))!;
    expect(patient).toMatchObject({ family: 'Hermiston', given: ['Asa'], birthDate: '1971-03-03', gender: 'male', city: 'Peabody' });
    expect(asaSeed.id).not.toBe(asa); // the Patient resource id, not the Synthea person id
    const chart = await docOf(docName('chart', asaSeed.id), clinicId);
    const allergies = listAllergies(chart);
    expect(allergies.map((a) => a.code.text)).toContain('Peanuts');
    expect(allergies.find((a) => a.code.text === 'Tree pollen')?.category).toBe('environment');
    const problems = listConditions(chart);
    expect(problems).toHaveLength(7);
    expect(problems.find((c) => c.code.text === 'Rheumatoid arthritis')).toMatchObject({
      clinicalStatus: 'active',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '69896004' }] }
    });
    expect(problems.find((c) => c.code.text === 'Sprain of ankle')).toMatchObject({ clinicalStatus: 'resolved', abatementDate: '2014-08-31' });
    const visits = listEncounters(chart);
    expect(visits).toHaveLength(3);
    expect(visits.every((v) => v.status === 'finished' && v.end)).toBe(true);
    expect(listEncounters(chart)[0].createdBy).toBe('Outpost import');

    const micha = bundles.find((b) => b.demographics.family === 'Kertzmann')!;
    expect(micha.demographics.deceasedDate).toBe('2019-04-05');
  });

  it('gives generated patients problems, allergies and a draft visit note', async () => {
    const clinicId = app.seeded!.clinic.id;
    const generated = generatePatients(22);
    let notes = 0;
    let allergies = 0;
    for (const g of generated) {
      const chart = await docOf(docName('chart', g.id), clinicId);
      const [visit] = listEncounters(chart);
      expect(visit.note.status).toBe('draft');
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
