import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { recordAllergy, recordNoKnownAllergies } from '../../src/lib/chart/allergy-status';
import { overrideHeldSend, queueSend, updateSend } from '../../src/lib/chart/pharmacy-send-doc';
import { listMedicationRecords, prescribe, type PrescriptionInput } from '../../src/lib/chart/medication-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { toFhirMedicationRequest } from '../../src/lib/services/prescription-fhir';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * The demo pharmacy endpoint over real HTTP: validation, who may send,
 * idempotent receipts, and the check against the server's copy of the chart.
 */
let app: TestApp;
let ids: Record<string, string>;
let doc: string;
let nurse: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ ids } = await addClinic(app, 'Pharmacy Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'doc2', roles: ['clinician'] },
    { username: 'nurse', roles: ['nurse'] },
    { username: 'desk', roles: ['frontdesk'] }
  ]));
  doc = await sessionCookieFor(app.url, 'doc');
  nurse = await sessionCookieFor(app.url, 'nurse');
});
afterAll(async () => {
  await app.stop();
});

function request(overrides: Record<string, unknown> = {}) {
  return {
    resourceType: 'MedicationRequest',
    id: crypto.randomUUID(),
    status: 'active',
    intent: 'order',
    contained: [{ resourceType: 'Patient', id: 'patient', name: [{ family: 'Test', given: ['Pat'] }], birthDate: '1960-01-01' }],
    subject: { reference: '#patient' },
    medicationCodeableConcept: { text: 'ibuprofen 400 MG Oral Tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '5640' }] },
    authoredOn: new Date().toISOString(),
    requester: { reference: `Practitioner/${ids.doc}`, display: 'doc' },
    dosageInstruction: [{ text: 'Take 1 tablet by mouth three times daily for 5 days' }],
    dispenseRequest: { quantity: { value: 15, unit: 'tablet' }, numberOfRepeatsAllowed: 0 },
    ...overrides
  };
}

const post = (cookie: string | null, pharmacy: string, body: unknown, patientId: string | null = crypto.randomUUID()) =>
  fetch(`${app.url}/api/pharmacy/${pharmacy}/prescriptions${patientId ? `?patient=${patientId}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body)
  });

const PATIENT = { family: 'Test', given: ['Pat'], birthDate: '1960-01-01', mrn: '' };
const input: PrescriptionInput = {
  medicationCodeableConcept: { text: 'ibuprofen 400 MG Oral Tablet' },
  dosage: { text: 'Take 1 tablet three times daily', route: { text: 'oral' }, doseQuantity: { value: 1, unit: 'tablet' }, timing: { frequency: 3, period: 1, periodUnit: 'd' }, asNeeded: false },
  dispense: { quantity: { value: 15, unit: 'tablet' }, numberOfRepeatsAllowed: 0 },
  detectedIssues: []
};

