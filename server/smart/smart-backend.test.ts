import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { recordVitals } from '../../src/lib/chart/vitals-doc';
import { runAdmin } from '../cli/admin-commands';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * SMART Backend Services on the real server: a client registered with the
 * admin CLI signs a client assertion with its own key (made here), gets a
 * bearer token and reads the FHIR API and calls CDS Hooks with it. Each way
 * an assertion or a token must be refused is tried once, next to a request
 * that is accepted, and each expects the exact OAuth error or status.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PID = '0b7e1f3a-5c2d-4e8f-9a1b-2c3d4e5f6a70';
const SOUTH_PID = '2d9a3b5c-7e4f-4a01-9c3d-4e5f6a7b8c92';
const ALLERGY = 'a1111111-1111-4111-8111-111111111111';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let app: TestApp;
/** The server's clock for assertions and tokens (ms); tests move it forward. */
let nowMs = Date.UTC(2026, 11, 6, 9, 0, 0);
const nowSec = () => Math.floor(nowMs / 1000);
let northId: string;
let doc: string;
let rsKey: { privateKey: CryptoKey; publicKey: CryptoKey };
let esKey: { privateKey: CryptoKey; publicKey: CryptoKey };
let otherKey: { privateKey: CryptoKey; publicKey: CryptoKey };
/** Registered through the CLI: North, system/*.rs, keys rs1 (RS384) and es1 (ES384). */
let full: string;
let patientOnly: string;
let south: string;
let disabled: string;
let tokenUrl: string;

async function jwks(): Promise<Json> {
  return {
    keys: [
      { ...(await exportJWK(rsKey.publicKey)), kid: 'rs1', alg: 'RS384' },
      { ...(await exportJWK(esKey.publicKey)), kid: 'es1', alg: 'ES384' }
    ]
  };
}

beforeAll(async () => {
  app = await startTestApp({ smart: { now: () => nowMs, tokenLifetimeSeconds: 300, requestsPerMinute: 1000 } });
  tokenUrl = `${app.url}/auth/token`;
  ({ clinicId: northId } = await addClinic(app, 'North Clinic', [{ username: 'doc', roles: ['clinician'] }]));
  const { clinicId: southId } = await addClinic(app, 'South Clinic', [{ username: 'southdoc', roles: ['clinician'] }]);
  rsKey = await generateKeyPair('RS384', { extractable: true });
  esKey = await generateKeyPair('ES384', { extractable: true });
  otherKey = await generateKeyPair('RS384', { extractable: true });

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

  // The administrator's way in: the CLI, against the running server's data directory.
  const keyFile = path.join(app.dataDir, 'client-jwks.json');
  fs.writeFileSync(keyFile, JSON.stringify(await jwks()));
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), askPassword: async () => '' };
  expect(await runAdmin(['add-api-client', '--clinic', 'North Clinic', '--name', 'Registry feed', '--jwks-file', keyFile, '--scopes', 'system/*.rs', '--by', 'it-admin'], app.dataDir, io)).toBe(0);
  full = /Client id: (\S+)/.exec(lines.join('\n'))![1];
  patientOnly = app.apiClients.add({ clinicId: northId, name: 'Demographics', jwks: await jwks(), scopes: ['system/Patient.rs'], createdBy: 'test' }).id;
  south = app.apiClients.add({ clinicId: southId, name: 'South feed', jwks: await jwks(), scopes: ['system/*.rs'], createdBy: 'test' }).id;
  disabled = app.apiClients.add({ clinicId: northId, name: 'Retired', jwks: await jwks(), scopes: ['system/*.rs'], createdBy: 'test' }).id;
  doc = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

interface AssertionOpts {
  alg?: string;
  kid?: string;
  key?: CryptoKey | Uint8Array;
  aud?: string;
  exp?: number;
  jti?: string;
  iss?: string;
  sub?: string;
}

function assertion(clientId: string, o: AssertionOpts = {}): Promise<string> {
  const alg = o.alg ?? 'RS384';
  return new SignJWT({ jti: o.jti ?? randomUUID() })
    .setProtectedHeader({ alg, kid: o.kid ?? (alg === 'ES384' ? 'es1' : 'rs1'), typ: 'JWT' })
    .setIssuer(o.iss ?? clientId)
    .setSubject(o.sub ?? clientId)
    .setAudience(o.aud ?? tokenUrl)
    .setExpirationTime(o.exp ?? nowSec() + 240)
    .sign(o.key ?? (alg === 'ES384' ? esKey.privateKey : rsKey.privateKey));
}

