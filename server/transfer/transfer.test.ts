import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { acceptIncoming, listIncoming, pendingIncoming } from '../../src/lib/chart/incoming-doc';
import { listAllergies, listConditions } from '../../src/lib/chart/chart-doc';
import { listMedicationRecords } from '../../src/lib/chart/medication-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { runAdmin } from '../cli/admin-commands';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { SYNTHEA_DIR } from '../seed/synthea';

/**
 * Transfer between two real servers (two clinics, two databases): a
 * Synthea record imported at A is sent to B, lands there as incoming
 * records awaiting reconciliation, and once a clinician at B accepts them
 * B holds the same allergies, problems and medications (counts, codes,
 * dates) as A. A second transfer adds nothing; a patient B cannot match
 * with certainty is held for a match review instead of merged. All traffic
 * is on loopback.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const FIXTURE = 'Kermit_Trantow_f1a650a5-737e-4fd7-828e-03c3348b9524.json';
const load = (): Json => JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, FIXTURE), 'utf8'));

let a: TestApp;
let b: TestApp;
let clinicB: string;
let clinicB2: string;
let cookieA: string;
let cookieB: string;
let cookieB2: string;
let patientA: string;
let docB: { id: string; name: string };

async function admin(app: TestApp, args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const code = await runAdmin(args, app.dataDir, { out: (l) => lines.push(l), askPassword: async () => '' });
  expect(code, lines.join('\n')).toBe(0);
  return lines;
}

const json = (res: Response) => res.json() as Promise<Json>;
const post = (base: string, p: string, cookie: string, body: unknown, type = 'application/json') =>
  fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': type, cookie }, body: JSON.stringify(body) });
const get = (base: string, p: string, cookie: string) => fetch(`${base}${p}`, { headers: { cookie } });

async function chartOf(app: TestApp, clinicId: string, patientId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(docName('chart', patientId), clinicId);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

/** A clinician's device: accepts every pending incoming record and syncs the change through the batch API, as the app does. */
async function acceptAll(app: TestApp, clinicId: string, cookie: string, patientId: string, actor: { id: string; name: string }): Promise<number> {
  const doc = await chartOf(app, clinicId, patientId);
  const before = Y.encodeStateVector(doc);
  const pending = pendingIncoming(doc);
  for (const r of pending) acceptIncoming(doc, r.id, actor);
  const name = docName('chart', patientId);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  const res = await post(app.url, '/api/sync/batch', cookie, { docs: [{ name, stateVector: b64(Y.encodeStateVector(doc)) }], updates: [{ name, update: b64(Y.encodeStateAsUpdate(doc, before)) }] });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.docs[0].error).toBeUndefined();
  return pending.length;
}

function audited(app: TestApp, action: string): { outcome: string; target: string; detail: Json }[] {
  const rows = app.db.prepare('SELECT outcome, target, detail FROM audit_log WHERE action = ? ORDER BY rowid').all(action) as { outcome: string; target: string; detail: string | null }[];
  return rows.map((r) => ({ outcome: r.outcome, target: r.target, detail: r.detail ? (JSON.parse(r.detail) as Json) : {} }));
}

const HISTORY = ['AllergyIntolerance', 'Condition', 'MedicationRequest', 'MedicationStatement'];
const codeOf = (c: Json | undefined) => (c?.coding ?? []).map((x: Json) => `${x.system}|${x.code}`)[0] ?? `text|${c?.text}`;
const dateOf = (r: Json) => r.onsetDateTime ?? r.recordedDate ?? r.authoredOn ?? r.dateAsserted ?? '';

