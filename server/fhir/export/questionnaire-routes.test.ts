import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../../http/test-app';
import { seedPortalPatient } from '../../portal/portal-test-support';

/** The intake forms on the FHIR API: read and listed for staff sessions, named in the CapabilityStatement, never for patients. */
let app: TestApp;
let nurse: string;
let patient: string;
const PATIENT = 'd5e6f7a8-0000-4000-8000-000000000001';

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'Valley Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'nurse', roles: ['nurse'] }
  ]);
  await seedPortalPatient(app, made.clinicId, PATIENT, { family: 'Moraa', given: 'Imani', birthDate: '1975-03-03' });
  nurse = await sessionCookieFor(app.url, 'nurse');
  const desk = await sessionCookieFor(app.url, 'desk');
  const inv = await fetch(`${app.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: desk }, body: JSON.stringify({ relation: 'self', patientId: PATIENT }) });
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: '1975-03-03', username: 'imani', password: TEST_PASSWORD }) });
  patient = await sessionCookieFor(app.url, 'imani');
});
afterAll(async () => {
  await app.stop();
});

const get = (path: string, cookie?: string) => fetch(`${app.url}${path}`, { headers: cookie ? { cookie } : {} });

describe('GET /fhir/R4/Questionnaire', () => {
  it('lists the five forms and reads one, with its canonical URL and version', async () => {
    const list = await get('/fhir/R4/Questionnaire', nurse);
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toContain('application/fhir+json');
    const bundle = (await list.json()) as { type: string; total: number; entry: { resource: { id: string } }[] };
    expect(bundle.type).toBe('searchset');
    expect(bundle.entry.map((e) => e.resource.id)).toEqual(['intake-reason', 'intake-medicines', 'intake-allergies', 'phq-9', 'gad-7']);
    const one = await get('/fhir/R4/Questionnaire/gad-7', nurse);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ resourceType: 'Questionnaire', id: 'gad-7', url: `${app.url}/fhir/R4/Questionnaire/gad-7`, version: '1.0.0', status: 'active' });
  });

  it('an unknown form is 404; no session is 401; a patient session is 403', async () => {
    expect((await get('/fhir/R4/Questionnaire/phq-10', nurse)).status).toBe(404);
    expect((await get('/fhir/R4/Questionnaire/gad-7')).status).toBe(401);
    expect((await get('/fhir/R4/Questionnaire/gad-7', patient)).status).toBe(403);
  });

  it('the CapabilityStatement names Questionnaire with read and search', async () => {
    const cs = (await (await get('/fhir/R4/metadata', nurse)).json()) as { rest: { resource: { type: string; interaction: { code: string }[] }[] }[] };
    expect(cs.rest[0].resource.find((r) => r.type === 'Questionnaire')?.interaction.map((i) => i.code)).toEqual(['read', 'search-type']);
  });
});
