import { randomUUID } from 'node:crypto';
import { base64url, compactDecrypt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCondition, initChartDoc } from '../../src/lib/chart/chart-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * A patient restriction holds on every way out of the server, not only on
 * FHIR read and search: bulk `$export` (system, Group and Patient levels,
 * by staff and by an API client), `$everything`, `$summary`, the transfer
 * package (download, and the printed SMART Health Link decrypted as its
 * reader would). Inside the clinic, `$everything` and read/search answer
 * a named clinician in full; everything made to leave (an export, a
 * summary, a transfer) leaves the restricted out whoever asks. The patient has a mental-health problem (F32.1) and
 * hypertension (I10); each way out is first shown to carry F32.1 without a
 * restriction (so the checks can see it), then to leave it out while one is
 * in force, then to carry it again once the restriction is lifted.
 *
 * CDS Hooks is not among them: the server reads no chart for a hook (the
 * caller sends its own prefetch, cds/cds-request.ts).
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const PID = '5a0c1e2f-3b4d-4c6e-8f70-819a2b3c4d5e';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let app: TestApp;
let clinicId: string;
let ids: Record<string, string>;
const cookie: Record<string, string> = {};
let key: { privateKey: CryptoKey; publicKey: CryptoKey };
let clientId: string;

function post(path: string, who: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { cookie: cookie[who], 'content-type': 'application/json', origin: app.url }, body: JSON.stringify(body) });
}

async function clientToken(): Promise<string> {
  const tokenUrl = `${app.url}/auth/token`;
  const assertion = await new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS384', kid: 'k1', typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setExpirationTime(Math.floor(Date.now() / 1000) + 240)
    .sign(key.privateKey);
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope: 'system/*.rs' })
  });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token as string;
}

/** Who asks: a staff member's session, or an API client's bearer token. */
type Reader = { cookie: string } | { token: string };
const headersOf = (r: Reader): Record<string, string> => ('cookie' in r ? { cookie: r.cookie } : { authorization: `Bearer ${r.token}` });

/** The ICD-10-CM codes of the Conditions among these resources, sorted. */
function conditionCodes(resources: Json[]): string[] {
  return resources
    .filter((r) => r.resourceType === 'Condition')
    .flatMap((r) => (r.code?.coding ?? []).map((c: Json) => c.code as string))
    .sort();
}

/** Kicks off a bulk export, waits for it, downloads every file: the resources exported. */
async function bulk(kickOff: string, reader: Reader): Promise<Json[]> {
  const start = await fetch(`${app.url}/fhir/R4/${kickOff}`, { headers: { ...headersOf(reader), prefer: 'respond-async' } });
  expect(start.status, await start.clone().text()).toBe(202);
  const status = start.headers.get('content-location')!;
  let manifest: Json | null = null;
  // Polled as a client would (a signal, not a sleep before a negative check): 202 until the manifest.
  for (let polls = 0; polls < 500 && !manifest; polls++) {
    const res = await fetch(status, { headers: headersOf(reader) });
    if (res.status === 200) manifest = (await res.json()) as Json;
    else await new Promise((r) => setTimeout(r, 10));
  }
  if (!manifest) throw new Error('the export did not finish');
  const out: Json[] = [];
  for (const f of manifest.output as { url: string }[]) {
    const text = await (await fetch(f.url, { headers: headersOf(reader) })).text();
    for (const line of text.split('\n').filter(Boolean)) out.push(JSON.parse(line) as Json);
  }
  return out;
}

async function bundleResources(path: string, reader: Reader): Promise<Json[]> {
  const res = await fetch(`${app.url}/fhir/R4/${path}`, { headers: headersOf(reader) });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return (body.entry as { resource: Json }[]).map((e) => e.resource);
}

async function transferDownload(who: string): Promise<Json[]> {
  const res = await post(`/api/patients/${PID}/transfer`, who, { reason: 'Referral to the district hospital', noteIds: [], download: true });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return (body.entry as { resource: Json }[]).map((e) => e.resource);
}

/** Prints a transfer and reads its SMART Health Link as the receiving clinic would: fetch, decrypt with the key on the paper. */
async function healthLink(who: string): Promise<Json[]> {
  const res = await post(`/api/patients/${PID}/transfer`, who, { reason: 'Referral to the district hospital', noteIds: [], print: true });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode((body.shlink as string).slice('shlink:/'.length)))) as Json;
  const jwe = await (await fetch(`${payload.url}?recipient=${encodeURIComponent('District hospital')}`)).text();
  const { plaintext } = await compactDecrypt(jwe, base64url.decode(payload.key));
  const bundle = JSON.parse(new TextDecoder().decode(plaintext)) as Json;
  return (bundle.entry as { resource: Json }[]).map((e) => e.resource);
}

