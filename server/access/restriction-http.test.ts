import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * Recording and lifting a patient's restriction, as crafted requests: who
 * may record one (a clinician or an administrator of the patient's clinic;
 * never a nurse, the front desk or another clinic), what an unnamed user
 * learns of it (that one exists, nothing more), who may lift it (a named
 * clinician or an administrator, with a reason), and the audit trail.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PID = '6b1d2f30-4c5e-4d7f-8a81-92ab3c4d5e6f';

let app: TestApp;
let ids: Record<string, string>;
let idsB: Record<string, string>;
const cookie: Record<string, string> = {};

function post(path: string, who: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { cookie: cookie[who], 'content-type': 'application/json', origin: app.url }, body: JSON.stringify(body) });
}

async function answer(res: Promise<Response>): Promise<{ status: number; body: Json }> {
  const r = await res;
  return { status: r.status, body: (await r.json()) as Json };
}

const list = (who: string) => answer(getJson(app.url, `/api/restrictions?patient=${PID}`, cookie[who]));

function upgradeStatus(name: string, who: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/sync/${name}`, { headers: { cookie: cookie[who] } });
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

const audited = (action: string) =>
  (app.db.prepare(`SELECT user_id AS userId, target, outcome, detail FROM audit_log WHERE action = ? ORDER BY seq`).all(action) as { userId: string; target: string; outcome: string; detail: string }[]).map((r) => ({
    ...r,
    detail: JSON.parse(r.detail) as Json
  }));

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'North Clinic', [
    { username: 'amara', roles: ['clinician'] },
    { username: 'ben', roles: ['clinician'] },
    { username: 'nora', roles: ['nurse'] },
    { username: 'priya', roles: ['frontdesk'] },
    { username: 'adam', roles: ['admin'] }
  ]);
  const b = await addClinic(app, 'South Clinic', [{ username: 'bea', roles: ['clinician'] }]);
  ids = a.ids;
  idsB = b.ids;
  const actor = { id: ids.amara, name: 'Dr Amara' };
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1980-02-03', gender: 'female' }, actor, 'OP-7');
  await app.sync.applyServerUpdate(`patient:${PID}`, a.clinicId, Y.encodeStateAsUpdate(patient), ids.amara, 'seed');
  const restricted = new Y.Doc();
  initChartDoc(restricted, PID, 'restricted');
  await app.sync.applyServerUpdate(`restricted:${PID}`, a.clinicId, Y.encodeStateAsUpdate(restricted), ids.amara, 'seed');
  for (const u of ['amara', 'ben', 'nora', 'priya', 'adam', 'bea']) cookie[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app.stop();
});

describe('recording a restriction', () => {
  const body = () => ({ patientId: PID, category: 'hiv', allowedUserIds: [ids.nora], requestedOn: '2026-12-01', request: 'Only Dr Amara and Nurse Nora' });

  it('refuses a nurse, the front desk and another clinic\'s clinician, each audited', async () => {
    for (const u of ['nora', 'priya', 'bea']) {
      const r = await answer(post('/api/restrictions', u, body()));
      expect(r.status, u).toBe(403);
      expect(r.body.error.message).toBe("Only a clinician or an administrator of the patient's clinic may record or lift a restriction.");
    }
    expect(audited('authz.denied').map((a) => a.userId)).toEqual([ids.nora, ids.priya, idsB.bea]);
    expect((await list('amara')).body.restrictions).toEqual([]);
  });

  it('refuses what is not a restriction, with a readable reason, and records nothing', async () => {
    const cases: [Json, string, string][] = [
      [{ ...body(), category: 'everything' }, 'category', 'Choose what part of the record to restrict'],
      [{ ...body(), requestedOn: '2026-02-31' }, 'requestedOn', 'A date (YYYY-MM-DD)'],
      [{ ...body(), requestedOn: 'yesterday' }, 'requestedOn', 'A date (YYYY-MM-DD)'],
      [{ ...body(), allowedUserIds: [idsB.bea] }, 'allowedUserIds', 'Not a clinical user of this clinic'],
      [{ ...body(), allowedUserIds: [ids.priya] }, 'allowedUserIds', 'Not a clinical user of this clinic'],
      [{ ...body(), requestedOn: '2999-01-01' }, 'requestedOn', 'A date not after today']
    ];
    for (const [input, path, message] of cases) {
      const r = await answer(post('/api/restrictions', 'amara', input));
      expect(r.status, path).toBe(400);
      expect(r.body.error.details).toEqual([{ path, message }]);
    }
    // An administrator has no chart access: naming nobody would close the part to everyone.
    const none = await answer(post('/api/restrictions', 'adam', { ...body(), allowedUserIds: [] }));
    expect(none.status).toBe(400);
    expect(none.body.error.message).toBe('Name at least one clinician or nurse who may still see this part of the record.');
    expect((await list('amara')).body.restrictions).toEqual([]);
  });

  it('a clinician records it, naming herself and a nurse; the unnamed learn only that one exists', async () => {
    // Before any restriction the part is the care team's: Ben's socket opens, and is closed once the restriction names others.
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/sync/restricted:${PID}`, { headers: { cookie: cookie.ben } });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', () => reject(new Error('refused before any restriction')));
    });
    const made = await answer(post('/api/restrictions', 'amara', body()));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const named = await list('amara');
    expect(named.body.restrictions).toEqual([
      {
        id: made.body.restriction.id,
        named: true,
        category: 'hiv',
        allowed: [
          { id: ids.amara, name: 'amara' },
          { id: ids.nora, name: 'nora' }
        ],
        requestedOn: '2026-12-01',
        note: 'Only Dr Amara and Nurse Nora',
        recordedBy: 'amara',
        recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        mayLift: true
      }
    ]);
    expect(named.body.grantExpiresAt).toBeNull();
    // Ben is not named: the chart may say that part is restricted, never which part or who sees it.
    const unnamed = await list('ben');
    expect(unnamed.body.restrictions).toEqual([{ id: made.body.restriction.id, named: false }]);
    expect(JSON.stringify(unnamed.body)).not.toContain('hiv');
    expect(JSON.stringify(named.body)).toContain('hiv');
    // The front desk does not learn of it at all.
    expect((await list('priya')).status).toBe(403);
    // The sync server follows: the named open the restricted part, the unnamed do not.
    expect(await upgradeStatus(`restricted:${PID}`, 'nora')).toBe(101);
    expect(await upgradeStatus(`restricted:${PID}`, 'ben')).toBe(403);
    expect(await closed).toEqual({ code: 4410, reason: "restricted at the patient's request" });
    expect(audited('restriction.create')).toEqual([
      { userId: ids.amara, target: `restricted:${PID}`, outcome: 'success', detail: { restriction: made.body.restriction.id, category: 'hiv', allowed: 2, connectionsClosed: 1 } }
    ]);
  });

  it('an administrator records one for named clinical staff, and is not named by it', async () => {
    const made = await answer(post('/api/restrictions', 'adam', { patientId: PID, category: 'mental-health', allowedUserIds: [ids.amara] }));
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.restriction.allowed).toEqual([{ id: ids.amara, name: 'amara' }]);
    expect(made.body.restriction.named).toBe(false);
    expect(made.body.restriction.requestedOn).toBe(new Date().toISOString().slice(0, 10));
    expect(made.body.restriction.note).toBe('');
  });

  it('lists the care team to name: clinicians and nurses of the clinic only, to clinicians and administrators', async () => {
    const r = await answer(getJson(app.url, '/api/restrictions/care-team', cookie.adam));
    expect(r.body.people.map((p: Json) => [p.name, p.roles])).toEqual([
      ['amara', ['clinician']],
      ['ben', ['clinician']],
      ['nora', ['nurse']]
    ]);
    expect((await getJson(app.url, '/api/restrictions/care-team', cookie.priya)).status).toBe(403);
    expect((await getJson(app.url, '/api/restrictions/care-team', cookie.nora)).status).toBe(403);
  });
});

