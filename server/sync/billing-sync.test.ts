import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addLedgerEntry, listLedger, openSuperbill } from '../../src/lib/chart/billing-doc';
import { initFeesDoc, listFeeServices, saveFeeService, setFeeCurrency } from '../../src/lib/chart/fees-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { balanceOf } from '../../src/lib/domain/billing';
import { feesName } from '../../src/lib/domain/doc-names';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * The clinic's money over the real platform (session cookies, the batch
 * endpoint, the change list, the write policy): the administrator sets the
 * fee schedule, the desk reads it and takes payments into the patient's
 * account, and crafted updates sent straight to the server are refused
 * with a readable message, the stored account unchanged.
 */

let app: TestApp;
let clinicA: string;
let ids: Record<string, string>;
const PID = '5a1d7c3e-2b4f-4e6a-9c8d-7e6f5a4b3c2d';
const patientDocName = `patient:${PID}`;

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
type BatchDoc = { name: string; update?: string; error?: { code: string; message: string; rules?: string[] } };

async function batch(user: string, body: unknown): Promise<BatchDoc[]> {
  const cookie = await sessionCookieFor(app.url, user);
  const res = await fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { docs: BatchDoc[] }).docs;
}

async function serverCopy(name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await app.sync.readState(name, clinicA);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

/** A change made on a device's copy of the server's document, sent by `user` through the batch endpoint. */
async function sendChange(user: string, name: string, change: (doc: Y.Doc) => void): Promise<BatchDoc> {
  const device = await serverCopy(name);
  const sv = Y.encodeStateVector(device);
  change(device);
  const [result] = await batch(user, { docs: [], updates: [{ name, update: b64(Y.encodeStateAsUpdate(device, sv)) }] });
  return result;
}

const actor = (u: string) => ({ id: ids[u], name: u });

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'Clinic A', [
    { username: 'amara', roles: ['clinician'] },
    { username: 'alex', roles: ['admin'] },
    { username: 'priya', roles: ['frontdesk'] }
  ]);
  clinicA = a.clinicId;
  ids = a.ids;
  await addClinic(app, 'Clinic B', [{ username: 'b.desk', roles: ['frontdesk'] }]);
});

afterAll(async () => {
  await app.stop();
});

describe('fee schedule document', () => {
  it('the administrator sets it up; the desk reads it and may not change it; it is offered to the desk in the change list', async () => {
    const set = await sendChange('alex', feesName(clinicA), (d) => {
      initFeesDoc(d, clinicA);
      setFeeCurrency(d, 'KES', actor('alex'));
      saveFeeService(d, { code: 'OPD-1', name: 'Consultation', price: 150000 }, actor('alex'));
    });
    expect(set.error).toBeUndefined();
    const [read] = await batch('priya', { docs: [{ name: feesName(clinicA), stateVector: b64(Y.encodeStateVector(new Y.Doc())) }], updates: [] });
    const deskCopy = new Y.Doc();
    Y.applyUpdate(deskCopy, Buffer.from(read.update!, 'base64'));
    expect(listFeeServices(deskCopy).map((s) => [s.code, s.price])).toEqual([['OPD-1', 150000]]);
    const [svc] = listFeeServices(deskCopy);
    const cheaper = await sendChange('priya', feesName(clinicA), (d) => saveFeeService(d, { code: 'OPD-1', name: 'Consultation', price: 1 }, actor('priya'), svc.id));
    expect(cheaper.error?.code).toBe('forbidden');
    expect(listFeeServices(await serverCopy(feesName(clinicA))).map((s) => s.price)).toEqual([150000]);
    const changes = (await (await getJson(app.url, '/api/sync/changes', await sessionCookieFor(app.url, 'priya'))).json()) as { docs: string[] };
    expect(changes.docs).toContain(feesName(clinicA));
  });
});

