import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { LIVEKIT, postJson } from './telehealth-test-support';

/**
 * Join links against the whole app (its real patient list): staff make
 * links only for their own clinic's patients. Another clinic's patient is
 * answered like an unknown one, so a patient id tells nothing across
 * clinics, and the attempt is audited.
 */
let app: TestApp;
let ownPatient: string;
let otherPatient: string;
let deskId: string;

async function patientIn(clinicId: string, authorId: string): Promise<string> {
  const id = randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family: 'Phiri', given: ['Mphatso'], birthDate: '1970-08-09', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
  await app.sync.applyServerUpdate(docName('patient', id), clinicId, Y.encodeStateAsUpdate(doc), authorId);
  return id;
}

beforeAll(async () => {
  app = await startTestApp({ telehealth: LIVEKIT });
  const a = await addClinic(app, 'Lakeside', [{ username: 'lake.desk', roles: ['frontdesk'] }]);
  const b = await addClinic(app, 'Hillside', [{ username: 'hill.desk', roles: ['frontdesk'] }]);
  deskId = a.ids['lake.desk'];
  ownPatient = await patientIn(a.clinicId, deskId);
  otherPatient = await patientIn(b.clinicId, b.ids['hill.desk']);
});

afterAll(async () => {
  await app.stop();
});

test("a join link for another clinic's patient is refused as not found and audited; one's own patient gets a link", async () => {
  const cookie = await sessionCookieFor(app.url, 'lake.desk');
  const visitId = randomUUID();
  const refused = await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId: otherPatient }, cookie);
  expect(refused.status).toBe(404);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('There is no such patient in your clinic.');
  const unknown = await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId: randomUUID() }, cookie);
  expect(unknown.status).toBe(404);
  // No visit was created for the other clinic's patient: the visit id is still free for a proper link.
  expect(app.db.prepare('SELECT count(*) AS n FROM telehealth_visits').get()).toEqual({ n: 0 });
  const denied = app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'authz.denied' ORDER BY seq").all() as { user_id: string; target: string; detail: string }[];
  expect(denied.map((d) => ({ ...d, detail: JSON.parse(d.detail) as unknown }))).toEqual([
    { user_id: deskId, target: `visit:${visitId}`, detail: { reason: 'patient-not-in-clinic' } },
    { user_id: deskId, target: `visit:${visitId}`, detail: { reason: 'patient-not-in-clinic' } }
  ]);

  const made = await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId: ownPatient }, cookie);
  expect(made.status).toBe(201);
});
