import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { recordNoKnownAllergies } from '../../../src/lib/chart/allergy-status';
import { addAllergy, addEncounter, initChartDoc, noteSection, signNote } from '../../../src/lib/chart/chart-doc';
import { putClinical, putEntry } from '../../../src/lib/chart/clinical-doc';
import { recordVaccination } from '../../../src/lib/chart/immunization-doc';
import { prescribe } from '../../../src/lib/chart/medication-doc';
import { initPatientDoc } from '../../../src/lib/chart/patient-doc';
import { recordVitals } from '../../../src/lib/chart/vitals-doc';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../../http/test-app';

/**
 * Bulk Data $export and the IPS $summary on the real server: a clinic of
 * three seeded patients (one full chart, one "no known allergies", one
 * without a chart) plus a patient of another clinic; exports are kicked
 * off, polled until done, every file downloaded and parsed, and counted per
 * type against literal figures.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const P1 = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const P2 = '1c8f2a4b-6d3e-4f90-8b2c-3d4e5f6a7b81';
const P3 = '2d9a3b5c-7e4f-4a01-9c3d-4e5f6a7b8c92';
const PSOUTH = '3eab4c6d-8f50-4b12-8d4e-5f6a7b8c9da3';
const ALLERGY = 'a1111111-1111-4111-8111-111111111111';
const COND = 'c1111111-1111-4111-8111-111111111111';
const COND_OLD = 'c2222222-2222-4222-8222-222222222222';
const COND_ESC = 'c3333333-3333-4333-8333-333333333333';
const COND_NEW = 'c4444444-4444-4444-8444-444444444444';
const LAB = 'b1111111-1111-4111-8111-111111111111';
const IMM = 'd1111111-1111-4111-8111-111111111111';
const RX = 'e1111111-1111-4111-8111-111111111111';
const ENC = '91111111-1111-4111-8111-111111111111';
const LOINC = 'http://loinc.org';

let app: TestApp;
let clinicId: string;
let southId: string;
let ids: Record<string, string>;
let doc: string;
let admin: string;
let nurse: string;
let desk: string;
let southDoc: string;
let vitalIds: string[];
/** While set, every export job waits before each patient (the server's test hook). */
let gate: Promise<void> | null = null;