async function requestToken(clientAssertion: string, scope = 'system/*.rs', extra: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion, scope, ...extra })
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function tokenFor(clientId: string, scope = 'system/*.rs'): Promise<string> {
  const r = await requestToken(await assertion(clientId), scope);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.access_token as string;
}

async function fhir(pathname: string, token: string | null, cookie?: string): Promise<{ status: number; body: Json; auth: string | null }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (cookie) headers.cookie = cookie;
  const res = await fetch(`${app.url}/fhir/R4/${pathname}`, { headers });
  return { status: res.status, body: (await res.json()) as Json, auth: res.headers.get('www-authenticate') };
}

const refusedAs = (r: { status: number; body: Json }, status: number, error: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error).toBe(error);
  expect(r.body).not.toHaveProperty('access_token');
};

describe('discovery', () => {
  it('smart-configuration at the root and under the FHIR base', async () => {
    const expected = {
      token_endpoint: `${app.url}/auth/token`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      grant_types_supported: ['client_credentials'],
      scopes_supported: ['system/*.rs', 'system/*.read', 'system/Patient.rs', 'system/*.r', 'system/*.s'],
      capabilities: ['client-confidential-asymmetric']
    };
    for (const p of ['/.well-known/smart-configuration', '/fhir/R4/.well-known/smart-configuration']) {
      const res = await fetch(`${app.url}${p}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(expected);
    }
  });

  it('the CapabilityStatement names the SMART service and the token endpoint', async () => {
    const r = await fhir('metadata', null, doc);
    expect(r.status).toBe(200);
    const security = r.body.rest[0].security;
    expect(security.service[0].coding[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' });
    expect(security.extension).toEqual([
      { url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: `${app.url}/auth/token` }] }
    ]);
  });
});

describe('the whole flow', () => {
  it('CLI registration → assertion → token → FHIR search, read and $everything, audited with the client id', async () => {
    const list: string[] = [];
    await runAdmin(['list-api-clients'], app.dataDir, { out: (l) => list.push(l), askPassword: async () => '' });
    expect(list.find((l) => l.startsWith(full))).toContain('active   ');
    expect(list.find((l) => l.startsWith(full))).toContain('system/*.rs  Registry feed  (by it-admin');

    const r = await requestToken(await assertion(full));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'system/*.rs' });
    expect(r.body.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = r.body.access_token as string;

    const search = await fhir(`AllergyIntolerance?patient=${PID}`, token);
    expect(search.status).toBe(200);
    expect(search.body.entry.map((e: Json) => e.resource.id)).toEqual([ALLERGY]);
    expect((await fhir(`Patient/${PID}`, token)).body.id).toBe(PID);
    const all = await fhir(`Patient/${PID}/$everything`, token);
    expect(all.status).toBe(200);
    expect(all.body.entry.map((e: Json) => e.resource.resourceType).sort()).toEqual(['AllergyIntolerance', 'Observation', 'Patient']);

    const rows = app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'fhir.read' ORDER BY seq").all() as { user_id: string | null; target: string; detail: string }[];
    expect(rows.map((x) => ({ user: x.user_id, target: x.target, detail: JSON.parse(x.detail) }))).toEqual([
      { user: null, target: `chart:${PID}`, detail: { interaction: 'search', resourceType: 'AllergyIntolerance', count: 1, clientId: full } },
      { user: null, target: `patient:${PID}`, detail: { interaction: 'read', resourceType: 'Patient', count: 1, clientId: full } },
      { user: null, target: `chart:${PID}`, detail: { interaction: 'everything', resourceType: 'Patient', count: 3, kept: 0, clientId: full, resourceTypes: ['AllergyIntolerance', 'Observation', 'Patient'] } }
    ]);
    const issued = app.db.prepare("SELECT user_id, detail FROM audit_log WHERE action = 'auth.token' AND outcome = 'success' ORDER BY seq LIMIT 1").get() as { user_id: null; detail: string };
    expect(issued.user_id).toBeNull();
    expect(JSON.parse(issued.detail)).toEqual({ clientId: full, scopes: ['system/*.rs'], expiresIn: 300 });
    // The token is kept hashed only.
    const stored = app.db.prepare('SELECT token_hash FROM api_access_tokens').all() as { token_hash: string }[];
    expect(stored.some((s) => s.token_hash === token)).toBe(false);
    expect(stored.length).toBeGreaterThan(0);
  });

  it('an ES384 assertion works as well', async () => {
    const r = await requestToken(await assertion(full, { alg: 'ES384' }));
    expect(r.status).toBe(200);
  });

  it('CDS Hooks accepts the bearer token; a bad token is 401', async () => {
    const token = await tokenFor(full);
    const body = {
      hook: 'order-sign',
      hookInstance: 'a4b8f1a0-6c55-4c0e-9b7e-6f0f2b1c9d11',
      context: {
        userId: 'Practitioner/1',
        patientId: 'p1',
        draftOrders: { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'MedicationRequest', status: 'draft', medicationCodeableConcept: { text: 'clarithromycin 500 mg tablet' } } }] }
      },
      prefetch: {
        medications: { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'MedicationRequest', status: 'active', medicationCodeableConcept: { text: 'simvastatin 40 mg tablet' } } }] },
        allergies: null
      }
    };
    const call = (auth: string | null) =>
      fetch(`${app.url}/cds-services/outpost-drug-checks`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: JSON.stringify(body) });
    const ok = await call(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Json).cards.find((c: Json) => c.summary.startsWith('CYP3A4-metabolised statin'))?.indicator).toBe('critical');
    const bad = await call('Bearer not-a-token');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await call(null)).status).toBe(401);
    const audited = app.db.prepare("SELECT user_id, detail FROM audit_log WHERE action = 'cds.call'").all() as { user_id: null; detail: string }[];
    expect(audited.map((a) => [a.user_id, JSON.parse(a.detail)])).toEqual([[null, { service: 'outpost-drug-checks', clientId: full }]]);
  });
});

describe('token requests that are refused', () => {
  it('an expired assertion: invalid_client', async () => {
    refusedAs(await requestToken(await assertion(full, { exp: nowSec() - 5 })), 401, 'invalid_client');
  });

  it('an assertion living longer than five minutes: invalid_client', async () => {
    expect((await requestToken(await assertion(full, { exp: nowSec() + 300 }))).status).toBe(200);
    refusedAs(await requestToken(await assertion(full, { exp: nowSec() + 301 })), 401, 'invalid_client');
  });

  it('the wrong audience: invalid_client', async () => {
    refusedAs(await requestToken(await assertion(full, { aud: `${app.url}/auth/token/` })), 401, 'invalid_client');
    refusedAs(await requestToken(await assertion(full, { aud: 'https://elsewhere.example/auth/token' })), 401, 'invalid_client');
    const both = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS384', kid: 'rs1' })
      .setIssuer(full)
      .setSubject(full)
      .setAudience([tokenUrl, 'https://elsewhere.example/auth/token'])
      .setExpirationTime(nowSec() + 60)
      .sign(rsKey.privateKey);
    refusedAs(await requestToken(both), 401, 'invalid_client');
  });

  it('a replayed jti: the first use works, the second is invalid_client', async () => {
    const jti = randomUUID();
    expect((await requestToken(await assertion(full, { jti }))).status).toBe(200);
    refusedAs(await requestToken(await assertion(full, { jti })), 401, 'invalid_client');
    const reason = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'auth.token' AND outcome = 'failure' ORDER BY seq DESC LIMIT 1").get() as { detail: string };
    expect(JSON.parse(reason.detail)).toEqual({ error: 'invalid_client', reason: 'replay', clientId: full });
  });

  it('an unknown client: invalid_client', async () => {
    refusedAs(await requestToken(await assertion(randomUUID())), 401, 'invalid_client');
  });

  it('iss and sub that differ: invalid_client', async () => {
    refusedAs(await requestToken(await assertion(full, { sub: patientOnly })), 401, 'invalid_client');
  });

  it('a disabled client: its token requests and its tokens are refused', async () => {
    const token = await tokenFor(disabled);
    expect((await fhir(`Patient/${PID}`, token)).status).toBe(200);
    const lines: string[] = [];
    expect(await runAdmin(['disable-api-client', '--client', disabled], app.dataDir, { out: (l) => lines.push(l), askPassword: async () => '' })).toBe(0);
    expect(lines).toEqual([`API client ${disabled} is now disabled`]);
    refusedAs(await requestToken(await assertion(disabled)), 401, 'invalid_client');
    const r = await fhir(`Patient/${PID}`, token);
    expect(r.status).toBe(401);
    expect(r.auth).toBe('Bearer error="invalid_token"');
    const audited = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'api-client.disable'").get() as { detail: string };
    expect(JSON.parse(audited.detail)).toEqual({ clientId: disabled, disabled: true, via: 'admin-cli' });
  });

  it('signed with a key that is not registered: invalid_client', async () => {
    refusedAs(await requestToken(await assertion(full, { key: otherKey.privateKey })), 401, 'invalid_client');
    refusedAs(await requestToken(await assertion(full, { key: otherKey.privateKey, kid: 'unknown' })), 401, 'invalid_client');
  });

  it('HS256 (with the public key as the secret) and alg none: invalid_client', async () => {
    const publicJwk = JSON.stringify(await exportJWK(rsKey.publicKey));
    refusedAs(await requestToken(await assertion(full, { alg: 'HS256', key: new TextEncoder().encode(publicJwk) })), 401, 'invalid_client');
    const none = new UnsecuredJWT({ jti: randomUUID() }).setIssuer(full).setSubject(full).setAudience(tokenUrl).setExpirationTime(nowSec() + 60).encode();
    refusedAs(await requestToken(none), 401, 'invalid_client');
  });

  it('RS256 with a registered RSA key that names no alg: invalid_client (RS384 with the same key works)', async () => {
    const { alg: _alg, ...bare } = (await jwks()).keys[0];
    const id = app.apiClients.add({ clinicId: northId, name: 'No alg on key', jwks: { keys: [bare] }, scopes: ['system/*.rs'], createdBy: 'test' }).id;
    expect((await requestToken(await assertion(id))).status).toBe(200);
    const rs256 = await importJWK(await exportJWK(rsKey.privateKey), 'RS256');
    refusedAs(await requestToken(await assertion(id, { alg: 'RS256', key: rs256 as CryptoKey })), 401, 'invalid_client');
  });

  it('scopes the client is not registered for: invalid_scope; a partial overlap grants the intersection', async () => {
    refusedAs(await requestToken(await assertion(patientOnly), 'system/Observation.rs'), 400, 'invalid_scope');
    refusedAs(await requestToken(await assertion(full), 'user/*.rs launch'), 400, 'invalid_scope');
    const narrowed = await requestToken(await assertion(patientOnly), 'system/*.rs');
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('system/Patient.rs');
    const v1 = await requestToken(await assertion(full), 'system/*.read system/Observation.write');
    expect(v1.body.scope).toBe('system/*.read');
  });

  it('another grant type: unsupported_grant_type', async () => {
    refusedAs(await requestToken(await assertion(full), 'system/*.rs', { grant_type: 'authorization_code' }), 400, 'unsupported_grant_type');
  });
});

describe('what a token may read', () => {
  it('scopes per resource type: system/Patient.rs reads the Patient but not an Observation (403 OperationOutcome)', async () => {
    const token = await tokenFor(patientOnly, 'system/Patient.rs');
    expect((await fhir(`Patient/${PID}`, token)).status).toBe(200);
    const obs = await fhir(`Observation?patient=${PID}`, token);
    expect(obs.status).toBe(403);
    expect(obs.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] });
    expect((await fhir(`AllergyIntolerance/${ALLERGY}`, token)).status).toBe(403);
    const all = await fhir(`Patient/${PID}/$everything`, token);
    expect(all.body.entry.map((e: Json) => e.resource.resourceType)).toEqual(['Patient']);
  });

  it('system/Observation.rs searches Observations but may not _include the Patient, nor read it', async () => {
    const id = app.apiClients.add({ clinicId: northId, name: 'Vitals feed', jwks: await jwks(), scopes: ['system/Observation.rs'], createdBy: 'test' }).id;
    const token = await tokenFor(id, 'system/Observation.rs');
    const plain = await fhir(`Observation?patient=${PID}`, token);
    expect(plain.status).toBe(200);
    expect(plain.body.entry.map((e: Json) => e.resource.resourceType)).toEqual(['Observation']);
    expect((await fhir(`Observation?patient=${PID}&_include=Observation:patient`, token)).status).toBe(403);
    expect((await fhir(`Patient/${PID}`, token)).status).toBe(403);
    expect((await fhir(`Patient/${PID}/$everything`, token)).status).toBe(403);
  });

  it('$summary: system/*.rs gets the whole summary, audited with the client id', async () => {
    const token = await tokenFor(full);
    const r = await fhir(`Patient/${PID}/$summary`, token);
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('document');
    expect(r.body.entry.map((e: Json) => e.resource.resourceType).sort()).toEqual(['AllergyIntolerance', 'Composition', 'Observation', 'Organization', 'Patient']);
    const allergies = r.body.entry[0].resource.section.find((s: Json) => s.code.coding[0].code === '48765-2');
    expect(allergies.entry).toEqual([{ reference: `AllergyIntolerance/${ALLERGY}` }]);
    const row = app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'fhir.read' ORDER BY seq DESC LIMIT 1").get() as { user_id: string | null; target: string; detail: string };
    expect({ user: row.user_id, target: row.target, detail: JSON.parse(row.detail) }).toEqual({
      user: null,
      target: `chart:${PID}`,
      detail: { interaction: 'summary', resourceType: 'Patient', count: 5, clientId: full }
    });
  });

  it('$summary: scopes short of a type the summary may list are 403, not a summary with a section left out', async () => {
    const scopes = 'system/Patient.rs system/AllergyIntolerance.rs';
    const id = app.apiClients.add({ clinicId: northId, name: 'Allergy feed', jwks: await jwks(), scopes: scopes.split(' '), createdBy: 'test' }).id;
    const token = await tokenFor(id, scopes);
    expect((await fhir(`Patient/${PID}`, token)).status).toBe(200);
    expect((await fhir(`AllergyIntolerance/${ALLERGY}`, token)).status).toBe(200);
    const r = await fhir(`Patient/${PID}/$summary`, token);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden' }] });
    const denied = app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'authz.denied' ORDER BY seq DESC LIMIT 1").get() as { user_id: string | null; target: string; detail: string };
    expect({ user: denied.user_id, target: denied.target, detail: JSON.parse(denied.detail) }).toEqual({
      user: null,
      target: 'fhir:Condition',
      detail: { reason: 'scope', resourceType: 'Condition', interaction: 'read', clientId: id }
    });
    const patientOnlyToken = await tokenFor(patientOnly, 'system/Patient.rs');
    expect((await fhir(`Patient/${PID}/$summary`, patientOnlyToken)).status).toBe(403);
  });

  // Bulk $export with a bearer token: smart-bulk-export.test.ts.

  it("a token of clinic South: its own patient yes, North's patient 404 as unknown", async () => {
    const token = await tokenFor(south);
    expect((await fhir(`Patient/${SOUTH_PID}`, token)).status).toBe(200);
    const r = await fhir(`Patient/${PID}`, token);
    expect(r.status).toBe(404);
    expect(r.body.issue[0].code).toBe('not-found');
    expect((await fhir(`AllergyIntolerance/${ALLERGY}`, token)).status).toBe(404);
    expect((await fhir(`Patient/${PID}/$everything`, token)).status).toBe(404);
    expect((await fhir(`AllergyIntolerance?patient=${PID}`, token)).body.total).toBe(0);
  });

  it('a token expires after its lifetime: 401 invalid_token', async () => {
    const token = await tokenFor(full);
    nowMs += 299_000;
    expect((await fhir(`Patient/${PID}`, token)).status).toBe(200);
    nowMs += 1_000;
    const r = await fhir(`Patient/${PID}`, token);
    expect(r.status).toBe(401);
    expect(r.auth).toBe('Bearer error="invalid_token"');
    expect(r.body.issue[0].code).toBe('login');
  });

  it('an unknown bearer token is 401 even beside a valid session; the session alone still reads', async () => {
    expect((await fhir(`Patient/${PID}`, 'garbage', doc)).status).toBe(401);
    expect((await fhir(`Patient/${PID}`, null, doc)).status).toBe(200);
  });
});

describe('admin CLI refusals', () => {
  it('refuses unknown scopes, a JWKS holding a private key, a key without kid, an unknown clinic and an unknown client', async () => {
    const run = async (args: string[]) => {
      const lines: string[] = [];
      const code = await runAdmin(args, app.dataDir, { out: (l) => lines.push(l), askPassword: async () => '' });
      return { code, text: lines.join('\n') };
    };
    const write = (name: string, value: unknown) => {
      const f = path.join(app.dataDir, name);
      fs.writeFileSync(f, JSON.stringify(value));
      return f;
    };
    const pub = write('pub.json', await jwks());
    const add = (file: string, scopes = 'system/*.rs', clinic = 'North Clinic') => run(['add-api-client', '--clinic', clinic, '--name', 'X', '--jwks-file', file, '--scopes', scopes]);
    expect(await add(pub, 'user/*.rs')).toEqual({ code: 2, text: 'Error: Scopes are SMART system scopes such as "system/*.rs", "system/Patient.rs" or "system/*.read", separated by spaces' });
    const priv = write('priv.json', { keys: [{ ...(await exportJWK(rsKey.privateKey)), kid: 'rs1' }] });
    expect(await add(priv)).toEqual({ code: 2, text: 'Error: The JWKS holds a private key; register only the public keys' });
    const noKid = write('nokid.json', { keys: [await exportJWK(rsKey.publicKey)] });
    expect(await add(noKid)).toEqual({ code: 2, text: 'Error: Each key needs a "kid"' });
    expect(await add(pub, 'system/*.rs', 'Nowhere')).toEqual({ code: 2, text: 'Error: No clinic "Nowhere"' });
    expect(await run(['disable-api-client', '--client', randomUUID()])).toMatchObject({ code: 2 });
    // Positive control: the same public JWKS and scopes register.
    expect((await add(pub)).code).toBe(0);
  });
});

describe('behind a proxy', () => {
  it('with a public URL the assertion must name that token endpoint, and discovery and metadata say so', async () => {
    const proxied = await startTestApp({ smart: { publicUrl: 'https://outpost.clinic.example' } });
    try {
      const { clinicId } = await addClinic(proxied, 'Proxied Clinic', [{ username: 'pdoc', roles: ['clinician'] }]);
      const id = proxied.apiClients.add({ clinicId, name: 'Feed', jwks: await jwks(), scopes: ['system/*.rs'], createdBy: 'test' }).id;
      const config = (await (await fetch(`${proxied.url}/.well-known/smart-configuration`)).json()) as Json;
      expect(config.token_endpoint).toBe('https://outpost.clinic.example/auth/token');
      const post = async (aud: string) => {
        const a = await new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'RS384', kid: 'rs1' }).setIssuer(id).setSubject(id).setAudience(aud).setExpirationTime('2m').sign(rsKey.privateKey);
        const res = await fetch(`${proxied.url}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: a, scope: 'system/*.rs' })
        });
        return { status: res.status, body: (await res.json()) as Json };
      };
      refusedAs(await post(`${proxied.url}/auth/token`), 401, 'invalid_client');
      const ok = await post('https://outpost.clinic.example/auth/token');
      expect(ok.status).toBe(200);
      const meta = (await (await fetch(`${proxied.url}/fhir/R4/metadata`, { headers: { authorization: `Bearer ${ok.body.access_token}` } })).json()) as Json;
      expect(meta.rest[0].security.extension[0].extension).toEqual([{ url: 'token', valueUri: 'https://outpost.clinic.example/auth/token' }]);
    } finally {
      await proxied.stop();
    }
  });
});

describe('rate limit of the token endpoint', () => {
  it('too many requests from one address: 429 with Retry-After', async () => {
    const limited = await startTestApp({ smart: { requestsPerMinute: 2 } });
    try {
      const post = () =>
        fetch(`${limited.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
      expect((await post()).status).toBe(400);
      expect((await post()).status).toBe(400);
      const third = await post();
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });

  it('repeated failures for one client from one address: 429', async () => {
    const limited = await startTestApp({ smart: { failureLimits: { windowMs: 60_000, perPair: 2, perIp: 100, perUsername: 100 } } });
    try {
      const post = () =>
        fetch(`${limited.url}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: 'x.y.z', scope: 'system/*.rs' })
        });
      expect((await post()).status).toBe(401);
      expect((await post()).status).toBe(401);
      expect((await post()).status).toBe(429);
    } finally {
      await limited.stop();
    }
  });
});
