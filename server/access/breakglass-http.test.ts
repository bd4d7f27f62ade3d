import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { addCondition, initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * Emergency access and patient restrictions against the real server: real
 * sessions, real websockets, real FHIR reads. Every request here is what a
 * crafted client could send; the server alone decides.
 */

const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const REASON = 'Unconscious patient brought in, needs allergy and medication history now';

function wsBaseOf(app: TestApp): string {
  return app.url.replace(/^http/, 'ws') + '/sync';
}

/** The HTTP status the server answers a websocket upgrade with (101 when accepted). */
function upgradeStatus(app: TestApp, name: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBaseOf(app)}/${name}`, { headers: { cookie } });
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

function post(app: TestApp, path: string, cookie: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: app.url }, body: JSON.stringify(body) });
}

async function seedPatient(app: TestApp, clinicId: string, userId: string): Promise<string> {
  const patientId = crypto.randomUUID();
  const p = new Y.Doc();
  initPatientDoc(p, patientId, { family: 'Okafor', given: ['Ada'], birthDate: '1980-02-03', gender: 'female' }, { id: userId, name: 'Import' }, newMrn());
  await app.sync.applyServerUpdate(docName('patient', patientId), clinicId, Y.encodeStateAsUpdate(p), userId);
  const chart = new Y.Doc();
  initChartDoc(chart, patientId);
  const actor = { id: userId, name: 'Dr Import' };
  addCondition(chart, { text: 'Major depressive disorder, single episode, moderate', coding: [{ system: ICD10, code: 'F32.1' }] }, actor);
  addCondition(chart, { text: 'Essential hypertension', coding: [{ system: ICD10, code: 'I10' }] }, actor);
  await app.sync.applyServerUpdate(docName('chart', patientId), clinicId, Y.encodeStateAsUpdate(chart), userId);
  // The restricted part: a note kept apart from the chart.
  const restricted = new Y.Doc();
  initChartDoc(restricted, patientId, 'restricted');
  addCondition(restricted, { text: 'Psychotherapy follow-up', coding: [{ system: ICD10, code: 'F43.1' }] }, actor);
  await app.sync.applyServerUpdate(`restricted:${patientId}`, clinicId, Y.encodeStateAsUpdate(restricted), userId);
  return patientId;
}

/** Opens a provider and resolves with its document once synced. */
function openSynced(app: TestApp, name: string, cookie: string): Promise<{ doc: Y.Doc; provider: WebsocketProvider }> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsBaseOf(app), name, doc, {
    WebSocketPolyfill: class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    } as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: true
  });
  return new Promise((resolve) => provider.once('sync', () => resolve({ doc, provider })));
}

async function conditionCodes(app: TestApp, patientId: string, cookie: string): Promise<string[]> {
  const res = await getJson(app.url, `/fhir/R4/Condition?patient=${patientId}`, cookie);
  expect(res.status).toBe(200);
  const bundle = (await res.json()) as { entry?: { resource: { code: { coding: { code: string }[] } } }[] };
  return (bundle.entry ?? []).map((e) => e.resource.code.coding[0].code).sort();
}

describe('emergency access and restrictions', () => {
  let app: TestApp;
  let ids: Record<string, string>;
  let idsB: Record<string, string>;
  let patientId: string;
  const cookie: Record<string, string> = {};

  beforeAll(async () => {
    app = await startTestApp();
    const a = await addClinic(app, 'Clinic A', [
      { username: 'amara', roles: ['clinician'] },
      { username: 'ben', roles: ['clinician'] },
      { username: 'nora', roles: ['nurse'] },
      { username: 'priya', roles: ['frontdesk'] },
      { username: 'adam', roles: ['admin'] }
    ]);
    const b = await addClinic(app, 'Clinic B', [
      { username: 'bea', roles: ['clinician'] },
      { username: 'bo', roles: ['nurse'] },
      { username: 'bob', roles: ['admin'] }
    ]);
    ids = a.ids;
    idsB = b.ids;
    patientId = await seedPatient(app, a.clinicId, ids.amara);
    for (const u of ['amara', 'ben', 'nora', 'priya', 'adam', 'bea', 'bo', 'bob']) cookie[u] = await sessionCookieFor(app.url, u);
  });
  afterAll(async () => {
    await app.stop();
  });

  it('refuses emergency access without a reason, or with a token one, and the record stays closed', async () => {
    // Positive control: the patient's own clinic opens the chart.
    expect(await upgradeStatus(app, `chart:${patientId}`, cookie.amara)).toBe(101);
    expect(await upgradeStatus(app, `chart:${patientId}`, cookie.bea)).toBe(403);
    const none = await post(app, '/api/breakglass', cookie.bea, { patientId });
    expect(none.status).toBe(400);
    const blank = await post(app, '/api/breakglass', cookie.bea, { patientId, reason: '   emergency   ' });
    expect(blank.status).toBe(400);
    expect(((await blank.json()) as { error: { details: { message: string }[] } }).error.details[0].message).toBe('State why you need emergency access (at least 20 characters)');
    expect(await upgradeStatus(app, `chart:${patientId}`, cookie.bea)).toBe(403);
    const rows = app.db.prepare(`SELECT detail FROM audit_log WHERE action = 'breakglass.refused' AND user_id = ?`).all(idsB.bea) as { detail: string }[];
    expect(rows.map((r) => JSON.parse(r.detail).reason)).toEqual(['no-reason', 'no-reason']);
  });

  it('does not let a nurse, the front desk or an administrator break the glass', async () => {
    for (const u of ['bo', 'priya', 'bob']) {
      const res = await post(app, '/api/breakglass', cookie[u], { patientId, reason: REASON });
      expect(res.status, u).toBe(403);
    }
    expect(await upgradeStatus(app, `chart:${patientId}`, cookie.bo)).toBe(403);
  });

  it('with a reason, opens another clinic\'s patient for a limited time, audited with the reason', async () => {
    const res = await post(app, '/api/breakglass', cookie.bea, { patientId, reason: REASON });
    expect(res.status).toBe(201);
    const { grant } = (await res.json()) as { grant: { id: string; expiresAt: string } };
    const minutes = (Date.parse(grant.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(59);
    expect(minutes).toBeLessThanOrEqual(60);
    const { doc, provider } = await openSynced(app, `chart:${patientId}`, cookie.bea);
    expect(doc.getMap('conditions').size).toBe(2);
    provider.destroy();
    const active = (await (await getJson(app.url, '/api/breakglass/active', cookie.bea)).json()) as { grants: { patientId: string }[] };
    expect(active.grants.map((g) => g.patientId)).toEqual([patientId]);
    const granted = app.db.prepare(`SELECT target, detail FROM audit_log WHERE action = 'breakglass.grant' AND user_id = ?`).all(idsB.bea) as { target: string; detail: string }[];
    expect(granted).toHaveLength(1);
    expect(granted[0].target).toBe(`chart:${patientId}`);
    expect(JSON.parse(granted[0].detail).reason).toBe(REASON);
    const opened = app.db.prepare(`SELECT target FROM audit_log WHERE action = 'breakglass.open' AND user_id = ?`).all(idsB.bea) as { target: string }[];
    expect(opened.map((o) => o.target)).toEqual([`chart:${patientId}`]);
  });

  it('keeps a restricted part from a clinician of the same clinic the restriction does not name', async () => {
    // Without a restriction in force, nobody needs the restricted part.
    expect(await conditionCodes(app, patientId, cookie.ben)).toEqual(['F32.1', 'I10']);
    const made = await post(app, '/api/restrictions', cookie.amara, { patientId, category: 'mental-health', allowedUserIds: [], request: 'Patient asks that only Dr Amara sees her mental-health care.' });
    expect(made.status).toBe(201);
    expect(await upgradeStatus(app, `restricted:${patientId}`, cookie.amara)).toBe(101);
    expect(await upgradeStatus(app, `restricted:${patientId}`, cookie.ben)).toBe(403);
    expect(await upgradeStatus(app, `restricted:${patientId}`, cookie.nora)).toBe(403);
    // The FHIR API leaves out what the restriction covers (ICD-10-CM F01–F99), for the unnamed only.
    expect(await conditionCodes(app, patientId, cookie.amara)).toEqual(['F32.1', 'I10']);
    expect(await conditionCodes(app, patientId, cookie.ben)).toEqual(['I10']);
    const everything = (await (await getJson(app.url, `/fhir/R4/Patient/${patientId}/$everything`, cookie.ben)).json()) as { entry: { resource: { resourceType: string } }[] };
    expect(everything.entry.filter((e) => e.resource.resourceType === 'Condition')).toHaveLength(1);
    // The catch-up exchange refuses it too.
    const batch = await post(app, '/api/sync/batch', cookie.ben, { docs: [{ name: `restricted:${patientId}`, stateVector: Buffer.from(Y.encodeStateVector(new Y.Doc())).toString('base64') }] });
    const body = (await batch.json()) as { docs: { name: string; error?: { code: string } }[] };
    expect(batch.status, JSON.stringify(body)).toBe(200);
    expect(body.docs[0].error?.code).toBe('forbidden');
    const changes = (await (await getJson(app.url, '/api/sync/changes', cookie.ben)).json()) as { docs: string[] };
    expect(changes.docs).not.toContain(`restricted:${patientId}`);
    expect(changes.docs).toContain(`chart:${patientId}`);
  });

  it('opens the restricted part to the unnamed clinician only through emergency access', async () => {
    const res = await post(app, '/api/breakglass', cookie.ben, { patientId, reason: 'Acute self-harm risk, need psychiatric history for safe prescribing' });
    expect(res.status).toBe(201);
    const { doc, provider } = await openSynced(app, `restricted:${patientId}`, cookie.ben);
    expect(doc.getMap('conditions').size).toBe(1);
    provider.destroy();
    expect(await conditionCodes(app, patientId, cookie.ben)).toEqual(['F32.1', 'I10']);
    // A nurse cannot break the glass to get past it.
    expect((await post(app, '/api/breakglass', cookie.nora, { patientId, reason: REASON })).status).toBe(403);
    expect(await conditionCodes(app, patientId, cookie.nora)).toEqual(['I10']);
  });

  it('refuses a restriction from anyone but a clinician of the patient\'s clinic, and naming outsiders', async () => {
    const body = { patientId, category: 'hiv', allowedUserIds: [], request: 'Patient request' };
    expect((await post(app, '/api/restrictions', cookie.nora, body)).status).toBe(403);
    expect((await post(app, '/api/restrictions', cookie.priya, body)).status).toBe(403);
    expect((await post(app, '/api/restrictions', cookie.bea, body)).status).toBe(403);
    expect((await post(app, '/api/restrictions', cookie.amara, { ...body, allowedUserIds: [idsB.bea] })).status).toBe(400);
    expect((await post(app, '/api/restrictions', cookie.amara, { ...body, category: 'everything' })).status).toBe(400);
  });

  it("lists a clinic's break-glass uses to its administrators only, who mark them reviewed", async () => {
    const list = async (u: string) => (await getJson(app.url, '/api/breakglass/reviews', cookie[u])).json() as Promise<{ grants: { id: string; userName: string; reason: string; reviewedAt: string | null }[] }>;
    const a = await list('adam');
    expect(a.grants.map((g) => [g.userName, g.reason])).toEqual([['ben', 'Acute self-harm risk, need psychiatric history for safe prescribing']]);
    const b = await list('bob');
    expect(b.grants.map((g) => [g.userName, g.reason])).toEqual([['bea', REASON]]);
    for (const u of ['amara', 'nora', 'priya']) expect((await getJson(app.url, '/api/breakglass/reviews', cookie[u])).status, u).toBe(403);
    // Another clinic's administrator, or a clinician, cannot mark it.
    expect((await post(app, `/api/breakglass/${a.grants[0].id}/review`, cookie.bob, {})).status).toBe(404);
    expect((await post(app, `/api/breakglass/${a.grants[0].id}/review`, cookie.ben, {})).status).toBe(403);
    expect((await list('adam')).grants[0].reviewedAt).toBeNull();
    expect((await post(app, `/api/breakglass/${a.grants[0].id}/review`, cookie.adam, {})).status).toBe(200);
    expect((await list('adam')).grants[0].reviewedAt).not.toBeNull();
    const reviewed = app.db.prepare(`SELECT user_id AS userId FROM audit_log WHERE action = 'breakglass.review'`).all() as { userId: string }[];
    expect(reviewed).toEqual([{ userId: ids.adam }]);
  });
});

describe('when emergency access ends', () => {
  let app: TestApp;
  let patientId: string;
  let bea: string;

  beforeAll(async () => {
    // 0.03 minutes: the grant ends 1.8 s after it is made.
    app = await startTestApp({ breakGlassMinutes: 0.03 });
    const a = await addClinic(app, 'Clinic A', [{ username: 'amara', roles: ['clinician'] }]);
    await addClinic(app, 'Clinic B', [{ username: 'bea', roles: ['clinician'] }]);
    patientId = await seedPatient(app, a.clinicId, a.ids.amara);
    bea = await sessionCookieFor(app.url, 'bea');
  });
  afterAll(async () => {
    await app.stop();
  });

  it('closes the open connection and refuses the record again', async () => {
    expect((await post(app, '/api/breakglass', bea, { patientId, reason: REASON })).status).toBe(201);
    const ws = new WebSocket(`${wsBaseOf(app)}/chart:${patientId}`, { headers: { cookie: bea } });
    const opened = new Promise<void>((resolve) => ws.once('upgrade', () => resolve()));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await opened;
    expect(await closed).toEqual({ code: 4410, reason: 'emergency access ended' });
    expect(await upgradeStatus(app, `chart:${patientId}`, bea)).toBe(403);
    const expired = app.db.prepare(`SELECT target FROM audit_log WHERE action = 'breakglass.expire'`).all() as { target: string }[];
    expect(expired).toEqual([{ target: `chart:${patientId}` }]);
  });
});
