import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { closeRefillRequest, recordRefillRequest } from '../../src/lib/chart/refill-request-doc';
import type { Author } from './policy-types';
import { desk, doctor, entryMap, entryOf, liveDoc, nurse, write, ymap } from './test-factories';

/**
 * Refill requests on the patient's record through the write policy: the
 * desk and nurses take them, only a clinician closes them, and crafted
 * updates (a desk closing one, a malformed request, reopening, rewriting
 * what was asked) are refused.
 */

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
});
afterAll(() => {
  vi.useRealTimers();
});

const actor = (a: Author) => ({ id: a.userId, name: a.name });

function withRequest(by: Author = desk) {
  const live = liveDoc('patient');
  let id = '';
  const o = write(live, by, (doc) => (id = recordRefillRequest(doc, { medicationText: 'Metformin', via: 'phone', note: 'Runs out Friday' }, actor(by))));
  expect(o.violations).toEqual([]);
  expect(o.kind).toBe('accepted');
  return { live, id };
}

const raw = (fields: Record<string, unknown>) => (doc: Y.Doc) =>
  doc.getMap('refillRequests').set('r1', ymap({ id: 'r1', status: 'open', medicationText: 'Metformin', via: 'phone', note: '', requestedAt: '2026-12-04T09:59:00.000Z', requestedBy: 'Desk Dede', requestedById: 'u-desk', ...fields }));

describe('refill requests through the policy', () => {
  it("the desk's and a nurse's requests made by the app are admitted; a clinician closes one with the prescription", () => {
    const { live, id } = withRequest(desk);
    withRequest(nurse);
    const o = write(live, doctor, (doc) => closeRefillRequest(doc, id, { status: 'done', prescriptionId: 'rx-9' }, actor(doctor)));
    expect(o.violations).toEqual([]);
    expect(entryOf(live, 'refillRequests', id)).toMatchObject({ status: 'done', prescriptionId: 'rx-9', closedBy: 'Dr Amani', closedById: 'u-doc', medicationText: 'Metformin' });
  });

  it.each([
    ['the front desk', desk],
    ['a nurse', nurse]
  ])('%s closing a request (a crafted update) is refused', (_, author) => {
    const { live, id } = withRequest();
    const o = write(live, author, (doc) => closeRefillRequest(doc, id, { status: 'declined' }, actor(author)));
    expect(o.violations).toEqual([`refuse:refill.close-role@refillRequests/${id}/status`]);
    expect(o.kind).toBe('refused');
    expect(entryOf(live, 'refillRequests', id)).toMatchObject({ status: 'open' });
  });

  it.each([
    ['no medicine named', { medicationText: ' ' }, 'refuse:refill.fields@refillRequests/r1/medicationText'],
    ['a medicine text of 201 characters', { medicationText: 'x'.repeat(201) }, 'refuse:refill.fields@refillRequests/r1/medicationText'],
    ['an unknown channel', { via: 'fax' }, 'refuse:refill.fields@refillRequests/r1/via'],
    ['a note of 501 characters', { note: 'n'.repeat(501) }, 'refuse:refill.fields@refillRequests/r1/note'],
    ['a new request already done', { status: 'done', prescriptionId: 'rx-1' }, 'refuse:refill.fields@refillRequests/r1/status'],
    ['an unknown status', { status: 'approved' }, 'refuse:refill.fields@refillRequests/r1/status']
  ])('a request with %s is refused', (_, fields, violation) => {
    const live = liveDoc('patient');
    const o = write(live, desk, raw(fields));
    expect(o.violations).toContain(violation);
    expect(o.kind).toBe('refused');
    expect(live.doc.getMap('refillRequests').has('r1')).toBe(false);
  });

  it('positive control: the same hand-written request, well formed, is admitted', () => {
    expect(write(liveDoc('patient'), desk, raw({})).violations).toEqual([]);
  });

  it('a closed request is not reopened, and what was asked never changes', () => {
    const { live, id } = withRequest();
    expect(write(live, doctor, (doc) => closeRefillRequest(doc, id, { status: 'declined' }, actor(doctor))).violations).toEqual([]);
    expect(write(live, doctor, (doc) => entryMap(doc, 'refillRequests', id).set('status', 'open')).violations).toEqual([`refuse:refill.reopen@refillRequests/${id}/status`]);
    const { live: other, id: id2 } = withRequest();
    expect(write(other, desk, (doc) => entryMap(doc, 'refillRequests', id2).set('medicationText', 'Oxycodone')).violations).toEqual([`refuse:record.immutable@refillRequests/${id2}/medicationText`]);
    expect(write(other, doctor, (doc) => closeRefillRequest(doc, id2, { status: 'done', prescriptionId: 'rx-1' }, actor(doctor))).violations).toEqual([]);
    expect(write(other, doctor, (doc) => entryMap(doc, 'refillRequests', id2).set('prescriptionId', 'rx-2')).violations).toEqual([`refuse:record.immutable@refillRequests/${id2}/prescriptionId`]);
  });
});