describe('lifting a restriction', () => {
  it('refuses a clinician it does not name, a nurse and the front desk; needs a reason; the named clinician lifts it, audited', async () => {
    const hiv = (await list('amara')).body.restrictions.find((r: Json) => r.category === 'hiv');
    const reason = 'Patient withdrew the request at the visit today';
    expect((await post(`/api/restrictions/${hiv.id}/end`, 'ben', { reason })).status).toBe(403);
    expect((await post(`/api/restrictions/${hiv.id}/end`, 'nora', { reason })).status).toBe(403);
    expect((await post(`/api/restrictions/${hiv.id}/end`, 'priya', { reason })).status).toBe(403);
    const short = await answer(post(`/api/restrictions/${hiv.id}/end`, 'amara', { reason: 'no' }));
    expect(short.status).toBe(400);
    expect(short.body.error.details).toEqual([{ path: 'reason', message: 'State why the restriction is lifted (at least 10 characters)' }]);
    expect((await list('amara')).body.restrictions).toHaveLength(2);

    const lifted = await post(`/api/restrictions/${hiv.id}/end`, 'amara', { reason });
    expect(lifted.status).toBe(200);
    expect((await list('amara')).body.restrictions.map((r: Json) => r.category)).toEqual(['mental-health']);
    expect((await post(`/api/restrictions/${hiv.id}/end`, 'amara', { reason })).status).toBe(404);
    expect(audited('restriction.end')).toEqual([
      { userId: ids.amara, target: `restricted:${PID}`, outcome: 'success', detail: { restriction: hiv.id, category: 'hiv', reason } }
    ]);
    const row = app.db.prepare('SELECT ended_by AS endedBy, end_reason AS endReason FROM patient_restrictions WHERE id = ?').get(hiv.id);
    expect(row).toEqual({ endedBy: ids.amara, endReason: reason });
  });

  it('an administrator lifts the last one; the restricted part is then the care team\'s again', async () => {
    expect(await upgradeStatus(`restricted:${PID}`, 'ben')).toBe(403);
    const [mh] = (await list('adam')).body.restrictions;
    expect(mh.mayLift).toBe(true);
    expect((await post(`/api/restrictions/${mh.id}/end`, 'adam', { reason: 'Recorded on the wrong patient by mistake' })).status).toBe(200);
    expect((await list('ben')).body.restrictions).toEqual([]);
    expect(await upgradeStatus(`restricted:${PID}`, 'ben')).toBe(101);
  });
});