describe('a patient account', () => {
  let bill = '';
  let payment = '';
  it('the desk registers the patient, a clinician bills the visit, the desk charges and takes a payment', async () => {
    expect((await sendChange('priya', patientDocName, (d) => initPatientDoc(d, PID, { family: 'Otieno', given: ['Akinyi'], birthDate: '1990-04-02', gender: 'female' }, actor('priya'), 'A-1'))).error).toBeUndefined();
    expect((await sendChange('amara', patientDocName, (d) => (bill = openSuperbill(d, { visitDate: '2026-12-04', diagnoses: [{ code: 'B50.9', display: 'Malaria' }] }, actor('amara'))))).error).toBeUndefined();
    const charge = await sendChange('priya', patientDocName, (d) => addLedgerEntry(d, { kind: 'charge', amount: 150000, currency: 'KES', superbillId: bill, serviceCode: 'OPD-1', serviceName: 'Consultation' }, actor('priya'), clinicA));
    expect(charge.error).toBeUndefined();
    const pay = await sendChange('priya', patientDocName, (d) => (payment = addLedgerEntry(d, { kind: 'payment', amount: 50000, currency: 'KES', method: 'cash' }, actor('priya'), clinicA)));
    expect(pay.error).toBeUndefined();
    expect(balanceOf(listLedger(await serverCopy(patientDocName)))).toEqual({ charged: 150000, paid: 50000, due: 100000 });
  });

  it('refuses crafted updates sent straight to the server, each with a readable message; the stored account is unchanged', async () => {
    const edit = await sendChange('priya', patientDocName, (d) => (d.getMap('ledger').get(payment) as Y.Map<unknown>).set('amount', 5000000));
    expect(edit.error).toMatchObject({ code: 'refused', rules: ['billing.append-only'] });
    expect(edit.error?.message).toMatch(/never changed or deleted: reverse it with a reason/);
    const del = await sendChange('priya', patientDocName, (d) => d.getMap('ledger').delete(payment));
    expect(del.error?.code).toBe('refused');
    const negative = await sendChange('priya', patientDocName, (d) =>
      d.getMap('ledger').set('neg', new Y.Map(Object.entries({ id: 'neg', kind: 'payment', amount: -50000, currency: 'KES', method: 'cash', clinicId: clinicA, createdAt: new Date().toISOString(), createdBy: 'priya', createdById: ids.priya })))
    );
    expect(negative.error).toMatchObject({ code: 'refused', rules: ['billing.entry'] });
    expect(negative.error?.message).toMatch(/positive whole number of minor units/);
    const byClinician = await sendChange('amara', patientDocName, (d) => addLedgerEntry(d, { kind: 'payment', amount: 100, currency: 'KES', method: 'cash' }, actor('amara'), clinicA));
    expect(byClinician.error).toMatchObject({ code: 'refused', rules: ['billing.role'] });
    expect(byClinician.error?.message).toMatch(/Only the front desk takes or reverses payments/);
    const noReason = await sendChange('priya', patientDocName, (d) =>
      d.getMap('ledger').set('rev', new Y.Map(Object.entries({ id: 'rev', kind: 'reversal', amount: 50000, currency: 'KES', reverses: payment, clinicId: clinicA, createdAt: new Date().toISOString(), createdBy: 'priya', createdById: ids.priya })))
    );
    expect(noReason.error).toMatchObject({ code: 'refused', rules: ['billing.entry'] });
    const otherClinic = await sendChange('priya', patientDocName, (d) =>
      d.getMap('ledger').set('oc', new Y.Map(Object.entries({ id: 'oc', kind: 'payment', amount: 100, currency: 'KES', method: 'cash', clinicId: 'another-clinic', createdAt: new Date().toISOString(), createdBy: 'priya', createdById: ids.priya })))
    );
    expect(otherClinic.error).toMatchObject({ code: 'refused', rules: ['billing.clinic'] });
    const ledger = listLedger(await serverCopy(patientDocName));
    expect(ledger.map((e) => [e.kind, e.amount])).toEqual([
      ['charge', 150000],
      ['payment', 50000]
    ]);
  });

  it("another clinic's desk may neither read nor write the account", async () => {
    const [read] = await batch('b.desk', { docs: [{ name: patientDocName, stateVector: b64(Y.encodeStateVector(new Y.Doc())) }], updates: [] });
    expect(read.error?.code).toBe('forbidden');
    const write = await sendChange('b.desk', patientDocName, (d) => addLedgerEntry(d, { kind: 'payment', amount: 100, currency: 'KES', method: 'cash' }, { id: 'x', name: 'b.desk' }, 'clinic-b'));
    expect(write.error?.code).toBe('forbidden');
    expect(listLedger(await serverCopy(patientDocName))).toHaveLength(2);
  });
});
