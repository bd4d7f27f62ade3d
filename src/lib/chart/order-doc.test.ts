import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { completeOrderByResult, listOrders, moveOrder, placeFreeTextOrder, placeOrder, recordFreeTextResult, recordPointOfCare } from './order-doc';
import { groupResults, latestGroups, prominentPositives } from '../domain/lab-results';
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

describe('point-of-care tests: ordered and resulted in one step', () => {
  const obsMap = (doc: Y.Doc, id: string) => (doc.getMap('observations').get(id) as Y.Map<unknown>).toJSON();

  it('a nurse records a positive malaria RDT: a completed order and a flagged result naming her and the kit lot', () => {
    const doc = new Y.Doc();
    const { orderId, observationIds } = recordPointOfCare(doc, { code: '70569-9', answer: 'pf', kitLotNumber: ' LOT-42 ' }, nurse);
    expect(listOrders(doc)[0]).toMatchObject({
      id: orderId,
      status: 'completed',
      pointOfCare: true,
      completedByResult: observationIds[0],
      statusReason: 'Done at the point of care',
      code: { text: 'Malaria RDT', coding: [{ system: 'http://loinc.org', code: '70569-9' }] }
    });
    expect(listOrders(doc)[0].requester).toBeUndefined();
    expect(obsMap(doc, observationIds[0])).toMatchObject({
      resourceType: 'Observation',
      status: 'final',
      category: 'laboratory',
      valueCodeableConcept: { text: 'Positive — P. falciparum', coding: [{ system: 'urn:outpost:poc-answer', code: 'pf' }] },
      interpretation: [{ text: 'Positive', coding: [{ code: 'POS' }] }],
      referenceRange: [{ text: 'Negative' }],
      basedOn: [orderId],
      performer: [{ reference: 'Practitioner/n1', display: 'Nurse Test' }],
      kitLotNumber: 'LOT-42'
    });
    const [row] = groupResults(listObservations(doc), listReports(doc))[0].rows;
    expect(row.flag).toEqual({ status: 'abnormal', level: 'danger', label: 'Positive' });
    expect(row.performer).toBe('Nurse Test');
    expect(prominentPositives(listObservations(doc)).map((r) => r.value)).toEqual(['Positive — P. falciparum']);
  });

  it('a negative RDT is not prominent (positive control above) and the lot number is optional', () => {
    const doc = new Y.Doc();
    const { observationIds } = recordPointOfCare(doc, { code: '70569-9', answer: 'negative' }, doctor);
    expect(obsMap(doc, observationIds[0]).kitLotNumber).toBeUndefined();
    expect(listOrders(doc)[0].requester).toEqual({ reference: 'Practitioner/d1', display: 'Dr. Test' });
    expect(prominentPositives(listObservations(doc))).toEqual([]);
    expect(groupResults(listObservations(doc), [])[0].rows[0].flag).toEqual({ status: 'normal' });
  });

  it("a haemoglobin of 9.1 g/dL for a woman is stored with WHO's range and flagged moderate anaemia", () => {
    const doc = new Y.Doc();
    const { observationIds } = recordPointOfCare(doc, { code: '718-7', value: 9.1, population: 'woman' }, nurse);
    expect(obsMap(doc, observationIds[0])).toMatchObject({
      valueQuantity: { value: 9.1, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
      referenceRange: [{ low: { value: 12 }, text: '≥ 12.0 g/dL (non-pregnant woman)' }],
      interpretation: [{ text: 'Moderate anaemia', coding: [{ code: 'L' }] }]
    });
    const [row] = groupResults(listObservations(doc), [])[0].rows;
    expect(row).toMatchObject({ value: '9.1', unit: 'g/dL', range: '≥ 12.0 g/dL (non-pregnant woman)', flag: { status: 'abnormal', level: 'warn', label: 'Moderate anaemia' } });
  });

  it('a urine dipstick is six results under one report, answering one completed order', () => {
    const doc = new Y.Doc();
    const answers = { '20454-5': '2+', '25428-4': 'negative', '5799-2': 'trace', '5802-4': 'positive', '5794-3': 'negative', '2514-8': 'negative' };
    const { orderId, observationIds } = recordPointOfCare(doc, { code: '24357-6', answers }, nurse);
    expect(observationIds).toHaveLength(6);
    const [report] = listReports(doc);
    expect(report).toMatchObject({ code: { text: 'Urine dipstick' }, result: observationIds, basedOn: [orderId] });
    const rows = groupResults(listObservations(doc), listReports(doc))[0].rows.map((r) => [r.name, r.value, r.flag.status]);
    expect(rows).toEqual([
      ['Protein', '2+', 'abnormal'],
      ['Glucose', 'Negative', 'normal'],
      ['Leukocytes', 'Trace', 'abnormal'],
      ['Nitrite', 'Positive', 'abnormal'],
      ['Blood', 'Negative', 'normal'],
      ['Ketones', 'Negative', 'normal']
    ]);
  });

  it('refuses what the test does not admit, writing nothing', () => {
    const doc = new Y.Doc();
    expect(() => recordPointOfCare(doc, { code: '70569-9', answer: 'maybe' }, nurse)).toThrow('Choose the result');
    expect(() => recordPointOfCare(doc, { code: '718-7', population: 'woman' }, nurse)).toThrow('Enter the value read');
    expect(() => recordPointOfCare(doc, { code: '718-7', value: 91, population: 'woman' }, nurse)).toThrow('A reading is between 1 and 25 g/dL');
    expect(() => recordPointOfCare(doc, { code: '718-7', value: 9.1 }, nurse)).toThrow('Say whose range applies (woman, pregnant woman or man)');
    expect(() => recordPointOfCare(doc, { code: '24357-6', answers: { '20454-5': '1+' } }, nurse)).toThrow('Choose the result');
    expect(() => recordPointOfCare(doc, { code: '4548-4', value: 6 }, nurse)).toThrow('Choose a test from the list');
    expect(() => recordPointOfCare(doc, { code: '2106-3', answer: 'positive', kitLotNumber: 'x'.repeat(61) }, nurse)).toThrow('Keep the lot number under 60 characters');
    expect(() => recordPointOfCare(doc, { code: '2106-3', answer: 'positive' }, { actor: doctor.actor, roles: ['frontdesk'] })).toThrow('Only clinicians and nurses place orders');
    expect(doc.getMap('orders').size).toBe(0);
    expect(doc.getMap('observations').size).toBe(0);
    // Positive control: the same test with a valid answer is written.
    recordPointOfCare(doc, { code: '2106-3', answer: 'positive' }, nurse);
    expect(doc.getMap('observations').size).toBe(1);
  });
});

describe('orders by name (not in the catalogue)', () => {
  it('a clinician orders a test by name; its text result completes the order and is never flagged', () => {
    const doc = new Y.Doc();
    const id = placeFreeTextOrder(doc, { text: '  Sickle cell screen ', code: 'local-17', category: 'laboratory' }, doctor);
    expect(listOrders(doc)[0]).toMatchObject({ id, status: 'active', notInCatalogue: true, code: { text: 'Sickle cell screen', coding: [{ code: 'local-17' }] } });
    const obs = recordFreeTextResult(doc, id, { kind: 'quantity', value: 8, unit: 'ng/mL' }, nurse);
    expect(listOrders(doc)[0]).toMatchObject({ status: 'completed', completedByResult: obs });
    const [row] = groupResults(listObservations(doc), [])[0].rows;
    expect(row).toMatchObject({ value: '8', unit: 'ng/mL', range: '', notInCatalogue: true, flag: { status: 'no-range' } });
  });

  it('a nurse drafts one; no result until a clinician signs it', () => {
    const doc = new Y.Doc();
    const id = placeFreeTextOrder(doc, { text: 'Blood film', category: 'laboratory' }, nurse);
    expect(listOrders(doc)[0]).toMatchObject({ status: 'draft', notInCatalogue: true, code: { text: 'Blood film' } });
    expect(listOrders(doc)[0].code.coding).toBeUndefined();
    expect(() => recordFreeTextResult(doc, id, { kind: 'text', text: 'Normal film' }, nurse)).toThrow('Only an active (signed) order takes a result');
    moveOrder(doc, id, 'active', doctor);
    recordFreeTextResult(doc, id, { kind: 'text', text: 'Normal film' }, nurse);
    expect(listOrders(doc)[0].status).toBe('completed');
  });

  it('validates the name, code, category and result with clear messages', () => {
    const doc = new Y.Doc();
    expect(() => placeFreeTextOrder(doc, { text: '   ', category: 'laboratory' }, doctor)).toThrow('Write the name of the test');
    expect(() => placeFreeTextOrder(doc, { text: 'x'.repeat(201), category: 'laboratory' }, doctor)).toThrow('Keep the test name under 200 characters');
    expect(() => placeFreeTextOrder(doc, { text: 'Ferritin', code: 'c'.repeat(41), category: 'laboratory' }, doctor)).toThrow('Keep the code under 40 characters');
    expect(() => placeFreeTextOrder(doc, { text: 'Ferritin', category: 'pathology' as 'laboratory' }, doctor)).toThrow('Choose laboratory or imaging');
    expect(doc.getMap('orders').size).toBe(0);
    // Positive control at the limit.
    const id = placeFreeTextOrder(doc, { text: 'x'.repeat(200), code: 'c'.repeat(40), category: 'imaging' }, doctor);
    expect(() => recordFreeTextResult(doc, id, { kind: 'text', text: '  ' }, doctor)).toThrow('Write the result');
    expect(() => recordFreeTextResult(doc, id, { kind: 'text', text: 'x'.repeat(1001) }, doctor)).toThrow('Keep the result under 1000 characters');
    expect(() => recordFreeTextResult(doc, id, { kind: 'quantity', value: Number.NaN, unit: 'ng/mL' }, doctor)).toThrow('The value is a number');
    expect(() => recordFreeTextResult(doc, id, { kind: 'quantity', value: 3, unit: 'u'.repeat(31) }, doctor)).toThrow('Keep the unit under 30 characters');
    const catalogued = placeOrder(doc, { code: '4548-4' }, doctor);
    expect(() => recordFreeTextResult(doc, catalogued, { kind: 'text', text: '6.1%' }, doctor)).toThrow('This order is from the catalogue');
    expect(doc.getMap('observations').size).toBe(0);
  });
});

describe('point-of-care results in the results list', () => {
  it('each test done on the spot is its own group, so the latest of each shows first', () => {
    const doc = new Y.Doc();
    recordPointOfCare(doc, { code: '70569-9', answer: 'pf' }, nurse);
    recordPointOfCare(doc, { code: '718-7', value: 9.1, population: 'woman' }, nurse);
    const groups = groupResults(listObservations(doc), listReports(doc));
    expect(latestGroups(groups).map((g) => g.title).sort()).toEqual(['Haemoglobin (point of care)', 'Malaria RDT']);
  });
});