async function seed(): Promise<void> {
  const actor = { id: ids.doc, name: 'Dr Doc' };
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-05T10:00:00.000Z'));
  const patients = [
    [P1, { family: 'Okafor', given: ['Ada'], birthDate: '1980-04-02', gender: 'female' }, 'OP-1'],
    [P2, { family: 'Bello', given: ['Tunde'], birthDate: '1975-01-01', gender: 'male' }, 'OP-2'],
    [P3, { family: 'Mensah', given: ['Kofi'], birthDate: '1990-07-07', gender: 'male' }, 'OP-3']
  ] as const;
  const docs: [string, string, Y.Doc][] = [];
  for (const [id, demo, mrn] of patients) {
    const d = new Y.Doc();
    initPatientDoc(d, id, { ...demo, given: [...demo.given] }, actor, mrn);
    docs.push([`patient:${id}`, clinicId, d]);
  }
  const chart = new Y.Doc();
  initChartDoc(chart, P1);
  addAllergy(chart, { substance: 'Penicillin', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '7980', display: 'Penicillin G' }], category: 'medication', criticality: 'high', reaction: 'Hives', severity: 'moderate', recordedDate: '2026-01-05' }, actor, ALLERGY);
  putEntry(chart, 'conditions', COND, { resourceType: 'Condition', code: { text: 'Hypertension', coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2020-03-01', abatementDate: '', note: '', recordedDate: '2026-01-05' }, actor);
  putEntry(chart, 'conditions', COND_OLD, { resourceType: 'Condition', code: { text: 'Acute bronchitis' }, clinicalStatus: 'resolved', verificationStatus: 'confirmed', onsetDate: '2018-11-02', abatementDate: '2018-12-01', note: '', recordedDate: '2018-11-02' }, actor);
  putEntry(chart, 'conditions', COND_ESC, { resourceType: 'Condition', code: { text: 'Reflux <GERD> & "heartburn"' }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2021-01-01', abatementDate: '', note: '', recordedDate: '2026-01-05' }, actor);
  vitalIds = recordVitals(chart, { systolic: 150, diastolic: 95, heartRate: 72 }, actor, '2026-02-01T09:00:00.000Z');
  putClinical(chart, 'observations', LAB, { status: 'final', category: 'laboratory', code: { text: 'HbA1c', coding: [{ system: LOINC, code: '4548-4' }] }, effectiveDateTime: '2026-02-03T08:00:00.000Z', valueQuantity: { value: 7.1, unit: '%' } }, actor);
  recordVaccination(chart, { cvx: '140', date: '2025-10-01', lotNumber: 'LOT9', site: 'LD', route: 'IM' }, actor, IMM);
  prescribe(chart, {
    medicationCodeableConcept: { text: 'Amlodipine 5 mg tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }] },
    dosage: { text: '1 tablet once daily', route: { text: 'Oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 1, period: 1, periodUnit: 'd' }, asNeeded: false },
    dispense: { quantity: { value: 30, unit: 'tablet' }, numberOfRepeatsAllowed: 2, expectedSupplyDuration: 30 }
  }, actor, RX);
  addEncounter(chart, { type: 'Office visit', reason: 'Blood pressure review', start: '2026-02-01T09:00:00.000Z' }, actor, ENC);
  noteSection(chart, ENC, 'subjective').insert(0, 'Feels well');
  signNote(chart, ENC, actor);
  docs.push([`chart:${P1}`, clinicId, chart]);
  const chart2 = new Y.Doc();
  initChartDoc(chart2, P2);
  recordNoKnownAllergies(chart2, actor, 0, '2025-06-01T10:00:00.000Z');
  docs.push([`chart:${P2}`, clinicId, chart2]);
  const south = new Y.Doc();
  initPatientDoc(south, PSOUTH, { family: 'South', given: ['Sam'], birthDate: '1970-01-01', gender: 'male' }, { id: ids.southdoc, name: 'Dr South' }, 'OP-9');
  docs.push([`patient:${PSOUTH}`, southId, south]);
  vi.useRealTimers();
  for (const [name, clinic, d] of docs) await app.sync.applyServerUpdate(name, clinic, Y.encodeStateAsUpdate(d), name.endsWith(PSOUTH) ? ids.southdoc : ids.doc, 'seed');
  // Kept verbatim from an import: a Claim (Patient compartment) and an Organization (not).
  const keep = app.db.prepare('INSERT INTO fhir_kept_resources (clinic_id, patient_id, resource_type, entry_id, resource, updated_at, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)');
  keep.run(clinicId, P1, 'Claim', 'claim-1', JSON.stringify({ resourceType: 'Claim', id: 'claim-1', status: 'active', patient: { reference: `Patient/${P1}` } }), '2026-01-01T00:00:00.000Z', 'test');
  keep.run(clinicId, P1, 'Organization', 'org-1', JSON.stringify({ resourceType: 'Organization', id: 'org-1', name: 'Sending hospital' }), '2026-01-01T00:00:00.000Z', 'test');
}

beforeAll(async () => {
  app = await startTestApp({ bulkExport: { maxPerFile: 2, beforePatient: () => gate ?? Promise.resolve() } });
  ({ clinicId, ids } = await addClinic(app, 'North Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'boss', roles: ['admin'] },
    { username: 'nurse', roles: ['nurse'] },
    { username: 'desk', roles: ['frontdesk'] }
  ]));
  const south = await addClinic(app, 'South Clinic', [{ username: 'southdoc', roles: ['clinician'] }]);
  southId = south.clinicId;
  ids.southdoc = south.ids.southdoc;
  await seed();
  [doc, admin, nurse, desk, southDoc] = await Promise.all(['doc', 'boss', 'nurse', 'desk', 'southdoc'].map((u) => sessionCookieFor(app.url, u)));
});

afterAll(async () => {
  await app.stop();
});

const ASYNC = { prefer: 'respond-async', accept: 'application/fhir+json' };

function kickOff(pathname: string, cookie: string | null = doc, headers: Record<string, string> = ASYNC): Promise<Response> {
  return fetch(`${app.url}${pathname}`, { headers: { ...headers, ...(cookie ? { cookie } : {}) } });
}

/** Polls the status URL until the manifest (200), checking each 202 on the way. */
async function poll(statusUrl: string, cookie = doc): Promise<{ manifest: Json; polls: number }> {
  for (let polls = 1; polls <= 500; polls++) {
    const res = await fetch(statusUrl, { headers: { cookie } });
    if (res.status === 200) {
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('expires')).toBeTruthy();
      return { manifest: (await res.json()) as Json, polls };
    }
    expect(res.status).toBe(202);
    expect(res.headers.get('x-progress')).toMatch(/^\d+\/\d+ patients$/);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the export did not finish');
}

async function runExport(pathname: string, cookie = doc): Promise<{ manifest: Json; statusUrl: string; resources: Json[] }> {
  const res = await kickOff(pathname, cookie);
  expect(res.status, await res.clone().text()).toBe(202);
  const statusUrl = res.headers.get('content-location')!;
  expect(statusUrl).toMatch(new RegExp(`^${app.url}/fhir/R4/\\$export-status/[0-9a-f-]{36}$`));
  const { manifest } = await poll(statusUrl, cookie);
  const resources: Json[] = [];
  for (const out of manifest.output as Json[]) {
    const file = await fetch(out.url, { headers: { cookie } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/fhir+ndjson');
    const text = await file.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    expect(lines).toHaveLength(out.count);
    for (const r of lines) expect(r.resourceType).toBe(out.type);
    resources.push(...lines);
  }
  return { manifest, statusUrl, resources };
}

const countByType = (resources: Json[]) => {
  const out: Record<string, number> = {};
  for (const r of resources) out[r.resourceType] = (out[r.resourceType] ?? 0) + 1;
  return out;
};
const jobDir = (statusUrl: string) => path.join(app.dataDir, 'fhir-export', statusUrl.split('/').at(-1)!);

const ALL_COUNTS = { Patient: 3, AllergyIntolerance: 2, Condition: 3, Observation: 3, Immunization: 1, MedicationRequest: 1, Encounter: 1, DocumentReference: 1, Claim: 1, Organization: 1 };

describe('system $export', () => {
  it('kick-off → poll → download: literal counts per type, files split every 2 resources, only this clinic', async () => {
    const { manifest, resources } = await runExport('/fhir/R4/$export');
    expect(manifest).toMatchObject({ request: `${app.url}/fhir/R4/$export`, requiresAccessToken: true, error: [] });
    expect(Date.parse(manifest.transactionTime)).not.toBeNaN();
    expect(manifest.output.map((o: Json) => [o.type, o.count, o.url.split('/').at(-1)])).toEqual([
      // Patients in id order (P1, P2, P3), each patient's resources in the mapping's order; a new file every 2 resources.
      ['Patient', 2, 'Patient-1.ndjson'],
      ['AllergyIntolerance', 2, 'AllergyIntolerance-1.ndjson'],
      ['Condition', 2, 'Condition-1.ndjson'],
      ['Condition', 1, 'Condition-2.ndjson'],
      ['MedicationRequest', 1, 'MedicationRequest-1.ndjson'],
      ['Observation', 2, 'Observation-1.ndjson'],
      ['Observation', 1, 'Observation-2.ndjson'],
      ['Immunization', 1, 'Immunization-1.ndjson'],
      ['Encounter', 1, 'Encounter-1.ndjson'],
      ['DocumentReference', 1, 'DocumentReference-1.ndjson'],
      ['Claim', 1, 'Claim-1.ndjson'],
      ['Organization', 1, 'Organization-1.ndjson'],
      ['Patient', 1, 'Patient-2.ndjson']
    ]);
    expect(countByType(resources)).toEqual(ALL_COUNTS);
    expect(resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id).sort()).toEqual([P1, P2, P3].sort());
    expect(resources.some((r) => r.id === PSOUTH)).toBe(false);
    // The same mapping as the read API: one resource, literally.
    expect(resources.find((r) => r.id === COND)).toEqual({
      resourceType: 'Condition',
      id: COND,
      meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition'] },
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
      code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }], text: 'Hypertension' },
      subject: { reference: `Patient/${P1}` },
      onsetDateTime: '2020-03-01',
      recordedDate: '2026-01-05'
    });
  });

  it("another clinic's export holds only its own patient (control for the clinic filter)", async () => {
    const { resources } = await runExport('/fhir/R4/$export', southDoc);
    expect(resources.map((r) => `${r.resourceType}/${r.id}`)).toEqual([`Patient/${PSOUTH}`]);
  });

  it('an administrator exports the clinic too, with the same counts', async () => {
    const { resources } = await runExport('/fhir/R4/$export', admin);
    expect(countByType(resources)).toEqual(ALL_COUNTS);
  });

  it('kick-off and downloads are audited with counts only', async () => {
    const { manifest, statusUrl } = await runExport('/fhir/R4/$export?_type=Condition');
    const job = statusUrl.split('/').at(-1);
    const rows = (app.db.prepare("SELECT user_id, detail FROM audit_log WHERE action = 'fhir.export' AND target = ? ORDER BY seq").all(`export:${job}`) as { user_id: string; detail: string }[]).map((r) => ({ user: r.user_id, detail: JSON.parse(r.detail) }));
    expect(manifest.output).toHaveLength(2);
    expect(rows).toEqual([
      { user: ids.doc, detail: { interaction: 'kick-off', level: 'system', types: ['Condition'], since: false } },
      { user: ids.doc, detail: { interaction: 'complete', patients: 3, counts: { Condition: 3 } } },
      { user: ids.doc, detail: { interaction: 'download', resourceType: 'Condition', count: 2 } },
      { user: ids.doc, detail: { interaction: 'download', resourceType: 'Condition', count: 1 } }
    ]);
    const text = JSON.stringify(app.db.prepare("SELECT * FROM audit_log WHERE action = 'fhir.export'").all());
    for (const secret of ['Okafor', 'Hypertension', 'Penicillin', '1980-04-02', P1]) expect(text).not.toContain(secret);
  });
});

describe('Group and Patient level', () => {
  it('Group/<clinicId>/$export: the clinic; kept resources outside the Patient compartment left out', async () => {
    const { manifest, resources } = await runExport(`/fhir/R4/Group/${clinicId}/$export`);
    expect(manifest.request).toBe(`${app.url}/fhir/R4/Group/${clinicId}/$export`);
    const { Organization: _org, ...rest } = ALL_COUNTS;
    expect(countByType(resources)).toEqual(rest);
  });

  it('Patient/$export: the same patients, Organization left out', async () => {
    const { resources } = await runExport('/fhir/R4/Patient/$export?_outputFormat=application%2Ffhir%2Bndjson');
    expect(countByType(resources)).toEqual({ Patient: 3, AllergyIntolerance: 2, Condition: 3, Observation: 3, Immunization: 1, MedicationRequest: 1, Encounter: 1, DocumentReference: 1, Claim: 1 });
  });
});

describe('_type', () => {
  it('only the listed types', async () => {
    const { resources } = await runExport('/fhir/R4/$export?_type=Patient,Observation');
    expect(countByType(resources)).toEqual({ Patient: 3, Observation: 3 });
  });
  it('a kept type alone', async () => {
    const { resources } = await runExport('/fhir/R4/$export?_type=Claim');
    expect(countByType(resources)).toEqual({ Claim: 1 });
  });
});

describe('refusals', () => {
  it.each([
    ['no Prefer header', '/fhir/R4/$export', { accept: 'application/fhir+json' }, 400],
    ['Prefer without respond-async', '/fhir/R4/$export', { prefer: 'return=minimal' }, 400],
    ['a malformed _type', '/fhir/R4/$export?_type=Observation,not%20a%20type', ASYNC, 400],
    ['an empty _type entry', '/fhir/R4/$export?_type=Observation,', ASYNC, 400],
    ['a _since without time zone', '/fhir/R4/$export?_since=2026-01-01T00:00:00', ASYNC, 400],
    ['a _since that is a date', '/fhir/R4/$export?_since=2026-01-01', ASYNC, 400],
    ['another output format', '/fhir/R4/$export?_outputFormat=application%2Ffhir%2Bjson', ASYNC, 400],
    ['an unsupported parameter', '/fhir/R4/$export?_typeFilter=Observation%3Fstatus%3Dfinal', ASYNC, 400]
  ])('%s: 400 OperationOutcome', async (_what, pathname, headers, status) => {
    const res = await kickOff(pathname, doc, headers as Record<string, string>);
    expect(res.status).toBe(status);
    const body = (await res.json()) as Json;
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].severity).toBe('error');
  });

  it('front desk, nurse: 403; signed out: 401; a clinician of the same request: 202 (control)', async () => {
    for (const who of [desk, nurse]) {
      for (const p of ['/fhir/R4/$export', `/fhir/R4/Group/${clinicId}/$export`, '/fhir/R4/Patient/$export']) {
        const res = await kickOff(p, who);
        expect(res.status).toBe(403);
        expect(((await res.json()) as Json).issue[0].code).toBe('forbidden');
      }
    }
    expect((await kickOff('/fhir/R4/$export', null)).status).toBe(401);
    const ok = await runExport('/fhir/R4/$export?_type=Patient');
    expect(ok.resources).toHaveLength(3);
  });

  it("another clinic's Group is 404, its own is accepted (control)", async () => {
    const res = await kickOff(`/fhir/R4/Group/${southId}/$export`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as Json).issue[0].code).toBe('not-found');
    const own = await runExport(`/fhir/R4/Group/${southId}/$export`, southDoc);
    expect(own.resources.map((r) => r.id)).toEqual([PSOUTH]);
  });

  it("the status and files of someone else's job are 404", async () => {
    const { manifest, statusUrl } = await runExport('/fhir/R4/$export?_type=Patient');
    for (const who of [admin, southDoc]) {
      expect((await fetch(statusUrl, { headers: { cookie: who } })).status).toBe(404);
      expect((await fetch(manifest.output[0].url, { headers: { cookie: who } })).status).toBe(404);
    }
    expect((await fetch(manifest.output[0].url, { headers: { cookie: doc } })).status).toBe(200);
  });
});

describe('running jobs: progress, one per clinic, cancel', () => {
  it('202 with X-Progress while running; a second kick-off of the clinic is 429 with Retry-After; DELETE cancels and the files go', async () => {
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    try {
      const res = await kickOff('/fhir/R4/$export');
      expect(res.status).toBe(202);
      const statusUrl = res.headers.get('content-location')!;
      // Held before its first patient: the status says so.
      let progress: string | null = null;
      for (let i = 0; i < 200 && progress !== '0/3 patients'; i++) {
        const s = await fetch(statusUrl, { headers: { cookie: doc } });
        expect(s.status).toBe(202);
        progress = s.headers.get('x-progress');
        if (progress !== '0/3 patients') await new Promise((r) => setTimeout(r, 5));
      }
      expect(progress).toBe('0/3 patients');
      expect(fs.existsSync(jobDir(statusUrl))).toBe(true);

      const again = await kickOff('/fhir/R4/Patient/$export', admin);
      expect(again.status).toBe(429);
      expect(again.headers.get('retry-after')).toBe('30');
      // Another clinic is not held up by this one (control).
      const south = await kickOff('/fhir/R4/$export', southDoc);
      expect(south.status).toBe(202);

      const del = await fetch(statusUrl, { method: 'DELETE', headers: { cookie: doc } });
      expect(del.status).toBe(202);
      expect((await fetch(statusUrl, { headers: { cookie: doc } })).status).toBe(404);
      release();
      gate = null;
      // The cancelled job stops at its next patient and deletes its folder.
      for (let i = 0; i < 200 && fs.existsSync(jobDir(statusUrl)); i++) await new Promise((r) => setTimeout(r, 10));
      expect(fs.existsSync(jobDir(statusUrl))).toBe(false);
      await poll(south.headers.get('content-location')!, southDoc);
      // The clinic may export again.
      expect((await runExport('/fhir/R4/$export?_type=Patient')).resources).toHaveLength(3);
    } finally {
      release();
      gate = null;
    }
  });

  it('DELETE of a finished job: the status and every file are 404 and the folder is gone', async () => {
    const { manifest, statusUrl } = await runExport('/fhir/R4/$export');
    expect(fs.readdirSync(jobDir(statusUrl))).toHaveLength(13);
    expect((await fetch(statusUrl, { method: 'DELETE', headers: { cookie: doc } })).status).toBe(202);
    expect((await fetch(statusUrl, { headers: { cookie: doc } })).status).toBe(404);
    for (const out of manifest.output as Json[]) expect((await fetch(out.url, { headers: { cookie: doc } })).status).toBe(404);
    expect(fs.existsSync(jobDir(statusUrl))).toBe(false);
    expect((await fetch(statusUrl, { method: 'DELETE', headers: { cookie: doc } })).status).toBe(404);
  });
});

describe('$summary (International Patient Summary)', () => {
  const get = async (pathname: string, cookie = doc) => {
    const res = await fetch(`${app.url}${pathname}`, { headers: { cookie } });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const sectionsOf = (b: Json) => b.entry[0].resource.section.map((s: Json) => ({ code: s.code.coding[0].code, title: s.title, entry: (s.entry ?? []).map((e: Json) => e.reference).sort(), empty: s.emptyReason?.coding[0].code ?? null }));
  /** Every reference anywhere in the document, which must resolve to an entry. */
  const references = (v: unknown): string[] =>
    Array.isArray(v) ? v.flatMap(references) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => (k === 'reference' && typeof x === 'string' ? [x] : references(x))) : [];

  it('a full chart: document Bundle, Composition first, literal sections, every reference resolves in the Bundle', async () => {
    const { status, body } = await get(`/fhir/R4/Patient/${P1}/$summary`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'document', identifier: { system: 'urn:ietf:rfc:3986' } });
    expect(body.identifier.value).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(Date.parse(body.timestamp)).not.toBeNaN();
    const comp = body.entry[0].resource;
    expect(comp).toMatchObject({
      resourceType: 'Composition',
      status: 'final',
      type: { coding: [{ system: LOINC, code: '60591-5', display: 'Patient summary Document' }] },
      subject: { reference: `Patient/${P1}` },
      author: [{ reference: `Organization/${clinicId}`, display: 'North Clinic' }],
      title: 'International Patient Summary'
    });
    expect(sectionsOf(body)).toEqual([
      { code: '11450-4', title: 'Problems', entry: [`Condition/${COND}`, `Condition/${COND_ESC}`].sort(), empty: null },
      { code: '48765-2', title: 'Allergies and intolerances', entry: [`AllergyIntolerance/${ALLERGY}`], empty: null },
      { code: '10160-0', title: 'Medications', entry: [`MedicationRequest/${RX}`], empty: null },
      { code: '11369-6', title: 'Immunizations', entry: [`Immunization/${IMM}`], empty: null },
      { code: '30954-2', title: 'Results', entry: [`Observation/${LAB}`], empty: null },
      { code: '8716-3', title: 'Vital signs', entry: vitalIds.map((id) => `Observation/${id}`).sort(), empty: null }
    ]);
    expect(vitalIds).toHaveLength(2);
    const present = new Set(body.entry.map((e: Json) => `${e.resource.resourceType}/${e.resource.id}`));
    for (const e of body.entry) expect(e.fullUrl).toBe(`${app.url}/fhir/R4/${e.resource.resourceType}/${e.resource.id}`);
    const refs = references(body.entry.map((e: Json) => e.resource));
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(present.has(r), r).toBe(true);
    expect(body.entry.find((e: Json) => e.resource.resourceType === 'Organization').resource).toEqual({ resourceType: 'Organization', id: clinicId, name: 'North Clinic' });
    // The resolved bronchitis and the encounter are not in the summary; the prescriber stays as display text.
    expect(present.has(`Condition/${COND_OLD}`)).toBe(false);
    expect(body.entry.find((e: Json) => e.resource.id === RX).resource.requester).toEqual({ display: 'Dr Doc' });
  });

  it('narratives come from the data, escaped', async () => {
    const { body } = await get(`/fhir/R4/Patient/${P1}/$summary`);
    const div = body.entry[0].resource.section[0].text.div as string;
    expect(body.entry[0].resource.section[0].text.status).toBe('generated');
    expect(div.startsWith('<div xmlns="http://www.w3.org/1999/xhtml">')).toBe(true);
    expect(div).toContain('<td>Hypertension</td><td>active</td><td>2020-03-01</td>');
    expect(div).toContain('<td>Reflux &lt;GERD&gt; &amp; &quot;heartburn&quot;</td>');
    expect(div).not.toContain('<GERD>');
    expect(body.entry[0].resource.section[4].text.div).toContain('<td>HbA1c</td><td>7.1 %</td>');
  });

  it('"no known allergies": the allergies section lists that statement', async () => {
    const { body } = await get(`/fhir/R4/Patient/${P2}/$summary`);
    const allergies = body.entry[0].resource.section[1];
    expect(allergies.entry).toHaveLength(1);
    const nka = body.entry.find((e: Json) => `AllergyIntolerance/${e.resource.id}` === allergies.entry[0].reference)?.resource;
    expect(nka.code.coding).toEqual([{ system: 'http://snomed.info/sct', code: '716186003', display: 'No known allergy' }]);
    expect(allergies).not.toHaveProperty('emptyReason');
  });

  it('no chart at all: every section empty with an emptyReason', async () => {
    const { status, body } = await get(`/fhir/R4/Patient/${P3}/$summary`);
    expect(status).toBe(200);
    expect(sectionsOf(body).map((s: Json) => [s.code, s.entry.length, s.empty])).toEqual([
      ['11450-4', 0, 'unavailable'],
      ['48765-2', 0, 'unavailable'],
      ['10160-0', 0, 'unavailable'],
      ['11369-6', 0, 'unavailable'],
      ['30954-2', 0, 'unavailable'],
      ['8716-3', 0, 'unavailable']
    ]);
    expect(body.entry[0].resource.section[1].text.div).toContain('No allergies and intolerances recorded.');
    expect(body.entry.map((e: Json) => e.resource.resourceType)).toEqual(['Composition', 'Patient', 'Organization']);
  });

  it('front desk 403, another clinic 404, audited as fhir.read summary', async () => {
    expect((await get(`/fhir/R4/Patient/${P1}/$summary`, desk)).status).toBe(403);
    expect((await get(`/fhir/R4/Patient/${P1}/$summary`, southDoc)).status).toBe(404);
    expect((await get(`/fhir/R4/Patient/${P1}/$summary?identifier=x`)).status).toBe(400);
    await get(`/fhir/R4/Patient/${P1}/$summary`, nurse);
    const row = app.db.prepare("SELECT target, detail FROM audit_log WHERE action = 'fhir.read' AND user_id = ? ORDER BY seq DESC LIMIT 1").get(ids.nurse) as { target: string; detail: string };
    expect({ target: row.target, detail: JSON.parse(row.detail) }).toEqual({ target: `chart:${P1}`, detail: { interaction: 'summary', resourceType: 'Patient', count: 11 } });
  });
});

