import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { placeFreeTextOrder, recordFreeTextResult, recordPointOfCare } from '../../src/lib/chart/order-doc';
import type { Role } from '../../src/lib/domain/roles';
import type { Author } from './policy-types';
import { desk, doctor, entryMap, entryOf, importer, liveDoc, nurse, write, ymap } from './test-factories';

/**
 * Point-of-care results, orders by name and their results, through the
 * write policy: the app's own writes are admitted whole, malformed ones
 * refused with the rule and place named.
 */

// The app stamps entries with the device clock; the gate's clock (test-factories NOW) is a minute later.
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
});
afterAll(() => {
  vi.useRealTimers();
});

const who = (a: Author) => ({ actor: { id: a.userId, name: a.name }, roles: a.roles as Role[] });
const LOINC = 'http://loinc.org';
const ANSWER = 'urn:outpost:poc-answer';

/** An observation as a device would write it, with the fields given. */
const observation = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
  doc.getMap('observations').set(
    'o1',
    ymap({
      id: 'o1',
      resourceType: 'Observation',
      status: 'final',
      category: 'laboratory',
      effectiveDateTime: '2026-12-04T09:55:00.000Z',
      createdAt: '2026-12-04T09:55:00.000Z',
      createdBy: nurse.name,
      updatedAt: '2026-12-04T09:55:00.000Z',
      updatedBy: nurse.name,
      ...fields
    })
  );
};
const hb = { text: 'Haemoglobin (point of care)', coding: [{ system: LOINC, code: '718-7' }] };
const malaria = { text: 'Malaria RDT', coding: [{ system: LOINC, code: '70569-9' }] };