/** Writes a chart with one prescription signed by `doc` to the server (as a device's catch-up would) and returns it as sent. */
async function signedOnServer(edit?: (doc: Y.Doc, medId: string) => void) {
  const patientId = crypto.randomUUID();
  const chart = new Y.Doc();
  // Allergies asked first, as the prescribe page has it (the server runs the drug checks again on signing).
  recordNoKnownAllergies(chart, { id: ids.doc, name: 'doc' }, 0);
  const medId = prescribe(chart, input, { id: ids.doc, name: 'doc' });
  edit?.(chart, medId);
  const res = await fetch(`${app.url}/api/sync/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: doc },
    body: JSON.stringify({ docs: [], updates: [{ name: docName('chart', patientId), update: Buffer.from(Y.encodeStateAsUpdate(chart)).toString('base64') }] })
  });
  expect(res.status).toBe(200);
  const med = listMedicationRecords(chart).find((m) => m.id === medId)!;
  return { patientId, medId, chart, body: toFhirMedicationRequest({ ...med, status: 'active' }, PATIENT) };
}

describe('POST /api/pharmacy/:id/prescriptions', () => {
  it('accepts a valid MedicationRequest with a receipt, and answers a resend with the same receipt', async () => {
    const { body, patientId } = await signedOnServer();
    const first = await post(doc, 'riverside', body, patientId);
    expect(first.status).toBe(201);
    const receipt = await first.json();
    expect(receipt).toMatchObject({ state: 'delivered', pharmacyId: 'riverside', duplicate: false });
    const again = await post(nurse, 'riverside', body, patientId);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ reference: receipt.reference, duplicate: true });
  });

  it.each([
    ['missing dispense quantity', { dispenseRequest: { numberOfRepeatsAllowed: 0 } }, 'dispenseRequest.quantity'],
    ['stopped prescription', { status: 'stopped' }, 'status'],
    ['no patient', { contained: [] }, 'contained'],
    ['not a uuid', { id: 'x' }, 'id'],
    ['requester not a practitioner', { requester: { reference: 'Patient/1' } }, 'requester']
  ])('refuses %s with 400 naming the field', async (_name, change, path) => {
    const res = await post(doc, 'riverside', request(change));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('invalid');
    expect(body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses a prescriber who is not a clinician of the clinic', async () => {
    const res = await post(doc, 'riverside', request({ requester: { reference: `Practitioner/${ids.nurse}` } }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/not a clinician/);
  });

  it('answers 401 without a session, 403 for front desk, 404 for an unknown pharmacy, 503 for one that is down', async () => {
    expect((await post(null, 'riverside', request())).status).toBe(401);
    const desk = await sessionCookieFor(app.url, 'desk');
    expect((await post(desk, 'riverside', request())).status).toBe(403);
    expect((await post(doc, 'nowhere', request())).status).toBe(404);
    expect((await post(doc, 'valley-closed', request())).status).toBe(503);
  });

  it('refuses without the chart named', async () => {
    const { body } = await signedOnServer();
    const res = await post(doc, 'riverside', body, null);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details).toEqual([{ path: 'patient', message: 'The patient id (a uuid) is required' }]);
  });

  it('refuses with 409 a prescription that differs from the one the server’s chart holds, and answers 503 while it has not arrived', async () => {
    const { body, patientId } = await signedOnServer();
    const refused = async (b: unknown, pid: string, reason: string) => {
      const res = await post(doc, 'riverside', b, pid);
      expect(res.status).toBe(409);
      const answer = await res.json();
      expect(answer.error.code).toBe('conflict');
      expect(answer.error.message).toMatch(/^The pharmacy refused the prescription: /);
      const row = app.db.prepare("SELECT outcome, detail FROM audit_log WHERE action = 'pharmacy.send' ORDER BY seq DESC LIMIT 1").get() as { outcome: string; detail: string };
      expect(row.outcome).toBe('failure');
      expect(JSON.parse(row.detail)).toMatchObject({ reason, requestId: (b as { id: string }).id });
      return answer.error;
    };
    // An id the chart does not have, and a chart the server does not have: not there yet, so 503 (retried).
    for (const [b, pid] of [[request(), patientId], [body, crypto.randomUUID()]] as const) {
      const res = await post(doc, 'riverside', b, pid);
      expect(res.status).toBe(503);
      expect((await res.json()).error.message).toBe('The prescription has not reached the clinic server yet. The send will be retried.');
      const row = app.db.prepare("SELECT outcome, detail FROM audit_log WHERE action = 'pharmacy.send' ORDER BY seq DESC LIMIT 1").get() as { outcome: string; detail: string };
      expect(row.outcome).toBe('failure');
      expect(JSON.parse(row.detail)).toMatchObject({ reason: 'not-in-chart', requestId: b.id });
    }
    // The same id with another drug, dose or supply than was signed.
    const stronger = { ...body, medicationCodeableConcept: { text: 'oxycodone 10 MG Oral Tablet' }, dispenseRequest: { ...body.dispenseRequest, quantity: { value: 90, unit: 'tablet' } } };
    expect((await refused(stronger, patientId, 'differs-from-chart')).details.map((d: { path: string }) => d.path)).toEqual(['medicationCodeableConcept', 'dispenseRequest']);
    const dose = { ...body, dosageInstruction: [{ ...body.dosageInstruction[0], doseAndRate: [{ doseQuantity: { value: 4, unit: 'tablet' } }] }] };
    await refused(dose, patientId, 'differs-from-chart');
    // Another clinician named as prescriber.
    await refused({ ...body, requester: { reference: `Practitioner/${ids.doc2}`, display: 'doc2' } }, patientId, 'differs-from-chart');
  });

  it('refuses a prescription stopped in the chart, and one the server refused (entered-in-error)', async () => {
    const stopped = await signedOnServer((chart, medId) => (chart.getMap('medications').get(medId) as Y.Map<unknown>).set('status', 'stopped'));
    const res = await post(doc, 'riverside', stopped.body, stopped.patientId);
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toBe('The pharmacy refused the prescription: the prescription is stopped in the chart');

    // Signed by a nurse: the server marks it entered-in-error, so the pharmacy will not take it either.
    const patientId = crypto.randomUUID();
    const chart = new Y.Doc();
    const medId = prescribe(chart, input, { id: ids.nurse, name: 'nurse' });
    await fetch(`${app.url}/api/sync/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: nurse },
      body: JSON.stringify({ docs: [], updates: [{ name: docName('chart', patientId), update: Buffer.from(Y.encodeStateAsUpdate(chart)).toString('base64') }] })
    });
    const med = listMedicationRecords(chart).find((m) => m.id === medId)!;
    const asDoc = toFhirMedicationRequest({ ...med, requester: { reference: `Practitioner/${ids.doc}`, display: 'doc' } }, PATIENT);
    const answer = await post(nurse, 'riverside', asDoc, patientId);
    expect(answer.status).toBe(409);
    expect((await answer.json()).error.message).toMatch(/entered-in-error/);
  });

  it('refuses with 409 a chart of another clinic, audited as a failure', async () => {
    const { body, patientId } = await signedOnServer();
    const { ids: other } = await addClinic(app, 'Other Pharmacy Clinic', [{ username: 'other-doc', roles: ['clinician'] }]);
    const cookie = await sessionCookieFor(app.url, 'other-doc');
    const res = await post(cookie, 'riverside', { ...body, requester: { reference: `Practitioner/${other['other-doc']}`, display: 'other-doc' } }, patientId);
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toBe('The pharmacy refused the prescription: the chart named is not one of this clinic');
    const row = app.db.prepare("SELECT outcome, user_id, detail FROM audit_log WHERE action = 'pharmacy.send' ORDER BY seq DESC LIMIT 1").get() as { outcome: string; user_id: string; detail: string };
    expect(row).toMatchObject({ outcome: 'failure', user_id: other['other-doc'] });
    expect(JSON.parse(row.detail)).toMatchObject({ reason: 'other-clinic' });
  });

  it('audits every send with ids only', async () => {
    const rows = app.db.prepare("SELECT outcome, detail, target FROM audit_log WHERE action = 'pharmacy.send'").all() as { outcome: string; detail: string; target: string }[];
    expect(rows.some((r) => r.outcome === 'success')).toBe(true);
    expect(rows.some((r) => r.outcome === 'failure' && JSON.parse(r.detail).reason === 'invalid')).toBe(true);
    for (const r of rows) expect(r.detail + r.target).not.toMatch(/Test|Pat|1960|ibuprofen/);
  });

  it('re-checks at the send: an allergy recorded after signing holds it (503, not sent) until a clinician gives a reason', async () => {
    const { patientId, medId, chart, body } = await signedOnServer();
    const push = async (cookie: string, before: Uint8Array) => {
      const res = await fetch(`${app.url}/api/sync/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ docs: [], updates: [{ name: docName('chart', patientId), update: Buffer.from(Y.encodeStateAsUpdate(chart, before)).toString('base64') }] })
      });
      expect(res.status).toBe(200);
    };
    // Control: before the allergy, the chart gives no alert and the send would go (proved by the first test of this file).
    let before = Y.encodeStateVector(chart);
    recordAllergy(chart, { substance: 'NSAIDs', category: 'medication', criticality: 'high', reaction: 'Hives' }, { id: ids.doc, name: 'doc' });
    await push(doc, before);

    const held = await post(doc, 'riverside', body, patientId);
    expect(held.status).toBe(503);
    expect((await held.json()).error.message).toBe(
      'The pharmacy was not sent the prescription: a serious alert needs a clinician’s reason before it is sent: NSAID allergy: ordered drug is an NSAID. The send will be retried.'
    );
    const row = app.db.prepare("SELECT outcome, detail FROM audit_log WHERE action = 'pharmacy.send' ORDER BY seq DESC LIMIT 1").get() as { outcome: string; detail: string };
    expect(row.outcome).toBe('failure');
    expect(JSON.parse(row.detail)).toMatchObject({ reason: 'unanswered-alert', alerts: ['allergy-nsaid'] });
    expect(app.db.prepare('SELECT count(*) AS n FROM pharmacy_receipts WHERE request_id = ?').get(body.id)).toEqual({ n: 0 });

    // Another clinician releases the held send with a reason, as the outbox's Release does.
    before = Y.encodeStateVector(chart);
    const actor = { id: ids.doc2, name: 'doc2' };
    const sendId = queueSend(chart, medId, 'riverside', actor);
    updateSend(chart, sendId, { state: 'held' }, actor);
    const alert = { kind: 'drug-allergy', severity: 'serious' as const, title: 'NSAID allergy: ordered drug is an NSAID', detail: '', action: '', ruleId: 'allergy-nsaid', source: { citation: 'x' } };
    overrideHeldSend(chart, sendId, [{ ...alert, override: { reason: 'Reaction was mild rash years ago; benefit outweighs', by: 'doc2', byId: ids.doc2, at: new Date().toISOString() } }], actor);
    await push(await sessionCookieFor(app.url, 'doc2'), before);
    const sent = await post(doc, 'riverside', body, patientId);
    expect(sent.status).toBe(201);
  });
});
