import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import * as Y from 'yjs';
import { addEncounter, initChartDoc } from '../../src/lib/chart/chart-doc';
import { putClinical, putEntry } from '../../src/lib/chart/clinical-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { initScheduleDoc } from '../../src/lib/chart/schedule-doc';
import { dataValueSetSchema } from '../../src/lib/domain/reporting/dhis2';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { startDhis2StandIn, type Dhis2StandIn } from './dhis2-stand-in';

/**
 * DHIS2 reporting against the real server and a local HTTP server standing
 * in for DHIS2 (dhis2-stand-in.ts: a real DHIS2 cannot run here): admin
 * only, a bad configuration refused with a readable message, the counts
 * computed from stored charts, the payload in DHIS2's documented shape, the
 * secret never given back, DHIS2's import summary, conflicts and 401 shown.
 */
let app: TestApp;
let dhis2: Dhis2StandIn;
let clinicId: string;
let ids: Record<string, string>;
const cookies: Record<string, string> = {};

const OPD = 'Ix2HsbDMLea';
const MEASLES = 'f7n9E0hX8qk';
const DIABETES = 'eY5ehpbEsB7';
const FEVER = 'GQY2lXrypjO';
const DEFAULT_COC = 'HllvX50cXC0';

const config = (over: Record<string, unknown> = {}) => ({
  baseUrl: dhis2?.url ?? 'http://127.0.0.1:9',
  authKind: 'basic',
  username: 'clinic.reporter',
  orgUnit: 'DiszpKrYNg8',
  dataSet: 'pBOMPrpg1QX',
  mappings: [
    { rule: 'opd-visits-female-15-49', dataElement: OPD, categoryOptionCombo: DEFAULT_COC },
    { rule: 'measles-doses-under-1', dataElement: MEASLES, categoryOptionCombo: DEFAULT_COC },
    { rule: 'new-diabetes', dataElement: DIABETES, categoryOptionCombo: DEFAULT_COC },
    { rule: 'fever-visits-under-5', dataElement: FEVER, categoryOptionCombo: DEFAULT_COC }
  ],
  ...over
});

async function seed(): Promise<void> {
  const actor = { id: ids.amara, name: 'Dr Amara' };
  const store = (name: string, d: Y.Doc) => app.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(d), ids.amara, 'seed');
  const schedule = new Y.Doc();
  initScheduleDoc(schedule, clinicId, 'Africa/Nairobi');
  await store(`schedule:${clinicId}`, schedule);

  const patients: { id: string; birthDate: string; gender: 'female' | 'male'; fill(chart: Y.Doc): void }[] = [
    {
      // Woman of 35: two visits in November 2025 (one at 23:30 on the 30th, local), one in October.
      id: '11111111-1111-4111-8111-111111111111',
      birthDate: '1990-06-15',
      gender: 'female',
      fill(c) {
        addEncounter(c, { start: '2025-11-03T07:00:00.000Z' }, actor);
        addEncounter(c, { class: 'virtual', start: '2025-11-30T20:30:00.000Z' }, actor);
        addEncounter(c, { start: '2025-10-31T20:59:00.000Z' }, actor);
      }
    },
    {
      // Turns 15 on 10 November 2025: the visit the day before is not counted, the one on the birthday is.
      id: '22222222-2222-4222-8222-222222222222',
      birthDate: '2010-11-10',
      gender: 'female',
      fill(c) {
        addEncounter(c, { start: '2025-11-09T07:00:00.000Z' }, actor);
        addEncounter(c, { start: '2025-11-10T07:00:00.000Z' }, actor);
      }
    },
    {
      // A boy of 4 with fever charted at the visit; a measles dose at 10 months for his sister below.
      id: '33333333-3333-4333-8333-333333333333',
      birthDate: '2021-03-01',
      gender: 'male',
      fill(c) {
        addEncounter(c, { start: '2025-11-04T06:00:00.000Z' }, actor);
        putEntry(c, 'conditions', 'cond-fever', { resourceType: 'Condition', code: { text: 'Fever', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'R50.9' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2025-11-03', abatementDate: '', note: '', recordedDate: '2025-11-04' }, actor);
      }
    },
    {
      id: '44444444-4444-4444-8444-444444444444',
      birthDate: '2025-01-01',
      gender: 'female',
      fill(c) {
        putClinical(c, 'immunizations', 'imm-measles', { status: 'completed', vaccineCode: { text: 'Measles', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '05' }] }, occurrenceDateTime: '2025-11-05' }, actor);
      }
    },
    {
      // New type 2 diabetes in November; a man, so not an outpatient woman 15–49.
      id: '55555555-5555-4555-8555-555555555555',
      birthDate: '1970-02-02',
      gender: 'male',
      fill(c) {
        addEncounter(c, { start: '2025-11-02T07:00:00.000Z' }, actor);
        putEntry(c, 'conditions', 'cond-dm', { resourceType: 'Condition', code: { text: 'Type 2 diabetes', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] }, clinicalStatus: 'active', verificationStatus: 'confirmed', onsetDate: '2025-11-02', abatementDate: '', note: '', recordedDate: '2025-11-02' }, actor);
      }
    }
  ];
  for (const p of patients) {
    const patient = new Y.Doc();
    initPatientDoc(patient, p.id, { family: 'Test', given: ['Person'], birthDate: p.birthDate, gender: p.gender }, actor, `OP-${p.id.slice(0, 4)}`);
    const chart = new Y.Doc();
    initChartDoc(chart, p.id);
    p.fill(chart);
    await store(`patient:${p.id}`, patient);
    await store(`chart:${p.id}`, chart);
  }
}

