import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { recordVitals } from '../../src/lib/chart/vitals-doc';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * Bulk Data `$export` with SMART Backend Services bearer tokens, on the real
 * server: a client gets a token with a key made here, kicks off, polls,
 * downloads and deletes an export with it. Each refusal (no read scope, a
 * type outside the scopes, another clinic's Group, another client's job, a
 * revoked token) sits next to a request that is accepted.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const SOUTH_PID = '2d9a3b5c-7e4f-4a01-9c3d-4e5f6a7b8c92';
const ALLERGY = 'a1111111-1111-4111-8111-111111111111';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let app: TestApp;
let northId: string;
let southId: string;
let doc: string;
let key: { privateKey: CryptoKey; publicKey: CryptoKey };
const clients: Record<'full' | 'other' | 'patientOnly' | 'searchOnly' | 'south', string> = { full: '', other: '', patientOnly: '', searchOnly: '', south: '' };

beforeAll(async () => {
  app = await startTestApp({ smart: { requestsPerMinute: 1000 } });
  ({ clinicId: northId } = await addClinic(app, 'North Clinic', [{ username: 'doc', roles: ['clinician'] }]));
  ({ clinicId: southId } = await addClinic(app, 'South Clinic', [{ username: 'southdoc', roles: ['clinician'] }]));
  key = await generateKeyPair('RS384', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS384' }] };
  const add = (clinicId: string, name: string, scopes: string[]) => app.apiClients.add({ clinicId, name, jwks, scopes, createdBy: 'test' }).id;
  clients.full = add(northId, 'Registry feed', ['system/*.rs']);
  clients.other = add(northId, 'Second feed', ['system/*.rs']);
  clients.patientOnly = add(northId, 'Demographics', ['system/Patient.rs']);
  clients.searchOnly = add(northId, 'Search only', ['system/*.s']);
  clients.south = add(southId, 'South feed', ['system/*.rs']);

  const actor = { id: 'seed', name: 'Dr Seed' };
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1980-04-02', gender: 'female' }, actor, 'OP-1');
  const chart = new Y.Doc();
  initChartDoc(chart, PID);
  addAllergy(chart, { substance: 'Penicillin', category: 'medication', recordedDate: '2026-01-05' }, actor, ALLERGY);
  recordVitals(chart, { heartRate: 72 }, actor, '2026-02-01T09:00:00.000Z');
  const southPatient = new Y.Doc();
  initPatientDoc(southPatient, SOUTH_PID, { family: 'Bello', given: ['Tunde'], birthDate: '1975-01-01', gender: 'male' }, actor, 'OP-2');
  await app.sync.applyServerUpdate(`patient:${PID}`, northId, Y.encodeStateAsUpdate(patient), 'seed', 'seed');
  await app.sync.applyServerUpdate(`chart:${PID}`, northId, Y.encodeStateAsUpdate(chart), 'seed', 'seed');
  await app.sync.applyServerUpdate(`patient:${SOUTH_PID}`, southId, Y.encodeStateAsUpdate(southPatient), 'seed', 'seed');
  doc = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

async function tokenFor(clientId: string, scope = 'system/*.rs'): Promise<string> {
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS384', kid: 'k1', typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(`${app.url}/auth/token`)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 240)
    .sign(key.privateKey);
  const res = await fetch(`${app.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope })
  });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token as string;
}

type Auth = { token?: string; cookie?: string };
const headersOf = (a: Auth): Record<string, string> => ({
  ...(a.token ? { authorization: `Bearer ${a.token}` } : {}),
  ...(a.cookie ? { cookie: a.cookie } : {})
});

async function kickOff(pathname: string, a: Auth): Promise<{ status: number; statusUrl: string | null; body: Json }> {
  const res = await fetch(`${app.url}/fhir/R4/${pathname}`, { headers: { ...headersOf(a), prefer: 'respond-async', accept: 'application/fhir+json' } });
  return { status: res.status, statusUrl: res.headers.get('content-location'), body: (await res.json()) as Json };
}

/** Polls until the manifest (200); the job is this clinic's only one, so it ends quickly. */
async function manifestOf(statusUrl: string, a: Auth): Promise<Json> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(statusUrl, { headers: headersOf(a) });
    if (res.status === 200) return (await res.json()) as Json;
    expect(res.status).toBe(202);
    await res.body?.cancel();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the export did not finish');
}

async function download(url: string, a: Auth): Promise<{ status: number; lines: Json[] }> {
  const res = await fetch(url, { headers: headersOf(a) });
  const text = await res.text();
  return { status: res.status, lines: res.status === 200 ? text.trim().split('\n').map((l) => JSON.parse(l) as Json) : [] };
}

async function remove(statusUrl: string, a: Auth): Promise<number> {
  const res = await fetch(statusUrl, { method: 'DELETE', headers: headersOf(a) });
  await res.body?.cancel();
  return res.status;
}

const exportAudit = () =>
  (app.db.prepare("SELECT user_id, detail FROM audit_log WHERE action = 'fhir.export' ORDER BY seq").all() as { user_id: string | null; detail: string }[]).map((r) => ({
    user: r.user_id,
    detail: JSON.parse(r.detail) as Json
  }));

describe('bulk $export with a SMART backend token', () => {
  it('system/*.rs: kick-off, poll, download and delete with the token alone, its clinic only, audited with the client id', async () => {
    const auditBefore = exportAudit().length;
    const token = await tokenFor(clients.full);
    const k = await kickOff('$export', { token });
    expect(k.status, JSON.stringify(k.body)).toBe(202);
    expect(k.statusUrl).toMatch(new RegExp(`^${app.url}/fhir/R4/\\$export-status/[0-9a-f-]{36}$`));
    const manifest = await manifestOf(k.statusUrl!, { token });
    expect(manifest.requiresAccessToken).toBe(true);
    expect(manifest.output.map((o: Json) => [o.type, o.count]).sort()).toEqual([['AllergyIntolerance', 1], ['Observation', 1], ['Patient', 1]]);
    const patients = manifest.output.find((o: Json) => o.type === 'Patient');
    const file = await download(patients.url, { token });
    expect(file.status).toBe(200);
    // North's one patient; South's is not in North's export.
    expect(file.lines.map((r) => r.id)).toEqual([PID]);
    const allergies = await download(manifest.output.find((o: Json) => o.type === 'AllergyIntolerance').url, { token });
    expect(allergies.lines.map((r) => r.id)).toEqual([ALLERGY]);
    expect(await remove(k.statusUrl!, { token })).toBe(202);
    expect((await fetch(k.statusUrl!, { headers: headersOf({ token }) })).status).toBe(404);

    const rows = exportAudit().slice(auditBefore);
    expect(rows.map((r) => [r.user, r.detail.interaction, r.detail.clientId])).toEqual([
      [null, 'kick-off', clients.full],
      [null, 'complete', clients.full],
      [null, 'download', clients.full],
      [null, 'download', clients.full],
      [null, 'delete', clients.full]
    ]);
    expect(rows[0].detail).toEqual({ interaction: 'kick-off', level: 'system', types: 'all', since: false, clientId: clients.full });
  });

  it('system/Patient.rs gets only Patient files; a _type outside its scopes is 403, never a file silently left out', async () => {
    const token = await tokenFor(clients.patientOnly, 'system/Patient.rs');
    const outside = await kickOff('$export?_type=Patient,Observation', { token });
    expect(outside.status).toBe(403);
    expect(outside.body.issue[0]).toMatchObject({ code: 'forbidden', diagnostics: 'The granted scopes do not allow reading Observation' });

    const k = await kickOff('Patient/$export', { token });
    expect(k.status, JSON.stringify(k.body)).toBe(202);
    const manifest = await manifestOf(k.statusUrl!, { token });
    expect(manifest.output.map((o: Json) => [o.type, o.count])).toEqual([['Patient', 1]]);
    const audit = exportAudit().filter((r) => r.detail.clientId === clients.patientOnly);
    expect(audit[0].detail.types).toEqual(['Patient']);
    expect(await remove(k.statusUrl!, { token })).toBe(202);
  });

  it('a token without read scope (system/*.s) is refused 403 and audited', async () => {
    const token = await tokenFor(clients.searchOnly, 'system/*.s');
    const r = await kickOff('$export', { token });
    expect(r.status).toBe(403);
    expect(r.body.issue[0].diagnostics).toBe('The granted scopes do not allow reading any resource type');
    const denied = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'authz.denied' ORDER BY seq DESC LIMIT 1").get() as { detail: string };
    expect(JSON.parse(denied.detail)).toEqual({ reason: 'scope', clientId: clients.searchOnly });
  });

  it("another clinic's Group is 404 (as unknown); the client's own Group is exported", async () => {
    const token = await tokenFor(clients.full);
    const other = await kickOff(`Group/${southId}/$export`, { token });
    expect(other.status).toBe(404);
    const own = await kickOff(`Group/${northId}/$export`, { token });
    expect(own.status).toBe(202);
    await manifestOf(own.statusUrl!, { token });
    expect(await remove(own.statusUrl!, { token })).toBe(202);

    const southToken = await tokenFor(clients.south);
    const south = await kickOff(`Group/${southId}/$export`, { token: southToken });
    expect(south.status).toBe(202);
    const manifest = await manifestOf(south.statusUrl!, { token: southToken });
    const file = await download(manifest.output[0].url, { token: southToken });
    expect(file.lines.map((x) => x.id)).toEqual([SOUTH_PID]);
    expect(await remove(south.statusUrl!, { token: southToken })).toBe(202);
  });

  it("a job is its client's alone: another client of the same clinic and a staff session get 404 on status, files and DELETE", async () => {
    const token = await tokenFor(clients.full);
    const otherToken = await tokenFor(clients.other);
    const k = await kickOff('$export', { token });
    expect(k.status).toBe(202);
    const manifest = await manifestOf(k.statusUrl!, { token });
    const url = manifest.output[0].url as string;
    for (const a of [{ token: otherToken }, { cookie: doc }]) {
      expect((await fetch(k.statusUrl!, { headers: headersOf(a) })).status).toBe(404);
      expect((await download(url, a)).status).toBe(404);
      expect(await remove(k.statusUrl!, a)).toBe(404);
    }
    // Still the owner's.
    expect((await download(url, { token })).status).toBe(200);
    expect(await remove(k.statusUrl!, { token })).toBe(202);

    // And a staff member's job is not a client's.
    const staff = await kickOff('$export', { cookie: doc });
    expect(staff.status).toBe(202);
    await manifestOf(staff.statusUrl!, { cookie: doc });
    expect((await fetch(staff.statusUrl!, { headers: headersOf({ token }) })).status).toBe(404);
    expect(await remove(staff.statusUrl!, { cookie: doc })).toBe(202);
  });

  it('an unknown or revoked token is 401 invalid_token, even beside a valid session', async () => {
    const bad = await kickOff('$export', { token: 'garbage', cookie: doc });
    expect(bad.status).toBe(401);
    const token = await tokenFor(clients.other);
    app.apiClients.setDisabled(clients.other, true);
    const res = await fetch(`${app.url}/fhir/R4/$export`, { headers: { ...headersOf({ token }), prefer: 'respond-async' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    await res.body?.cancel();
    app.apiClients.setDisabled(clients.other, false);
  });
});