/** Allergies, problems and medications of a $everything answer: per type, sorted `code date status` lines (entered-in-error and "no known allergies" left out). */
function clinicalContent(everything: Json): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of everything.entry as Json[]) {
    const r = e.resource;
    if (!HISTORY.includes(r.resourceType)) continue;
    if (r.verificationStatus?.coding?.[0]?.code === 'entered-in-error' || r.status === 'entered-in-error') continue;
    if (r.code?.coding?.[0]?.code === '716186003') continue;
    const code = codeOf(r.code ?? r.medicationCodeableConcept);
    const status = r.clinicalStatus?.coding?.[0]?.code ?? r.status ?? '';
    (out[r.resourceType] ??= []).push(`${code} ${dateOf(r)} ${status}`);
  }
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startTestApp(), startTestApp()]);
  const ca = await addClinic(a, 'Hill Clinic', [
    { username: 'doc-a', roles: ['clinician'] },
    { username: 'nurse-a', roles: ['nurse'] }
  ]);
  const cb = await addClinic(b, 'Valley Clinic', [{ username: 'doc-b', roles: ['clinician'] }]);
  clinicB = cb.clinicId;
  docB = { id: cb.ids['doc-b'], name: 'doc-b' };
  ({ clinicId: clinicB2 } = await addClinic(b, 'Lake Clinic', [{ username: 'doc-b2', roles: ['clinician'] }]));
  [cookieA, cookieB, cookieB2] = await Promise.all([sessionCookieFor(a.url, 'doc-a'), sessionCookieFor(b.url, 'doc-b'), sessionCookieFor(b.url, 'doc-b2')]);

  // B's administrators issue keys to Hill Clinic; A's administrator registers B's clinics as destinations with them.
  const keyB = (await admin(b, ['issue-transfer-key', '--clinic', 'Valley Clinic', '--name', 'Hill Clinic'])).join('\n').match(/otk_\S+/)![0];
  const keyB2 = (await admin(b, ['issue-transfer-key', '--clinic', 'Lake Clinic', '--name', 'Hill Clinic'])).join('\n').match(/otk_\S+/)![0];
  await admin(a, ['add-destination', '--clinic', ca.clinicId, '--name', 'Valley Clinic', '--url', `${b.url}/fhir/R4`, '--key', keyB]);
  await admin(a, ['add-destination', '--clinic', ca.clinicId, '--name', 'Lake Clinic', '--url', b.url, '--key', keyB2]);

  const imported = await json(await post(a.url, '/fhir/R4', cookieA, load(), 'application/fhir+json'));
  patientA = imported.entry.find((e: Json) => e.response.location?.startsWith('Patient/')).response.location.slice('Patient/'.length);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function destination(name: string): Promise<string> {
  const list = await json(await get(a.url, '/api/transfer/destinations', cookieA));
  return list.destinations.find((d: Json) => d.name === name).id;
}