beforeAll(async () => {
  dhis2 = await startDhis2StandIn({ username: 'clinic.reporter', password: 'district-secret-1', token: 'd2pat_standin0000000000000000000000000', knownDataElements: [OPD, MEASLES, DIABETES, FEVER] });
  app = await startTestApp();
  ({ clinicId, ids } = await addClinic(app, 'Riverbend', [
    { username: 'ada', roles: ['admin'] },
    { username: 'amara', roles: ['clinician'] },
    { username: 'tomas', roles: ['nurse'] },
    { username: 'priya', roles: ['frontdesk'] }
  ]));
  await seed();
  for (const u of ['ada', 'amara', 'tomas', 'priya']) cookies[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app?.stop();
  await dhis2?.close();
});

function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
}
const errorOf = async (res: Response) => ((await res.json()) as { error: { message: string; details?: { path?: string; message: string }[] } }).error;
const auditRows = (action: string) =>
  (app.db.prepare('SELECT outcome, detail FROM audit_log WHERE action = ? ORDER BY seq').all(action) as { outcome: string; detail: string }[]).map((r) => ({ outcome: r.outcome, detail: JSON.parse(r.detail) as Record<string, unknown> }));

describe('only the administrator', () => {
  const routes = [
    { method: 'GET', path: '/api/reporting/dhis2' },
    { method: 'POST', path: '/api/reporting/dhis2', body: { config: {}, secret: 'x' } },
    { method: 'POST', path: '/api/reporting/dhis2/preview', body: { month: '2025-11' } },
    { method: 'POST', path: '/api/reporting/dhis2/send', body: { month: '2025-11' } }
  ] as const;

  it('covers every reporting route the server has', () => {
    expect(app.routes.filter((r) => r.path.startsWith('/api/reporting')).map((r) => `${r.method} ${r.path}`).sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  test.each(['amara', 'tomas', 'priya', null].flatMap((who) => routes.map((r) => [who ?? '(no session)', r.method, r.path] as const)))('%s: %s %s is refused', async (who, method, path) => {
    const route = routes.find((r) => r.method === method && r.path === path)!;
    const cookie = who === '(no session)' ? undefined : cookies[who];
    const res = method === 'GET' ? await getJson(app.url, path, cookie) : await post(path, 'body' in route ? route.body : {}, cookie);
    expect(res.status).toBe(cookie ? 403 : 401);
    expect((await errorOf(res)).message).toBe(cookie ? 'Only an administrator can do this.' : 'Sign in to continue.');
  });

  it('positive control: the administrator reads the (empty) setup', async () => {
    const res = await getJson(app.url, '/api/reporting/dhis2', cookies.ada);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ config: null, secretSet: false, presets: expect.arrayContaining(['opd-visits-female-15-49', 'measles-doses-under-1']) });
  });
});

describe('a bad configuration is refused with a readable message and nothing is stored', () => {
  it('before any setup, preview and send say so', async () => {
    for (const path of ['/api/reporting/dhis2/preview', '/api/reporting/dhis2/send']) {
      const res = await post(path, { month: '2025-11' }, cookies.ada);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toBe('DHIS2 reporting is not set up yet: save the connection and at least one mapping first.');
    }
  });

  test.each([
    ['no password the first time', { config: config() }, 'Enter the DHIS2 password or personal access token.', 'secret'],
    ['a short data element id', { config: config({ mappings: [{ rule: 'new-diabetes', dataElement: 'eY5ehpbEsB', categoryOptionCombo: DEFAULT_COC }] }), secret: 's' }, 'The request is not valid', 'config.mappings.0.dataElement'],
    ['no mapping', { config: config({ mappings: [] }), secret: 's' }, 'The request is not valid', 'config.mappings'],
    ['an address with a password in it', { config: config({ baseUrl: 'https://admin:district@dhis2.example.org' }), secret: 's' }, 'The request is not valid', 'config.baseUrl'],
    ['an unknown field', { config: config(), secret: 's', extra: 1 }, 'The request is not valid', '']
  ])('%s', async (_name, body, message, path) => {
    const res = await post('/api/reporting/dhis2', body, cookies.ada);
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.message).toBe(message);
    if (path) expect(err.details?.map((d) => d.path)).toContain(path);
    expect(app.db.prepare('SELECT count(*) AS n FROM dhis2_settings').get()).toEqual({ n: 0 });
  });
});

