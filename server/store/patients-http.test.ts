import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc, updatePatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn, type PatientInput, type PatientSummary } from '../../src/lib/domain/patient';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

let app: TestApp;
let clinicA: string;
let clinicB: string;
let writerA: string;
let writerB: string;
const docs = new Map<string, Y.Doc>();

const actor = { id: 'import', name: 'Outpost import' };

async function registerPatient(clinicId: string, userId: string, input: PatientInput): Promise<string> {
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, input, actor, newMrn());
  docs.set(id, doc);
  await app.sync.applyServerUpdate(docName('patient', id), clinicId, Y.encodeStateAsUpdate(doc), userId, 'seed');
  return id;
}

type ListBody = { patients: PatientSummary[]; serverTime: string };

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'Clinic A', [
    { username: 'a.clinician', roles: ['clinician'] },
    { username: 'a.desk', roles: ['frontdesk'] },
    { username: 'a.admin', roles: ['admin'] },
    { username: 'a.patient', roles: ['patient'] }
  ]);
  const b = await addClinic(app, 'Clinic B', [{ username: 'b.nurse', roles: ['nurse'] }]);
  clinicA = a.clinicId;
  clinicB = b.clinicId;
  writerA = a.ids['a.clinician'];
  writerB = b.ids['b.nurse'];
  await registerPatient(clinicA, writerA, { family: 'Okonkwo', given: ['Chiamaka'], birthDate: '1980-02-01', gender: 'female' });
  await registerPatient(clinicA, writerA, { family: 'Abebe', given: ['Samuel', 'T'], birthDate: '2015-06-30', gender: 'male' });
  await registerPatient(clinicB, writerB, { family: 'Zeller', given: ['Hidden'], birthDate: '1950-01-01', gender: 'other' });
});

afterAll(async () => {
  await app.stop();
});

describe('GET /api/patients', () => {
  it('is 401 without a session', async () => {
    const res = await getJson(app.url, '/api/patients');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it("lists the caller's clinic only, sorted by family name, in the contract's shape", async () => {
    const cookie = await sessionCookieFor(app.url, 'a.clinician');
    const res = await getJson(app.url, '/api/patients', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as ListBody;
    expect(body.patients.map((p) => p.name.family)).toEqual(['Abebe', 'Okonkwo']);
    expect(body.patients[0]).toEqual({
      id: expect.any(String),
      name: { family: 'Abebe', given: ['Samuel', 'T'] },
      birthDate: '2015-06-30',
      gender: 'male',
      mrn: expect.stringMatching(/^[0-9A-Z]{9}$/),
      updatedAt: expect.any(String)
    });
    expect(Date.parse(body.serverTime)).not.toBeNaN();
    const audit = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'patients.list' ORDER BY seq DESC LIMIT 1").get() as { detail: string };
    expect(JSON.parse(audit.detail)).toEqual({ count: 2, since: null });
  });

  it('never shows another clinic’s rows', async () => {
    const cookie = await sessionCookieFor(app.url, 'b.nurse');
    const body = (await (await getJson(app.url, '/api/patients', cookie)).json()) as ListBody;
    expect(body.patients.map((p) => p.name.family)).toEqual(['Zeller']);
  });

  it('is open to the front desk and to admins (read), closed to the patient role', async () => {
    expect((await getJson(app.url, '/api/patients', await sessionCookieFor(app.url, 'a.desk'))).status).toBe(200);
    expect((await getJson(app.url, '/api/patients', await sessionCookieFor(app.url, 'a.admin'))).status).toBe(200);
    const res = await getJson(app.url, '/api/patients', await sessionCookieFor(app.url, 'a.patient'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('with since, returns only rows changed after it, including an edit that arrives later', async () => {
    const cookie = await sessionCookieFor(app.url, 'a.desk');
    const first = (await (await getJson(app.url, '/api/patients', cookie)).json()) as ListBody;
    const okonkwo = first.patients.find((p) => p.name.family === 'Okonkwo')!;
    await new Promise((r) => setTimeout(r, 5));

    const doc = docs.get(okonkwo.id)!;
    const before = Y.encodeStateVector(doc);
    updatePatient(doc, { family: 'Okonkwo-Eze' }, actor);
    await app.sync.applyServerUpdate(docName('patient', okonkwo.id), clinicA, Y.encodeStateAsUpdate(doc, before), writerA, 'seed');

    const since = encodeURIComponent(first.serverTime);
    const next = (await (await getJson(app.url, `/api/patients?since=${since}`, cookie)).json()) as ListBody;
    expect(next.patients.map((p) => [p.id, p.name.family])).toEqual([[okonkwo.id, 'Okonkwo-Eze']]);

    const none = (await (await getJson(app.url, `/api/patients?since=${encodeURIComponent(next.serverTime)}`, cookie)).json()) as ListBody;
    expect(none.patients).toEqual([]);
  });

  it('refuses a since that is not an ISO date-time', async () => {
    const cookie = await sessionCookieFor(app.url, 'a.desk');
    const res = await getJson(app.url, '/api/patients?since=yesterday', cookie);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { path: string }[] } }).error.details[0].path).toBe('since');
  });

  it('keys rows by the document name, not by an id written inside the document', async () => {
    const victim = [...docs.keys()][0];
    const forged = new Y.Doc();
    const realId = crypto.randomUUID();
    initPatientDoc(forged, victim, { family: 'Forged', given: ['Row'], birthDate: '1990-01-01', gender: 'unknown' }, actor, '');
    await app.sync.applyServerUpdate(docName('patient', realId), clinicB, Y.encodeStateAsUpdate(forged), writerB, 'seed');
    const rows = app.db.prepare('SELECT id, clinic_id, family FROM patients WHERE family = ?').all('Forged');
    expect(rows).toEqual([{ id: realId, clinic_id: clinicB, family: 'Forged' }]);
  });

  it('rebuilds missing list rows from the stored documents at start-up', async () => {
    const victim = [...docs.keys()][1];
    app.db.prepare('DELETE FROM patients WHERE id = ?').run(victim);
    await app.close();
    const again = await startTestApp({ dataDir: app.dataDir });
    try {
      expect(again.db.prepare('SELECT family FROM patients WHERE id = ?').get(victim)).toEqual({ family: 'Abebe' });
    } finally {
      await again.close();
    }
  });
});
