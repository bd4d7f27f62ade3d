import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/** The demo pharmacy endpoint over real HTTP: validation, who may send, idempotent receipts. */
let app: TestApp;
let ids: Record<string, string>;
let doc: string;
let nurse: string;

beforeAll(async () => {
  app = await startTestApp();
  ({ ids } = await addClinic(app, 'Pharmacy Clinic', [
    { username: 'doc', roles: ['clinician'] },
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

const post = (cookie: string | null, pharmacy: string, body: unknown) =>
  fetch(`${app.url}/api/pharmacy/${pharmacy}/prescriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body)
  });

describe('POST /api/pharmacy/:id/prescriptions', () => {
  it('accepts a valid MedicationRequest with a receipt, and answers a resend with the same receipt', async () => {
    const body = request();
    const first = await post(doc, 'riverside', body);
    expect(first.status).toBe(201);
    const receipt = await first.json();
    expect(receipt).toMatchObject({ state: 'delivered', pharmacyId: 'riverside', duplicate: false });
    const again = await post(nurse, 'riverside', body);
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

  it('audits every send with ids only', async () => {
    const rows = app.db.prepare("SELECT outcome, detail, target FROM audit_log WHERE action = 'pharmacy.send'").all() as { outcome: string; detail: string; target: string }[];
    expect(rows.some((r) => r.outcome === 'success')).toBe(true);
    expect(rows.some((r) => r.outcome === 'failure' && JSON.parse(r.detail).reason === 'invalid')).toBe(true);
    for (const r of rows) expect(r.detail + r.target).not.toMatch(/Test|Pat|1960|ibuprofen/);
  });
});
