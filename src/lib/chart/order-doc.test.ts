import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { completeOrderByResult, listOrders, moveOrder, placeOrder } from './order-doc';
import { listObservations, listReports, putClinical } from './clinical-doc';
import { autoCompletingResult, resultsForOrder } from '../domain/orders';

const doctor = { actor: { id: 'd1', name: 'Dr. Test' }, roles: ['clinician'] as const };
const nurse = { actor: { id: 'n1', name: 'Nurse Test' }, roles: ['nurse'] as const };

describe('orders in a chart document', () => {
  it('a clinician places a signed ServiceRequest with a LOINC code', () => {
    const doc = new Y.Doc();
    const id = placeOrder(doc, { code: '4548-4', priority: 'routine', reason: 'Diabetes follow-up' }, doctor);
    const [o] = listOrders(doc);
    expect(o).toMatchObject({
      id,
      status: 'active',
      intent: 'order',
      category: 'laboratory',
      priority: 'routine',
      reasonText: 'Diabetes follow-up',
      requester: { reference: 'Practitioner/d1', display: 'Dr. Test' },
      code: { text: 'HbA1c', coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
      createdBy: 'Dr. Test'
    });
    expect((doc.getMap('orders').get(id) as Y.Map<unknown>).get('resourceType')).toBe('ServiceRequest');
  });

  it('a nurse drafts; only a clinician signs, and the signer becomes the requester', () => {
    const doc = new Y.Doc();
    const id = placeOrder(doc, { code: '36643-5' }, nurse);
    expect(listOrders(doc)[0]).toMatchObject({ status: 'draft', category: 'imaging' });
    expect(listOrders(doc)[0].requester).toBeUndefined();
    expect(() => moveOrder(doc, id, 'active', nurse)).toThrow('A clinician signs orders');
    moveOrder(doc, id, 'active', doctor);
    expect(listOrders(doc)[0]).toMatchObject({ status: 'active', requester: { display: 'Dr. Test' }, statusChangedBy: 'Dr. Test' });
  });

  it('refuses unknown tests, forbidden moves and cancelling without a reason', () => {
    const doc = new Y.Doc();
    expect(() => placeOrder(doc, { code: '0000-0' }, doctor)).toThrow('The order is not valid');
    expect(() => placeOrder(doc, { code: '4548-4' }, { actor: doctor.actor, roles: ['frontdesk'] })).toThrow(/Only clinicians and nurses/);
    const id = placeOrder(doc, { code: '4548-4' }, doctor);
    expect(() => moveOrder(doc, id, 'revoked', doctor, '')).toThrow('Say why the order is cancelled');
    moveOrder(doc, id, 'revoked', doctor, 'Done elsewhere');
    expect(() => moveOrder(doc, id, 'active', doctor)).toThrow('An order that is revoked cannot become active');
    moveOrder(doc, id, 'entered-in-error', doctor, 'Wrong patient');
    expect(listOrders(doc)[0]).toMatchObject({ status: 'entered-in-error', statusReason: 'Wrong patient' });
  });

  it('completion by a result is idempotent and never revives a cancelled order', () => {
    const doc = new Y.Doc();
    const id = placeOrder(doc, { code: '4548-4' }, doctor);
    expect(completeOrderByResult(doc, id, 'r1', doctor.actor)).toBe(true);
    expect(completeOrderByResult(doc, id, 'r1', doctor.actor)).toBe(false);
    expect(listOrders(doc)[0]).toMatchObject({ status: 'completed', completedByResult: 'r1', statusReason: 'Result received' });
    const other = placeOrder(doc, { code: '3016-3' }, doctor);
    moveOrder(doc, other, 'revoked', doctor, 'Not needed');
    expect(completeOrderByResult(doc, other, 'r2', doctor.actor)).toBe(false);
  });

  it('an order placed on one device reaches another through a Yjs update', () => {
    const a = new Y.Doc();
    placeOrder(a, { code: '57698-3', priority: 'urgent' }, doctor);
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(listOrders(b)).toMatchObject([{ code: { text: 'Lipid panel' }, priority: 'urgent' }]);
  });

  it('a result stored with basedOn links to its order and completes it', () => {
    const doc = new Y.Doc();
    const id = placeOrder(doc, { code: '4548-4' }, doctor);
    putClinical(doc, 'observations', 'r1', { status: 'final', category: 'laboratory', code: { text: 'HbA1c', coding: [{ code: '4548-4' }] }, effectiveDateTime: new Date().toISOString(), valueQuantity: { value: 6.1, unit: '%' }, basedOn: [id] }, doctor.actor);
    const order = listOrders(doc)[0];
    const results = resultsForOrder(order, listObservations(doc), listReports(doc));
    expect(results).toMatchObject([{ id: 'r1', linked: true, final: true }]);
    completeOrderByResult(doc, id, autoCompletingResult(order, results)!.id, doctor.actor);
    expect(listOrders(doc)[0]).toMatchObject({ status: 'completed', completedByResult: 'r1' });
  });
});