async function transfer(to: string): Promise<Json> {
  const res = await post(a.url, `/api/patients/${patientA}/transfer`, cookieA, { destinationId: await destination(to), reason: 'Follow-up of asthma near home', noteIds: [] });
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('transfer between two clinics', () => {
  let patientB: string;
  let expected: Record<string, string[]>;

  it('arrives at B as incoming records awaiting reconciliation, nothing in the active lists', async () => {
    expected = clinicalContent(await json(await get(a.url, `/fhir/R4/Patient/${patientA}/$everything`, cookieA)));
    // Positive control: the fixture has allergies, problems and medications to carry.
    expect(expected.AllergyIntolerance?.length).toBeGreaterThan(0);
    expect(expected.Condition?.length).toBeGreaterThan(0);
    expect(expected.MedicationRequest?.length).toBeGreaterThan(0);

    expect(await transfer('Valley Clinic')).toMatchObject({ state: 'delivered', destination: 'Valley Clinic' });
    const patients = b.patients.list(clinicB);
    expect(patients).toHaveLength(1);
    expect(patients[0].name).toEqual({ family: 'Trantow', given: ['Kermit'] });
    patientB = patients[0].id;

    const chart = await chartOf(b, clinicB, patientB);
    const pending = pendingIncoming(chart);
    const byType = (c: string) => pending.filter((r) => r.collection === c);
    expect(byType('allergies')).toHaveLength(expected.AllergyIntolerance.length);
    expect(byType('conditions')).toHaveLength(expected.Condition.length);
    expect(byType('medications')).toHaveLength((expected.MedicationRequest?.length ?? 0) + (expected.MedicationStatement?.length ?? 0));
    const codes = (c: string) => byType(c).map((r) => r.code).sort();
    const expectedCodes = (t: string) => (expected[t] ?? []).map((l) => l.split(' ')[0]).sort();
    expect(codes('allergies')).toEqual(expectedCodes('AllergyIntolerance'));
    expect(codes('conditions')).toEqual(expectedCodes('Condition'));
    expect(pending.every((r) => r.sourceName === 'Hill Clinic' && /^\d{4}-\d{2}-\d{2}T/.test(r.sourceDate ?? ''))).toBe(true);
    expect(listAllergies(chart)).toEqual([]);
    expect(listConditions(chart)).toEqual([]);
    expect(listMedicationRecords(chart)).toEqual([]);
    // What B's own FHIR API serves has none of them yet.
    expect(clinicalContent(await json(await get(b.url, `/fhir/R4/Patient/${patientB}/$everything`, cookieB)))).toEqual({});
    const sent = audited(b, 'import').filter((e) => e.outcome === 'success');
    expect(sent.at(-1)?.detail).toMatchObject({ via: 'transfer-key', matchedBy: 'new' });
    expect(audited(a, 'transfer.send').at(-1)).toMatchObject({ outcome: 'success', target: docName('chart', patientA) });
  });

  it('once accepted at B, B holds the same allergies, problems and medications as A', async () => {
    const accepted = await acceptAll(b, clinicB, cookieB, patientB, docB);
    expect(accepted).toBeGreaterThan(0);
    const atB = clinicalContent(await json(await get(b.url, `/fhir/R4/Patient/${patientB}/$everything`, cookieB)));
    expect(atB).toEqual(expected);
    const chart = await chartOf(b, clinicB, patientB);
    expect(pendingIncoming(chart)).toEqual([]);
    const stored = (chart.getMap('allergies').values().next().value as Y.Map<unknown>).toJSON();
    expect(stored).toMatchObject({ sourceName: 'Hill Clinic', reconciledBy: 'doc-b' });
  });

  it('a second transfer of the same patient duplicates nothing', async () => {
    const before = await chartOf(b, clinicB, patientB);
    const incomingBefore = listIncoming(before).length;
    expect(await transfer('Valley Clinic')).toMatchObject({ state: 'delivered', staged: 0 });
    expect(b.patients.list(clinicB)).toHaveLength(1);
    const after = await chartOf(b, clinicB, patientB);
    expect(listIncoming(after)).toHaveLength(incomingBefore);
    expect(pendingIncoming(after)).toEqual([]);
    expect(clinicalContent(await json(await get(b.url, `/fhir/R4/Patient/${patientB}/$everything`, cookieB)))).toEqual(expected);
  });

  it('a patient matched only by name and birth date, with another record number, is held for review, not merged', async () => {
    // Lake Clinic already has a Kermit Trantow of the same birth date, from the same hospital under another number.
    const other = load();
    const p = other.entry.find((e: Json) => e.resource.resourceType === 'Patient').resource;
    p.id = '0a6a1b8e-3c55-4e0c-9d0f-5a3e8e0b7a11';
    for (const i of p.identifier) i.value = `another-${i.value}`;
    other.entry = other.entry.filter((e: Json) => e.resource.resourceType === 'Patient');
    other.entry[0].fullUrl = `urn:uuid:${p.id}`;
    const seeded = await post(b.url, '/fhir/R4', cookieB2, other, 'application/fhir+json');
    expect(seeded.status).toBe(200);
    expect(b.patients.list(clinicB2)).toHaveLength(1);
    const existing = b.patients.list(clinicB2)[0].id;

    expect(await transfer('Lake Clinic')).toMatchObject({ state: 'awaiting-match-review' });
    expect(b.patients.list(clinicB2)).toHaveLength(1);
    expect(pendingIncoming(await chartOf(b, clinicB2, existing))).toEqual([]);
    const reviews = await json(await get(b.url, '/api/transfer/match-reviews', cookieB2));
    expect(reviews.reviews).toHaveLength(1);
    expect(reviews.reviews[0]).toMatchObject({ reason: 'identifier-conflict', incoming: { birthDate: p.birthDate }, candidates: [{ id: existing }] });

    // The clinician decides: another person. The record becomes a new patient, its entries awaiting reconciliation.
    const decided = await json(await post(b.url, `/api/transfer/match-reviews/${reviews.reviews[0].id}`, cookieB2, { newPatient: true }));
    expect(decided.newPatient).toBe(true);
    expect(b.patients.list(clinicB2)).toHaveLength(2);
    expect(pendingIncoming(await chartOf(b, clinicB2, decided.patientId)).length).toBeGreaterThan(0);
    expect(pendingIncoming(await chartOf(b, clinicB2, existing))).toEqual([]);
    expect((await json(await get(b.url, '/api/transfer/match-reviews', cookieB2))).reviews).toEqual([]);
  });

  it('a transfer key sends records only; a transaction with it is refused, and a wrong key is not a session', async () => {
    const key = (await admin(b, ['issue-transfer-key', '--clinic', 'Valley Clinic', '--name', 'Someone'])).join('\n').match(/otk_\S+/)![0];
    const tx = await fetch(`${b.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${key}` }, body: JSON.stringify(load()) });
    expect(tx.status).toBe(403);
    const wrong = await fetch(`${b.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${key.slice(0, -2)}xx` }, body: '{}' });
    expect(wrong.status).toBe(401);
    expect(b.patients.list(clinicB)).toHaveLength(1);
  });

  it('only a clinician transfers', async () => {
    const nurse = await sessionCookieFor(a.url, 'nurse-a');
    const before = audited(a, 'transfer.send').length;
    const res = await post(a.url, `/api/patients/${patientA}/transfer`, nurse, { destinationId: await destination('Valley Clinic'), reason: 'x', noteIds: [] });
    expect(res.status).toBe(403);
    expect(audited(a, 'transfer.send')).toHaveLength(before);
    expect((await get(a.url, '/api/transfer/destinations', nurse)).status).toBe(403);
    // Positive control: the clinician's list answers.
    expect((await get(a.url, '/api/transfer/destinations', cookieA)).status).toBe(200);
  });

  it('download gives the same document as a file', async () => {
    const res = await post(a.url, `/api/patients/${patientA}/transfer`, cookieA, { download: true, reason: 'Patient moving', noteIds: [] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="patient-record-\d{4}-\d{2}-\d{2}\.json"$/);
    const bundle = await json(res);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'document' });
    expect(bundle.entry[0].resource.resourceType).toBe('Composition');
    expect(bundle.entry[0].resource.section.map((s: Json) => s.title)).toContain('Reason for referral');
    expect(audited(a, 'transfer.download')).toHaveLength(1);
  });

  it('a key revoked with the admin CLI is refused at once (the sender is told), and a removed destination cannot be chosen any more', async () => {
    // Positive control: Valley Clinic takes the record while its key is active.
    expect(await transfer('Valley Clinic')).toMatchObject({ state: 'delivered' });
    const keys = await admin(b, ['list-transfer-keys', '--clinic', 'Valley Clinic']);
    const hill = keys.filter((l) => l.includes('  active   Hill Clinic'));
    expect(hill).toHaveLength(1);
    const keyId = hill[0].split(' ')[0];

    // Revoked while B runs: the next transfer is refused by B, and A says so.
    expect((await admin(b, ['revoke-transfer-key', '--clinic', 'Valley Clinic', '--key-id', keyId]))[0]).toBe(
      `Revoked transfer key ${keyId} of "Valley Clinic": records sent with it are refused from now on`
    );
    const deniedBefore = audited(b, 'authz.denied').length;
    const res = await post(a.url, `/api/patients/${patientA}/transfer`, cookieA, { destinationId: await destination('Valley Clinic'), reason: 'Follow-up', noteIds: [] });
    expect(res.status).toBe(403);
    expect((await json(res)).error.message).toBe('Valley Clinic did not accept the record (HTTP 401).');
    expect(audited(b, 'authz.denied').slice(deniedBefore)).toEqual([{ outcome: 'failure', target: 'fhir-import', detail: { reason: 'transfer-key-invalid' } }]);
    expect(audited(a, 'transfer.send').at(-1)).toMatchObject({ outcome: 'failure', detail: { status: 401 } });
    expect((await admin(b, ['list-transfer-keys', '--clinic', 'Valley Clinic'])).find((l) => l.startsWith(keyId))).toContain(' revoked  Hill Clinic  (issued ');
    // A second revoke of the same key is a mistake the CLI names.
    const again: string[] = [];
    expect(await runAdmin(['revoke-transfer-key', '--clinic', 'Valley Clinic', '--key-id', keyId], b.dataDir, { out: (l) => again.push(l), askPassword: async () => '' })).toBe(2);
    expect(again[0]).toBe(`Error: No active transfer key "${keyId}" of "Valley Clinic" (see list-transfer-keys)`);

    // The destination removed at A: no longer listed, and its id (as a queued transfer holds it) is refused.
    const id = await destination('Valley Clinic');
    const clinicA = (a.db.prepare("SELECT clinic_id FROM users WHERE username = 'doc-a'").get() as { clinic_id: string }).clinic_id;
    expect((await admin(a, ['remove-destination', '--clinic', clinicA, '--destination', 'valley clinic']))[0]).toBe(`Removed destination "Valley Clinic" (${b.url}/fhir/R4) of "Hill Clinic"`);
    const list = await json(await get(a.url, '/api/transfer/destinations', cookieA));
    expect(list.destinations.map((d: Json) => d.name)).toEqual(['Lake Clinic']);
    const gone = await post(a.url, `/api/patients/${patientA}/transfer`, cookieA, { destinationId: id, reason: 'Follow-up', noteIds: [] });
    expect(gone.status).toBe(404);
    expect(audited(a, 'transfer.configure').at(-1)).toMatchObject({ target: `destination:${id}`, detail: { removed: true } });
  });
});