describe('point-of-care tests through the policy', () => {
  it("a nurse's malaria RDT and haemoglobin, done on the spot, are admitted whole: order completed, results stored", () => {
    const live = liveDoc();
    let ids = { orderId: '', observationIds: [] as string[] };
    const o = write(live, nurse, (doc) => (ids = recordPointOfCare(doc, { code: '70569-9', answer: 'pf', kitLotNumber: 'LOT-42' }, who(nurse))));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual([]);
    expect(entryOf(live, 'orders', ids.orderId)).toMatchObject({ status: 'completed', pointOfCare: true });
    expect(entryOf(live, 'observations', ids.observationIds[0])).toMatchObject({
      valueCodeableConcept: { coding: [{ system: ANSWER, code: 'pf' }] },
      performer: [{ reference: 'Practitioner/u-nurse', display: 'Nurse Njeri' }],
      kitLotNumber: 'LOT-42'
    });
    const h = write(live, nurse, (doc) => recordPointOfCare(doc, { code: '718-7', value: 9.1, population: 'woman' }, who(nurse)));
    expect(h.violations).toEqual([]);
    expect(h.kind).toBe('accepted');
  });

  it("a clinician's urine dipstick (six pads under a report) is admitted", () => {
    const answers = { '20454-5': '1+', '25428-4': 'negative', '5799-2': 'trace', '5802-4': 'positive', '5794-3': 'negative', '2514-8': 'negative' };
    const o = write(liveDoc(), doctor, (doc) => recordPointOfCare(doc, { code: '24357-6', answers }, who(doctor)));
    expect(o.violations).toEqual([]);
    expect(o.kind).toBe('accepted');
  });

  it('a completed order made on the spot by a front desk user, or not a point-of-care test, is put back to draft', () => {
    const poc = (doc: Y.Doc, code: string) =>
      doc.getMap('orders').set('r1', ymap({ id: 'r1', resourceType: 'ServiceRequest', status: 'completed', pointOfCare: true, category: 'laboratory', code: { text: 'x', coding: [{ system: LOINC, code }] } }));
    const live = liveDoc();
    expect(write(live, desk, (doc) => poc(doc, '70569-9')).violations).toEqual(['correct:order.transition@orders/r1/status']);
    expect((entryOf(live, 'orders', 'r1') as { status: string }).status).toBe('draft');
    // A catalogue test the laboratory runs (HbA1c) is not done on the spot.
    expect(write(liveDoc(), nurse, (doc) => poc(doc, '4548-4')).violations).toEqual(['correct:order.transition@orders/r1/status']);
    // Positive control: the same write by a nurse for a point-of-care test stands.
    expect(write(liveDoc(), nurse, (doc) => poc(doc, '2106-3')).violations).toEqual([]);
  });

  it.each([
    ['a haemoglobin that is text', { code: hb, valueQuantity: { value: '9.1', unit: 'g/dL' } }, 'refuse:structure.field-type@observations/o1/valueQuantity'],
    ['a haemoglobin with no value', { code: hb, valueString: 'low' }, 'refuse:lab.result-value@observations/o1/valueQuantity'],
    ['a haemoglobin of 91 (a typo)', { code: hb, valueQuantity: { value: 91, unit: 'g/dL' } }, 'refuse:lab.result-value@observations/o1/valueQuantity'],
    ['a haemoglobin in g/L', { code: hb, valueQuantity: { value: 9.1, unit: 'g/L' } }, 'refuse:lab.result-value@observations/o1/valueQuantity'],
    ['an unknown malaria answer', { code: malaria, valueCodeableConcept: { text: 'Maybe', coding: [{ system: ANSWER, code: 'maybe' }] } }, 'refuse:lab.result-value@observations/o1/valueCodeableConcept'],
    ['a malaria answer with no coded answer', { code: malaria, valueCodeableConcept: { text: 'Positive' } }, 'refuse:lab.result-value@observations/o1/valueCodeableConcept']
  ])('%s is refused', (_, fields, violation) => {
    const live = liveDoc();
    const o = write(live, nurse, observation(fields));
    expect(o.violations).toContain(violation);
    expect(o.kind).toBe('refused');
    expect(live.doc.getMap('observations').has('o1')).toBe(false);
  });

  it('a refusal names the test and what it admits, never the value written (refusals are audited and sent back)', () => {
    const o = write(liveDoc(), nurse, observation({ code: hb, valueQuantity: { value: 91.37, unit: 'g/dL' } }));
    const text = JSON.stringify(o.verdict);
    expect(o.verdict!.violations.map((v) => v.message)).toEqual(['A Haemoglobin (point of care) result is between 1 and 25 g/dL']);
    expect(text).not.toContain('91.37');
    const m = write(liveDoc(), nurse, observation({ code: malaria, valueCodeableConcept: { text: 'Positive maybe', coding: [{ system: ANSWER, code: 'maybe-pos' }] } }));
    expect(m.verdict!.violations.map((v) => v.message)).toEqual(['A Malaria RDT result is one of: pf, pan, pf-pan, negative, invalid']);
    expect(JSON.stringify(m.verdict)).not.toContain('maybe');
  });

  it('positive controls: a well-formed haemoglobin and malaria answer written by hand are admitted', () => {
    expect(write(liveDoc(), nurse, observation({ code: hb, valueQuantity: { value: 9.1, unit: 'g/dL' } })).violations).toEqual([]);
    expect(write(liveDoc(), nurse, observation({ code: malaria, valueCodeableConcept: { text: 'Negative', coding: [{ system: ANSWER, code: 'negative' }] } })).violations).toEqual([]);
  });

  it("an import keeps the laboratory's own shape (a haemoglobin in g/L stands)", () => {
    expect(write(liveDoc(), importer, observation({ code: hb, valueQuantity: { value: 91, unit: 'g/L' }, createdBy: 'Importer', updatedBy: 'Importer' })).violations).toEqual([]);
  });

  it('changing an admitted result to a value the test does not admit is refused; a status change is not judged', () => {
    const live = liveDoc();
    expect(write(live, nurse, observation({ code: hb, valueQuantity: { value: 9.1, unit: 'g/dL' } })).violations).toEqual([]);
    expect(write(live, nurse, (doc) => entryMap(doc, 'observations', 'o1').set('valueQuantity', { value: 0, unit: 'g/dL' })).violations).toEqual([
      'refuse:lab.result-value@observations/o1/valueQuantity'
    ]);
    expect(write(live, nurse, (doc) => entryMap(doc, 'observations', 'o1').set('status', 'amended')).violations).toEqual([]);
  });

  it('a performer other than the signed-in user is a forged id', () => {
    const o = write(liveDoc(), nurse, observation({ code: hb, valueQuantity: { value: 9.1, unit: 'g/dL' }, performer: [{ reference: 'Practitioner/u-doc', display: 'Dr Amani' }] }));
    expect(o.violations).toEqual(['refuse:provenance.forged-id@observations/o1/performer/0']);
    // Positive control: naming the nurse herself stands.
    expect(write(liveDoc(), nurse, observation({ code: hb, valueQuantity: { value: 9.1, unit: 'g/dL' }, performer: [{ reference: 'Practitioner/u-nurse', display: 'Nurse Njeri' }] })).violations).toEqual([]);
  });
});