describe('_since', () => {
  it('only resources of documents changed after the instant (run last: it changes a chart)', async () => {
    const before = await runExport('/fhir/R4/$export?_since=2000-01-01T00:00:00Z');
    expect(countByType(before.resources)).toEqual(ALL_COUNTS);
    const since = new Date().toISOString();
    while (Date.now() <= Date.parse(since)) await new Promise((r) => setTimeout(r, 1));
    const chart2 = new Y.Doc();
    Y.applyUpdate(chart2, (await app.sync.readState(`chart:${P2}`, clinicId))!);
    putEntry(chart2, 'conditions', COND_NEW, { resourceType: 'Condition', code: { text: 'Asthma' }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2026-03-01', abatementDate: '', note: '', recordedDate: '2026-03-01' }, { id: ids.doc, name: 'Dr Doc' });
    await app.sync.applyServerUpdate(`chart:${P2}`, clinicId, Y.encodeStateAsUpdate(chart2), ids.doc, 'seed');
    const after = await runExport(`/fhir/R4/$export?_since=${encodeURIComponent(since)}`);
    expect(after.resources.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual([`AllergyIntolerance/${after.resources.find((r) => r.resourceType === 'AllergyIntolerance')?.id}`, `Condition/${COND_NEW}`].sort());
    expect(countByType(after.resources)).toEqual({ AllergyIntolerance: 1, Condition: 1 });
    expect(after.resources.every((r) => (r.patient ?? r.subject).reference === `Patient/${P2}`)).toBe(true);
    const later = await runExport(`/fhir/R4/$export?_since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(later.manifest.output).toEqual([]);
  });
});

describe('a damaged record', () => {
  it('does not stop the export: the others are exported and the manifest error file names that patient (run last: it adds a patient)', async () => {
    const P4 = '4fbc5d7e-9061-4c23-9e5f-6a7b8c9deab4';
    const patient = new Y.Doc();
    initPatientDoc(patient, P4, { family: 'Damaged', given: ['Dana'], birthDate: '1985-05-05', gender: 'female' }, { id: ids.doc, name: 'Dr Doc' }, 'OP-4');
    await app.sync.applyServerUpdate(`patient:${P4}`, clinicId, Y.encodeStateAsUpdate(patient), ids.doc, 'seed');
    // A chart whose stored bytes are not a Yjs update.
    const at = new Date().toISOString();
    app.db.prepare("INSERT INTO documents (name, clinic_id, kind, patient_id, created_at, last_seq) VALUES (?, ?, 'chart', ?, ?, 0)").run(`chart:${P4}`, clinicId, P4, at);
    const seq = app.db.prepare('INSERT INTO doc_updates (name, "update", user_id, created_at) VALUES (?, ?, ?, ?)').run(`chart:${P4}`, Buffer.from([0xff, 0xfe, 0x01, 0x02, 0x03]), ids.doc, at).lastInsertRowid;
    app.db.prepare('UPDATE documents SET last_seq = ? WHERE name = ?').run(seq, `chart:${P4}`);

    const { manifest, resources } = await runExport('/fhir/R4/$export?_type=Patient,Condition');
    // P4's Patient is lost with its chart: the record is exported whole or not at all.
    expect(countByType(resources)).toEqual({ Patient: 3, Condition: 4 });
    expect(manifest.error).toHaveLength(1);
    expect(manifest.error[0]).toMatchObject({ type: 'OperationOutcome', count: 1 });
    const res = await fetch(manifest.error[0].url, { headers: { cookie: doc } });
    expect(res.status).toBe(200);
    const outcomes = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Json);
    expect(outcomes).toEqual([
      { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: `The record of Patient/${P4} could not be read; it is not in this export` }] }
    ]);
  });
});
