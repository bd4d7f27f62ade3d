import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { recordPointOfCare } from '../../src/lib/chart/order-doc';
import { markResultReviewed } from '../../src/lib/chart/result-review-doc';
import type { Role } from '../../src/lib/domain/roles';
import type { Author } from './policy-types';
import { desk, doctor, doctor2, entryMap, entryOf, liveDoc, nurse, seed, write, ymap } from './test-factories';

/**
 * Marking a lab result reviewed, through the write policy: a clinician's
 * review is admitted whole; a nurse's or the front desk's, a half-written
 * one, one naming someone else, a review of a vital sign, and any change
 * to a recorded review are refused, whatever the app would have let through.
 */

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
});
afterAll(() => {
  vi.useRealTimers();
});

const who = (a: Author) => ({ actor: { id: a.userId, name: a.name }, roles: a.roles as Role[] });
const actorOf = (a: Author) => ({ id: a.userId, name: a.name });

/** A chart holding one haemoglobin result entered by the nurse (admitted). */
function chartWithResult() {
  const live = liveDoc();
  let id = '';
  const o = write(live, nurse, (doc) => (id = recordPointOfCare(doc, { code: '718-7', value: 7.2, population: 'woman' }, who(nurse)).observationIds[0]));
  expect(o.violations).toEqual([]);
  return { live, id };
}

const review = (id: string, fields: Record<string, unknown>) => (doc: Y.Doc) => {
  const e = entryMap(doc, 'observations', id);
  for (const [k, v] of Object.entries(fields)) e.set(k, v);
};

describe('result review through the policy', () => {
  it("a clinician's review made by the app is admitted and stored with who and when", () => {
    const { live, id } = chartWithResult();
    const o = write(live, doctor, (doc) => markResultReviewed(doc, id, actorOf(doctor)));
    expect(o.violations).toEqual([]);
    expect(o.kind).toBe('accepted');
    expect(entryOf(live, 'observations', id)).toMatchObject({ reviewedAt: '2026-12-04T09:59:00.000Z', reviewedBy: 'Dr Amani', reviewedById: 'u-doc' });
  });

  it.each([
    ['a nurse', nurse],
    ['the front desk', desk]
  ])("%s marking a result reviewed (a crafted update) is refused", (_, author) => {
    const { live, id } = chartWithResult();
    const o = write(live, author, review(id, { reviewedAt: '2026-12-04T09:59:00.000Z', reviewedBy: author.name, reviewedById: author.userId }));
    expect(o.violations).toContain('refuse:lab.review-role@observations/' + id + '/reviewedAt');
    expect(o.kind).toBe('refused');
    expect(entryOf(live, 'observations', id)).not.toHaveProperty('reviewedAt');
  });

  it.each([
    ['no reviewer id', { reviewedAt: '2026-12-04T09:59:00.000Z', reviewedBy: 'Dr Amani' }, 'refuse:lab.review-fields'],
    ['an empty reviewer name', { reviewedAt: '2026-12-04T09:59:00.000Z', reviewedBy: ' ', reviewedById: 'u-doc' }, 'refuse:lab.review-fields'],
    ['a time that is a number', { reviewedAt: 1733305140000, reviewedBy: 'Dr Amani', reviewedById: 'u-doc' }, 'refuse:structure.field-type'],
    ["another clinician's id", { reviewedAt: '2026-12-04T09:59:00.000Z', reviewedBy: 'Dr Amani', reviewedById: 'u-doc2' }, 'refuse:provenance.forged-id']
  ])('a review with %s is refused', (_, fields, rule) => {
    const { live, id } = chartWithResult();
    const o = write(live, doctor, review(id, fields));
    expect(o.violations.some((v) => v.startsWith(rule + '@observations/' + id + '/'))).toBe(true);
    expect(o.kind).toBe('refused');
    expect(entryOf(live, 'observations', id)).not.toHaveProperty('reviewedById');
  });

  it('a review of a vital sign is refused; the same review of the lab result stands', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('observations').set('v1', ymap({ id: 'v1', resourceType: 'Observation', status: 'final', category: 'vital-signs', code: { text: 'Pulse' }, createdAt: '2026-12-04T09:00:00.000Z', createdBy: 'Nurse Njeri', updatedAt: '2026-12-04T09:00:00.000Z', updatedBy: 'Nurse Njeri' })));
    expect(write(live, doctor, (doc) => markResultReviewed(doc, 'v1', actorOf(doctor))).violations).toContain('refuse:lab.review-fields@observations/v1/reviewedAt');
    const { live: lab, id } = chartWithResult();
    expect(write(lab, doctor, (doc) => markResultReviewed(doc, id, actorOf(doctor))).violations).toEqual([]);
  });

  it('a recorded review never changes: another clinician re-reviewing, or removing it, is refused', () => {
    const { live, id } = chartWithResult();
    expect(write(live, doctor, (doc) => markResultReviewed(doc, id, actorOf(doctor))).violations).toEqual([]);
    const again = write(live, doctor2, review(id, { reviewedAt: '2026-12-04T09:59:30.000Z', reviewedBy: 'Dr Baraka', reviewedById: 'u-doc2' }));
    expect(again.violations).toContain('refuse:record.immutable@observations/' + id + '/reviewedById');
    expect(again.kind).toBe('refused');
    const removed = write(live, doctor, (doc) => entryMap(doc, 'observations', id).delete('reviewedAt'));
    expect(removed.kind).toBe('refused');
    expect(entryOf(live, 'observations', id)).toMatchObject({ reviewedBy: 'Dr Amani', reviewedById: 'u-doc' });
  });
});
