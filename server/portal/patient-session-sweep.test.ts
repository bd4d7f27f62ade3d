import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DOC_KINDS, isClinicDocKind, type DocKind } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { PATIENT_SESSION_ROUTES, routeKey } from './patient-gate';
import { PORTAL_PATIENT_ROUTES } from './portal-routes';
import { READINGS_PATIENT_ROUTES } from './readings-routes';
import { INTAKE_PATIENT_ROUTES } from './intake-routes';
import { MESSAGES_PATIENT_ROUTES } from './messages-routes';
import { BOOKING_PATIENT_ROUTES } from './booking-routes';
import { seedPortalPatient } from './portal-test-support';

/**
 * Every HTTP route and every kind of sync document, asked for by a patient
 * session. The route list is the server's own (app.routes), so a route added
 * later is swept without anyone remembering to add it here; it is refused
 * unless it is on the patient gate's list (patient-gate.ts).
 */
let app: TestApp;
let clinicId: string;
let patientCookie: string;
let clinicianCookie: string;
const OWN = 'b4c2d3e5-0000-4000-8000-000000000001';
const OTHER = 'b4c2d3e5-0000-4000-8000-000000000002';
const OPEN = new Set([...PATIENT_SESSION_ROUTES, ...PORTAL_PATIENT_ROUTES, ...READINGS_PATIENT_ROUTES, ...INTAKE_PATIENT_ROUTES, ...MESSAGES_PATIENT_ROUTES, ...BOOKING_PATIENT_ROUTES]);

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'Hill Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'doc', roles: ['clinician'] }
  ]);
  clinicId = made.clinicId;
  await seedPortalPatient(app, clinicId, OWN, { family: 'Achieng', given: 'Rose', birthDate: '1970-02-03' });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Kamau', given: 'Peter', birthDate: '1971-03-04' });
  const desk = await sessionCookieFor(app.url, 'desk');
  const inv = await fetch(`${app.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: desk }, body: JSON.stringify({ relation: 'self', patientId: OWN }) });
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: '1970-02-03', username: 'rose', password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  patientCookie = await sessionCookieFor(app.url, 'rose');
  clinicianCookie = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

/** A concrete path for a route pattern: patient ids are the OTHER patient's, any other parameter a plausible value. */
function concrete(path: string, patientId = OTHER): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    if (/patient/i.test(name)) return patientId;
    if (name === 'type') return 'Patient';
    if (name === 'id') return OTHER;
    return 'b4c2d3e5-0000-4000-8000-0000000000aa';
  });
}

async function send(method: string, path: string, cookie: string): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method,
    headers: { cookie, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
    body: method === 'GET' ? undefined : '{}'
  });
}

describe('every HTTP route, as a patient session', () => {
  it('the sweep covers the whole route table (more than 80 routes), and the open list names only real routes', () => {
    const keys = app.routes.map(routeKey);
    expect(keys.length).toBeGreaterThan(80);
    for (const open of OPEN) expect(keys).toContain(open);
  });

  it('refuses every route not on the patient list with 403 and a readable message, before the handler runs', async () => {
    const refused: string[] = [];
    const let_through: string[] = [];
    for (const route of app.routes) {
      const key = routeKey(route);
      if (OPEN.has(key)) continue;
      const res = await send(route.method, concrete(route.path), patientCookie);
      const body = (await res.json().catch(() => null)) as { error?: { message?: string }; issue?: { diagnostics?: string }[] } | null;
      const text = body?.error?.message ?? body?.issue?.[0]?.diagnostics ?? '';
      if (res.status === 403 && text.startsWith('Patient accounts cannot use this part of Outpost.')) refused.push(key);
      else let_through.push(`${key} → ${res.status} ${text}`);
    }
    expect(let_through).toEqual([]);
    expect(refused).toContain('GET /api/patients');
    expect(refused).toContain('POST /api/sync/batch');
    expect(refused).toContain('GET /fhir/R4/Patient/:id/$everything');
    expect(refused).toContain('GET /fhir/R4/$export');
    expect(refused).toContain('GET /api/audit/report');
    expect(refused).toContain('GET /api/admin/users');
    const denials = app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND json_extract(detail, '$.reason') = 'patient-session'").get() as { n: number };
    expect(denials.n).toBe(refused.length);
  });

  it('positive controls: a clinician gets through the same sweep, and the patient reads their own record', async () => {
    expect((await send('GET', '/api/patients', clinicianCookie)).status).toBe(200);
    expect((await send('GET', concrete('/fhir/R4/Patient/:id/$everything'), clinicianCookie)).status).toBe(200);
    for (const path of ['/api/portal/records/:patientId', '/api/portal/records/:patientId/summary', '/api/portal/records/:patientId/everything']) {
      expect((await send('GET', concrete(path, OWN), patientCookie)).status).toBe(200);
      const other = await send('GET', concrete(path, OTHER), patientCookie);
      expect(other.status).toBe(403);
    }
    expect((await send('GET', '/api/auth/me', patientCookie)).status).toBe(200);
  });
});

/** The status an upgrade to /sync/<name> is answered with (101 when accepted). */
function upgradeStatus(name: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/sync/${name}`, { headers: { cookie } });
    ws.on('upgrade', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

describe('every kind of sync document, as a patient session', () => {
  const names = (kind: DocKind): string[] => (isClinicDocKind(kind) ? [`${kind}:${clinicId}`] : [`${kind}:${OWN}`, `${kind}:${OTHER}`]);

  it('refuses every document, their own chart included: a patient never receives a raw document', async () => {
    const answers: Record<string, number> = {};
    for (const kind of DOC_KINDS) for (const name of names(kind)) answers[name.replace(OWN, 'own').replace(OTHER, 'other').replace(clinicId, 'clinic')] = await upgradeStatus(name, patientCookie);
    expect(answers).toEqual({
      'patient:own': 403,
      'patient:other': 403,
      'chart:own': 403,
      'chart:other': 403,
      'schedule:clinic': 403,
      'templates:clinic': 403,
      'restricted:own': 403,
      'restricted:other': 403,
      'fees:clinic': 403,
      'registries:clinic': 403,
      'tasks:clinic': 403,
      'messages:own': 403,
      'messages:other': 403
    });
  });

  it('each refused upgrade is audited as authz.denied (role), one per document asked for', () => {
    const expected = DOC_KINDS.reduce((n, kind) => n + names(kind).length, 0);
    const denied = app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND json_extract(detail, '$.reason') = 'role' AND user_id = (SELECT id FROM users WHERE username = 'rose')").get() as { n: number };
    expect(denied.n).toBe(expected);
  });

  it('positive control: a clinician opens the same chart document', async () => {
    expect(await upgradeStatus(`chart:${OWN}`, clinicianCookie)).toBe(101);
  });

  it('refuses every document over the batch catch-up too, reads and writes alike, audited, and nothing is written', async () => {
    const denials = () => (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND json_extract(detail, '$.route') = 'POST /api/sync/batch'").get() as { n: number }).n;
    const before = denials();
    const chartBefore = await app.sync.readState(`chart:${OTHER}`, clinicId);
    // An update any Yjs client could send (an empty doc's update), aimed at each document in turn.
    const update = Buffer.from([0, 0]).toString('base64');
    const statuses: Record<string, number> = {};
    for (const kind of DOC_KINDS) {
      for (const name of names(kind)) {
        const label = name.replace(OWN, 'own').replace(OTHER, 'other').replace(clinicId, 'clinic');
        const read = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie: patientCookie, 'content-type': 'application/json' }, body: JSON.stringify({ docs: [{ name, stateVector: '' }] }) });
        const write = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie: patientCookie, 'content-type': 'application/json' }, body: JSON.stringify({ updates: [{ name, update }] }) });
        statuses[`read ${label}`] = read.status;
        statuses[`write ${label}`] = write.status;
      }
    }
    const asked = Object.keys(statuses).length;
    expect(asked).toBe(2 * DOC_KINDS.reduce((n, kind) => n + names(kind).length, 0));
    expect(Object.entries(statuses).filter(([, status]) => status !== 403)).toEqual([]);
    expect(denials() - before).toBe(asked);
    expect(Buffer.from((await app.sync.readState(`chart:${OTHER}`, clinicId))!)).toEqual(Buffer.from(chartBefore!));
    // Positive control: the clinician's batch for the same chart is answered.
    const staff = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie: clinicianCookie, 'content-type': 'application/json' }, body: JSON.stringify({ docs: [{ name: `chart:${OTHER}`, stateVector: '' }] }) });
    expect(staff.status).toBe(200);
  });
});

describe('the routes the gate lets a patient through', () => {
  it('every one of them that names a record refuses a record the account holds no grant to (403, authz.denied), another patient\'s and a made-up one', async () => {
    const withRecord = app.routes.filter((r) => OPEN.has(routeKey(r)) && /:patient/i.test(r.path));
    // The portal's own record routes at least; routes added to the portal later are swept without anyone listing them here.
    expect(withRecord.map(routeKey)).toEqual(expect.arrayContaining(['GET /api/portal/records/:patientId', 'GET /api/portal/records/:patientId/summary', 'GET /api/portal/records/:patientId/everything']));
    const noGrant = () => (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND json_extract(detail, '$.reason') = 'no-grant'").get() as { n: number }).n;
    const before = noGrant();
    const answers: string[] = [];
    for (const route of withRecord) {
      for (const target of [OTHER, 'b4c2d3e5-0000-4000-8000-0000000000ff']) {
        const res = await send(route.method, concrete(route.path, target), patientCookie);
        if (res.status !== 403) answers.push(`${routeKey(route)} → ${res.status}`);
      }
    }
    expect(answers).toEqual([]);
    expect(noGrant() - before).toBe(withRecord.length * 2);
  });
});
