import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc, readPatient, updatePatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn, type PatientSummary } from '../../src/lib/domain/patient';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from './test-app';

let app: TestApp;
let wsBase: string;
let patientId: string;
let clinicA: string;
let amaraId: string;
const providers: WebsocketProvider[] = [];

/** A stock websocket that sends the session cookie, as a browser does on the upgrade request. */
function webSocketWithCookie(cookie: string | null) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, cookie ? { headers: { cookie } } : {});
    }
  };
}

function openProvider(name: string, cookie: string, doc = new Y.Doc()): { doc: Y.Doc; provider: WebsocketProvider } {
  const provider = new WebsocketProvider(wsBase, name, doc, {
    WebSocketPolyfill: webSocketWithCookie(cookie) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200
  });
  providers.push(provider);
  return { doc, provider };
}

function synced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
}

async function waitFor(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The HTTP status the server answers a websocket upgrade with (101 when it is accepted). */
function upgradeStatus(name: string, cookie: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/${name}`, cookie ? { headers: { cookie } } : {});
    ws.on('upgrade', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

beforeAll(async () => {
  app = await startTestApp();
  wsBase = app.url.replace(/^http/, 'ws') + '/sync';
  const a = await addClinic(app, 'Clinic A', [
    { username: 'amara', roles: ['clinician'] },
    { username: 'priya', roles: ['frontdesk'] }
  ]);
  await addClinic(app, 'Clinic B', [{ username: 'b.nurse', roles: ['nurse'] }]);
  clinicA = a.clinicId;
  amaraId = a.ids.amara;
  patientId = crypto.randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, patientId, { family: 'Dlamini', given: ['Thandiwe'], birthDate: '1975-04-12', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
  await app.sync.applyServerUpdate(docName('patient', patientId), clinicA, Y.encodeStateAsUpdate(doc), a.ids.amara);
  const chart = new Y.Doc();
  initChartDoc(chart, patientId);
  await app.sync.applyServerUpdate(docName('chart', patientId), clinicA, Y.encodeStateAsUpdate(chart), a.ids.amara);
});

afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
});

afterAll(async () => {
  await app.stop();
});

describe('sync through the platform', () => {
  it('a signed-in clinician edits a patient over the websocket and the patient list follows', async () => {
    const cookie = await sessionCookieFor(app.url, 'amara');
    const { doc, provider } = openProvider(docName('patient', patientId), cookie);
    await synced(provider);
    expect(readPatient(doc)?.family).toBe('Dlamini');

    updatePatient(doc, { family: 'Dlamini-Nkosi' }, { id: 'amara', name: 'amara' });
    await waitFor(async () => {
      const body = (await (await getJson(app.url, '/api/patients', cookie)).json()) as { patients: PatientSummary[] };
      return body.patients.some((p) => p.id === patientId && p.name.family === 'Dlamini-Nkosi');
    });
    const stored = app.db.prepare('SELECT user_id FROM doc_updates WHERE name = ? ORDER BY seq DESC LIMIT 1').get(docName('patient', patientId)) as { user_id: string };
    expect(stored.user_id).toBe(amaraId);
  });

  it('refuses the upgrade with 401 without a session', async () => {
    expect(await upgradeStatus(docName('patient', patientId), null)).toBe(401);
    expect(await upgradeStatus(docName('patient', patientId), 'outpost_session=' + 'A'.repeat(43))).toBe(401);
  });

  it('refuses the front desk a chart (403) but opens the patient document', async () => {
    const cookie = await sessionCookieFor(app.url, 'priya');
    expect(await upgradeStatus(docName('chart', patientId), cookie)).toBe(403);
    expect(await upgradeStatus(docName('patient', patientId), cookie)).toBe(101);
  });

  it("refuses another clinic's staff (403)", async () => {
    const cookie = await sessionCookieFor(app.url, 'b.nurse');
    expect(await upgradeStatus(docName('patient', patientId), cookie)).toBe(403);
  });

  it('answers the batch catch-up and the change list over HTTP', async () => {
    const cookie = await sessionCookieFor(app.url, 'amara');
    const changes = (await (await getJson(app.url, '/api/sync/changes', cookie)).json()) as { docs: string[]; cursor: string };
    expect(changes.docs.sort()).toEqual([docName('chart', patientId), docName('patient', patientId)].sort());

    const res = await fetch(`${app.url}/api/sync/batch`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        docs: [{ name: docName('patient', patientId), stateVector: Buffer.from(Y.encodeStateVector(new Y.Doc())).toString('base64') }],
        updates: []
      })
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { docs: { name: string; update: string }[] };
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Buffer.from(body.docs[0].update, 'base64'));
    expect(readPatient(copy)?.given).toEqual(['Thandiwe']);

    expect((await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    const huge = await fetch(`${app.url}/api/sync/batch`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ docs: [], updates: [], pad: 'x'.repeat(9 * 1024 * 1024) })
    });
    expect(huge.status).toBe(413);
  });
});