/** Every way out, as each reader named in the brief above: the Condition codes each one carries. */
async function everyWayOut(): Promise<Record<string, string[]>> {
  const amara = { cookie: cookie.amara };
  const ben = { cookie: cookie.ben };
  const client = { token: await clientToken() };
  return {
    'bulk system (named clinician)': conditionCodes(await bulk('$export', amara)),
    'bulk Group (administrator)': conditionCodes(await bulk(`Group/${clinicId}/$export`, { cookie: cookie.adam })),
    'bulk Patient (API client)': conditionCodes(await bulk('Patient/$export', client)),
    'bulk system (API client)': conditionCodes(await bulk('$export', client)),
    '$everything (unnamed clinician)': conditionCodes(await bundleResources(`Patient/${PID}/$everything`, ben)),
    '$everything (API client)': conditionCodes(await bundleResources(`Patient/${PID}/$everything`, client)),
    '$summary (unnamed clinician)': conditionCodes(await bundleResources(`Patient/${PID}/$summary`, ben)),
    '$summary (named clinician)': conditionCodes(await bundleResources(`Patient/${PID}/$summary`, amara)),
    '$summary (API client)': conditionCodes(await bundleResources(`Patient/${PID}/$summary`, client)),
    'transfer download (named clinician)': conditionCodes(await transferDownload('amara')),
    'printed health link (named clinician)': conditionCodes(await healthLink('amara'))
  };
}

const WAYS = [
  'bulk system (named clinician)',
  'bulk Group (administrator)',
  'bulk Patient (API client)',
  'bulk system (API client)',
  '$everything (unnamed clinician)',
  '$everything (API client)',
  '$summary (unnamed clinician)',
  '$summary (named clinician)',
  '$summary (API client)',
  'transfer download (named clinician)',
  'printed health link (named clinician)'
];

beforeAll(async () => {
  app = await startTestApp({ smart: { requestsPerMinute: 1000 } });
  ({ clinicId, ids } = await addClinic(app, 'North Clinic', [
    { username: 'amara', roles: ['clinician'] },
    { username: 'ben', roles: ['clinician'] },
    { username: 'adam', roles: ['admin'] }
  ]));
  key = await generateKeyPair('RS384', { extractable: true });
  clientId = app.apiClients.add({ clinicId, name: 'Registry feed', jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS384' }] }, scopes: ['system/*.rs'], createdBy: 'test' }).id;
  const actor = { id: ids.amara, name: 'Dr Amara' };
  const patient = new Y.Doc();
  initPatientDoc(patient, PID, { family: 'Okafor', given: ['Ada'], birthDate: '1980-02-03', gender: 'female' }, actor, 'OP-9');
  const chart = new Y.Doc();
  initChartDoc(chart, PID);
  addCondition(chart, { text: 'Major depressive disorder, single episode, moderate', coding: [{ system: ICD10, code: 'F32.1' }] }, actor);
  addCondition(chart, { text: 'Essential hypertension', coding: [{ system: ICD10, code: 'I10' }] }, actor);
  await app.sync.applyServerUpdate(`patient:${PID}`, clinicId, Y.encodeStateAsUpdate(patient), ids.amara, 'seed');
  await app.sync.applyServerUpdate(`chart:${PID}`, clinicId, Y.encodeStateAsUpdate(chart), ids.amara, 'seed');
  for (const u of ['amara', 'ben', 'adam']) cookie[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app.stop();
});

describe('a restriction on every way out', () => {
  it('without a restriction, every way out carries the mental-health problem (the checks can see it)', async () => {
    const out = await everyWayOut();
    expect(Object.keys(out)).toEqual(WAYS);
    for (const way of WAYS) expect(out[way], way).toEqual(['F32.1', 'I10']);
  });

  it('with a restriction in force, every way out leaves it out, even when a named clinician sends it', async () => {
    const made = await post('/api/restrictions', 'amara', { patientId: PID, category: 'mental-health', allowedUserIds: [], request: 'Only Dr Amara' });
    expect(made.status).toBe(201);
    const out = await everyWayOut();
    for (const way of WAYS) expect(out[way], way).toEqual(['I10']);
    // In the clinic, the named clinician still reads it (the reader is her, not another system).
    expect(conditionCodes(await bundleResources(`Patient/${PID}/$everything`, { cookie: cookie.amara }))).toEqual(['F32.1', 'I10']);
    // The audit says what left, in counts: the completed export counted one Condition.
    const completed = app.db.prepare(`SELECT detail FROM audit_log WHERE action = 'fhir.export' ORDER BY seq DESC`).all() as { detail: string }[];
    const last = completed.map((r) => JSON.parse(r.detail) as Json).find((d) => d.interaction === 'complete')!;
    expect(last.counts.Condition).toBe(1);
  });

  it('once lifted (with a reason), the problem goes out again', async () => {
    const list = (await (await getJson(app.url, `/api/restrictions?patient=${PID}`, cookie.amara)).json()) as { restrictions: { id: string }[] };
    expect(list.restrictions).toHaveLength(1);
    const lifted = await post(`/api/restrictions/${list.restrictions[0].id}/end`, 'amara', { reason: 'Patient withdrew the request at today\'s visit' });
    expect(lifted.status).toBe(200);
    const out = await everyWayOut();
    for (const way of WAYS) expect(out[way], way).toEqual(['F32.1', 'I10']);
  });
});