describe('configured, previewed and sent', () => {
  it('stores the configuration and seals the password: the browser is told only that one is set', async () => {
    const res = await post('/api/reporting/dhis2', { config: config(), secret: 'district-secret-1' }, cookies.ada);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"secretSet":true');
    expect(text).toContain(MEASLES);
    expect(text).not.toContain('district-secret-1');
    const row = app.db.prepare('SELECT config, secret_sealed FROM dhis2_settings').get() as { config: string; secret_sealed: string };
    expect(row.config).toContain(MEASLES);
    expect(row.secret_sealed).toMatch(/^v1\./);
    expect(row.secret_sealed).not.toContain('district-secret-1');
    const audit = auditRows('reporting.configure');
    expect(audit).toEqual([{ outcome: 'success', detail: { system: 'dhis2', authKind: 'basic', mappings: 4, secretChanged: true } }]);
  });

  it('previews November 2025 from the stored charts, counted by hand', async () => {
    const res = await post('/api/reporting/dhis2/preview', { month: '2025-11' }, cookies.ada);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rows: { rule: string; value: number }[]; payload: unknown; timeZone: string; patients: number; unreadable: number };
    // Women 15–49: 2 (first patient, 3 and 30 Nov local) + 1 (second, on her 15th birthday) = 3; one measles dose; one new diabetes; one fever visit under 5.
    expect(body.rows.map((r) => [r.rule, r.value])).toEqual([
      ['opd-visits-female-15-49', 3],
      ['measles-doses-under-1', 1],
      ['new-diabetes', 1],
      ['fever-visits-under-5', 1]
    ]);
    expect(body).toMatchObject({ timeZone: 'Africa/Nairobi', patients: 5, unreadable: 0 });
    expect(dataValueSetSchema.safeParse(body.payload).success).toBe(true);
    expect(body.payload).toMatchObject({ dataSet: 'pBOMPrpg1QX', period: '202511', orgUnit: 'DiszpKrYNg8', dataValues: [{ dataElement: OPD, categoryOptionCombo: DEFAULT_COC, value: '3' }, { dataElement: MEASLES, value: '1' }, { dataElement: DIABETES, value: '1' }, { dataElement: FEVER, value: '1' }] });
    // October: only the visit at 23:59 local on the 31st.
    const oct = (await (await post('/api/reporting/dhis2/preview', { month: '2025-10' }, cookies.ada)).json()) as { rows: { value: number }[] };
    expect(oct.rows.map((r) => r.value)).toEqual([1, 0, 0, 0]);
  });

  it('refuses a month not started and a month that is not one', async () => {
    const future = await post('/api/reporting/dhis2/preview', { month: '2999-01' }, cookies.ada);
    expect(future.status).toBe(400);
    expect((await errorOf(future)).message).toBe('That month has not started yet.');
    const bad = await post('/api/reporting/dhis2/send', { month: '2025-13' }, cookies.ada);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details?.[0]).toEqual({ path: 'month', message: 'Choose a month (YYYY-MM)' });
    expect(dhis2.received).toHaveLength(0);
  });

  it('sends to DHIS2 with basic auth: the stand-in checks method, path, credentials, content type and body; the import summary comes back', async () => {
    const res = await post('/api/reporting/dhis2/send', { month: '2025-11' }, cookies.ada);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { payload: unknown; outcome: { ok: boolean; httpStatus: number; summary: Record<string, unknown> } };
    expect(dhis2.received).toHaveLength(1);
    expect(dhis2.received[0].authorization).toBe(`Basic ${Buffer.from('clinic.reporter:district-secret-1').toString('base64')}`);
    expect(dhis2.received[0].contentType).toBe('application/json');
    expect(dhis2.received[0].body).toEqual(body.payload);
    expect(body.outcome).toEqual({ ok: true, httpStatus: 200, summary: { status: 'SUCCESS', imported: 4, updated: 0, ignored: 0, deleted: 0, conflicts: [], description: 'Import process completed successfully' } });
    // The same month again: DHIS2 updates the four cells.
    const again = (await (await post('/api/reporting/dhis2/send', { month: '2025-11' }, cookies.ada)).json()) as { outcome: { summary: { imported: number; updated: number } } };
    expect(again.outcome.summary).toMatchObject({ imported: 0, updated: 4 });
    expect(auditRows('reporting.send').map((r) => r.detail)).toEqual([
      { system: 'dhis2', period: '202511', values: 4, httpStatus: 200, imported: 4, updated: 0, ignored: 0, conflicts: 0 },
      { system: 'dhis2', period: '202511', values: 4, httpStatus: 200, imported: 0, updated: 4, ignored: 0, conflicts: 0 }
    ]);
    const log = JSON.stringify(app.db.prepare("SELECT detail FROM audit_log WHERE action LIKE 'reporting.%'").all());
    expect(log).not.toContain('district-secret-1');
  });

  it('with a personal access token, sends `ApiToken <token>`; the stored token is kept when the form leaves it empty', async () => {
    expect((await post('/api/reporting/dhis2', { config: config({ authKind: 'token', username: '' }), secret: 'd2pat_standin0000000000000000000000000' }, cookies.ada)).status).toBe(200);
    expect((await post('/api/reporting/dhis2', { config: config({ authKind: 'token', username: '' }) }, cookies.ada)).status).toBe(200);
    const res = (await (await post('/api/reporting/dhis2/send', { month: '2025-11' }, cookies.ada)).json()) as { outcome: { ok: boolean } };
    expect(res.outcome.ok).toBe(true);
    expect(dhis2.received.at(-1)?.authorization).toBe('ApiToken d2pat_standin0000000000000000000000000');
  });

  it('DHIS2 refusing a data element (409 with conflicts) comes back readably', async () => {
    const unknown = 'Zz9UnknownX';
    expect((await post('/api/reporting/dhis2', { config: config({ authKind: 'token', username: '', mappings: [{ rule: 'new-diabetes', dataElement: DIABETES, categoryOptionCombo: DEFAULT_COC }, { rule: 'opd-visits', dataElement: unknown, categoryOptionCombo: DEFAULT_COC }] }) }, cookies.ada)).status).toBe(200);
    const res = await post('/api/reporting/dhis2/send', { month: '2025-11' }, cookies.ada);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outcome: unknown };
    expect(body.outcome).toEqual({
      ok: false,
      reason: 'conflict',
      httpStatus: 409,
      message: 'One more conflicts encountered, please check import summary.',
      summary: { status: 'WARNING', imported: 0, updated: 1, ignored: 1, deleted: 0, conflicts: [{ object: unknown, value: 'Data element not found or not accessible' }], description: 'Import process completed successfully' }
    });
    expect(auditRows('reporting.send').at(-1)).toMatchObject({ outcome: 'failure', detail: { reason: 'conflict', httpStatus: 409, conflicts: 1 } });
  });

  it('DHIS2 refusing the credentials (401) comes back readably, and an address that answers nothing too', async () => {
    expect((await post('/api/reporting/dhis2', { config: config(), secret: 'wrong-password' }, cookies.ada)).status).toBe(200);
    const before = dhis2.received.length;
    const res = (await (await post('/api/reporting/dhis2/send', { month: '2025-11' }, cookies.ada)).json()) as { outcome: unknown };
    expect(res.outcome).toEqual({ ok: false, reason: 'unauthorized', httpStatus: 401, message: 'DHIS2 refused the user name, password or token (HTTP 401).' });
    expect(dhis2.received.length).toBe(before);

    const closed = await startDhis2StandIn({ knownDataElements: [] });
    await closed.close();
    expect((await post('/api/reporting/dhis2', { config: config({ baseUrl: closed.url }) }, cookies.ada)).status).toBe(200);
    const gone = (await (await post('/api/reporting/dhis2/send', { month: '2025-11' }, cookies.ada)).json()) as { outcome: unknown };
    expect(gone.outcome).toEqual({ ok: false, reason: 'unreachable', httpStatus: null, message: 'DHIS2 could not be reached at the configured address.' });
  });
});