describe('orders by name through the policy', () => {
  it("the app's order by name and its free-text and value results are admitted, unflagged", () => {
    const live = liveDoc();
    let id = '';
    expect(write(live, doctor, (doc) => (id = placeFreeTextOrder(doc, { text: 'Sickle cell screen', code: 'local-17', category: 'laboratory' }, who(doctor)))).violations).toEqual([]);
    expect(entryOf(live, 'orders', id)).toMatchObject({ status: 'active', notInCatalogue: true, code: { text: 'Sickle cell screen', coding: [{ code: 'local-17' }] } });
    let obs = '';
    const r = write(live, doctor, (doc) => (obs = recordFreeTextResult(doc, id, { kind: 'text', text: 'HbAS (trait)' }, who(doctor))));
    expect(r.violations).toEqual([]);
    expect(entryOf(live, 'observations', obs)).toMatchObject({ valueString: 'HbAS (trait)', notInCatalogue: true, basedOn: [id] });
    expect(entryOf(live, 'orders', id)).toMatchObject({ status: 'completed', completedByResult: obs });
    const other = placeFreeTextOrder(live.doc, { text: 'Serum ferritin', category: 'laboratory' }, who(doctor));
    expect(write(live, doctor, (doc) => recordFreeTextResult(doc, other, { kind: 'quantity', value: 8, unit: 'ng/mL' }, who(doctor))).violations).toEqual([]);
  });

  it('an order by name with no name, or a name over 200 characters, is refused', () => {
    const order = (text: string) => (doc: Y.Doc) =>
      doc.getMap('orders').set('r1', ymap({ id: 'r1', resourceType: 'ServiceRequest', status: 'active', notInCatalogue: true, category: 'laboratory', code: { text } }));
    expect(write(liveDoc(), doctor, order('  ')).violations).toEqual(['refuse:order.free-text@orders/r1/code']);
    expect(write(liveDoc(), doctor, order('x'.repeat(201))).violations).toEqual(['refuse:order.free-text@orders/r1/code']);
    expect(write(liveDoc(), doctor, order('x'.repeat(200))).violations).toEqual([]);
  });

  it('a result of a test not in the catalogue carrying a range or a flag is refused', () => {
    const base = { code: { text: 'Sickle cell screen' }, valueQuantity: { value: 8, unit: 'ng/mL' }, notInCatalogue: true };
    expect(write(liveDoc(), nurse, observation({ ...base, referenceRange: [{ low: { value: 15 } }] })).violations).toEqual(['refuse:lab.not-in-catalogue@observations/o1/referenceRange']);
    expect(write(liveDoc(), nurse, observation({ ...base, interpretation: [{ text: 'Low', coding: [{ code: 'L' }] }] })).violations).toEqual([
      'refuse:lab.not-in-catalogue@observations/o1/interpretation'
    ]);
    expect(write(liveDoc(), nurse, observation({ code: base.code, notInCatalogue: true, valueString: 'x'.repeat(1001) })).violations).toEqual(['refuse:lab.not-in-catalogue@observations/o1/valueString']);
    expect(write(liveDoc(), nurse, observation(base)).violations).toEqual([]);
  });

  it('an order-by-name flag typed as text is refused', () => {
    const o = write(liveDoc(), doctor, (doc) =>
      doc.getMap('orders').set('r1', ymap({ id: 'r1', resourceType: 'ServiceRequest', status: 'active', notInCatalogue: 'yes', category: 'laboratory', code: { text: 'Ferritin' } }))
    );
    expect(o.violations).toEqual(['refuse:structure.field-type@orders/r1/notInCatalogue']);
  });
});
