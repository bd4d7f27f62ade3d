import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { pendingIncoming } from '../../src/lib/chart/incoming-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * A match review decided for a patient the reviewer found by searching
 * (not one of the offered candidates), on the real server: the record lands
 * in that chart; a patient of another clinic, or an unknown id, is refused
 * and the review stays pending — the server, not the page, decides whose
 * patients may be chosen.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TWIN_A = '6a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
const TWIN_B = '7b2c3d4e-5f6a-4b7c-9d8e-9f0a1b2c3d4e';
const CHOSEN = '8c3d4e5f-6a7b-4c8d-8e9f-0a1b2c3d4e5f';
const OTHER_CLINIC = '9d4e5f6a-7b8c-4d9e-9f0a-1b2c3d4e5f60';
const INCOMING = '5b0c2f0e-8d7a-4e59-9a57-0c3f1b2a6d41';

let app: TestApp;
let clinicId: string;
let doc: string;

const referral = {
  resourceType: 'Bundle',
  type: 'document',
  timestamp: '2026-11-30T09:00:00Z',
  meta: { source: 'urn:outpost:clinic:hill-clinic' },
  entry: [
    { fullUrl: 'urn:uuid:8e2a1f5c-2b7d-4f0e-9c1a-3d5e7f9a1b2c', resource: { resourceType: 'Composition', status: 'final', type: { coding: [{ system: 'http://loinc.org', code: '60591-5' }] }, subject: { reference: `urn:uuid:${INCOMING}` }, date: '2026-11-30T09:00:00Z', title: 'International Patient Summary', author: [{ display: 'Hill Clinic' }] } },
    { fullUrl: `urn:uuid:${INCOMING}`, resource: { resourceType: 'Patient', id: INCOMING, identifier: [{ system: 'urn:outpost:clinic:hill-clinic:mrn', value: 'H-1001' }], name: [{ family: 'Osei', given: ['Nadia'] }], gender: 'female', birthDate: '1988-04-12' } },
    { fullUrl: 'urn:uuid:1f4e6a2b-3c5d-4e7f-8a9b-0c1d2e3f4a5b', resource: { resourceType: 'AllergyIntolerance', id: '1f4e6a2b-3c5d-4e7f-8a9b-0c1d2e3f4a5b', clinicalStatus: { coding: [{ code: 'active' }] }, verificationStatus: { coding: [{ code: 'confirmed' }] }, category: ['medication'], code: { text: 'Penicillin' }, patient: { reference: `urn:uuid:${INCOMING}` }, recordedDate: '2019-06-01' } }
  ]
};

async function seedPatient(id: string, clinic: string, family: string, given: string, birthDate: string, mrn: string): Promise<void> {
  const d = new Y.Doc();
  initPatientDoc(d, id, { family, given: [given], birthDate, gender: 'female' }, { id: 'seed', name: 'Seed' }, mrn);
  await app.sync.applyServerUpdate(docName('patient', id), clinic, Y.encodeStateAsUpdate(d), 'seed', 'seed');
}

const post = (p: string, body: unknown, type = 'application/json') => fetch(`${app.url}${p}`, { method: 'POST', headers: { 'content-type': type, cookie: doc }, body: JSON.stringify(body) });

beforeAll(async () => {
  app = await startTestApp();
  ({ clinicId } = await addClinic(app, 'Delta Clinic', [{ username: 'doc', roles: ['clinician'] }]));
  const { clinicId: echo } = await addClinic(app, 'Echo Clinic', [{ username: 'echodoc', roles: ['clinician'] }]);
  await seedPatient(TWIN_A, clinicId, 'Osei', 'Nadia', '1988-04-12', 'D-1');
  await seedPatient(TWIN_B, clinicId, 'Osei', 'Nadia', '1988-04-12', 'D-2');
  await seedPatient(CHOSEN, clinicId, 'Mensah-Osei', 'Nadia', '1988-12-04', 'D-3');
  await seedPatient(OTHER_CLINIC, echo, 'Osei', 'Nadia', '1988-04-12', 'E-1');
  doc = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

describe('match review: a patient found by search', () => {
  it("another clinic's patient and an unknown id are refused, the review stays; a patient of the clinic who was not a candidate takes the record", async () => {
    const held = await post('/fhir/R4', referral, 'application/fhir+json');
    expect(held.status).toBe(202);
    const reviews = (await (await fetch(`${app.url}/api/transfer/match-reviews`, { headers: { cookie: doc } })).json()) as Json;
    expect(reviews.reviews).toHaveLength(1);
    const review = reviews.reviews[0];
    expect(review.reason).toBe('several-candidates');
    expect(review.candidates.map((c: Json) => c.id).sort()).toEqual([TWIN_A, TWIN_B]);

    for (const patientId of [OTHER_CLINIC, '00000000-0000-4000-8000-000000000000']) {
      const refused = await post(`/api/transfer/match-reviews/${review.id}`, { patientId });
      expect(refused.status).toBe(404);
      expect(((await refused.json()) as Json).error.message).toBe('No such patient in this clinic');
    }
    expect(app.db.prepare("SELECT COUNT(*) AS n FROM documents WHERE name = ?").get(docName('chart', OTHER_CLINIC))).toEqual({ n: 0 });
    expect(((await (await fetch(`${app.url}/api/transfer/match-reviews`, { headers: { cookie: doc } })).json()) as Json).reviews).toHaveLength(1);

    const chosen = await post(`/api/transfer/match-reviews/${review.id}`, { patientId: CHOSEN });
    const body = (await chosen.json()) as Json;
    expect(chosen.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ patientId: CHOSEN, newPatient: false });
    const chart = new Y.Doc();
    Y.applyUpdate(chart, (await app.sync.readState(docName('chart', CHOSEN), clinicId))!);
    expect(pendingIncoming(chart).map((r) => r.display)).toEqual(['Penicillin']);
    for (const twin of [TWIN_A, TWIN_B]) expect(await app.sync.readState(docName('chart', twin), clinicId)).toBeNull();
    expect(((await (await fetch(`${app.url}/api/transfer/match-reviews`, { headers: { cookie: doc } })).json()) as Json).reviews).toEqual([]);
  });
});
