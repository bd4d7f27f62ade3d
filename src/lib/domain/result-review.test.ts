import { describe, expect, it } from 'vitest';
import type { Observation } from './clinical';
import type { OrderRecord } from './orders';
import { needsReview, orderReviewList, resultsToReview } from './result-review';

const NOW = '2026-12-04T10:00:00.000Z';
const obs = (id: string, fields: Partial<Observation> = {}): Observation => ({
  id,
  status: 'final',
  category: 'laboratory',
  code: { text: 'Haemoglobin', coding: [{ system: 'http://loinc.org', code: '718-7' }] },
  effectiveDateTime: '2026-12-04T09:00:00.000Z',
  valueQuantity: { value: 13, unit: 'g/dL' },
  referenceRange: [{ low: { value: 12 }, high: { value: 16 } }],
  createdAt: '2026-12-04T09:00:00.000Z',
  createdBy: 'Nurse Njeri',
  updatedAt: '2026-12-04T09:00:00.000Z',
  updatedBy: 'Nurse Njeri',
  ...fields
});
const order = { id: 'r1', requester: { reference: 'Practitioner/u-doc', display: 'Dr Amani' } } as OrderRecord;

describe('results to review', () => {
  it('lists unreviewed lab results; reviewed ones, vital signs and results entered in error are not listed', () => {
    expect(needsReview(obs('a'), NOW)).toBe(true);
    expect(needsReview(obs('b', { reviewedAt: NOW, reviewedBy: 'Dr Amani', reviewedById: 'u-doc' }), NOW)).toBe(false);
    expect(needsReview(obs('c', { category: 'vital-signs' }), NOW)).toBe(false);
    expect(needsReview(obs('d', { status: 'entered-in-error' }), NOW)).toBe(false);
    // A half-written review is no review.
    expect(needsReview(obs('e', { reviewedAt: NOW }), NOW)).toBe(true);
  });

  it('an imported result is listed only when taken in the last 30 days', () => {
    expect(needsReview(obs('a', { sourceId: 's1', effectiveDateTime: '2026-11-04T10:00:00.000Z' }), NOW)).toBe(true);
    expect(needsReview(obs('b', { sourceId: 's2', effectiveDateTime: '2026-11-04T09:59:59.000Z' }), NOW)).toBe(false);
    expect(needsReview(obs('c', { sourceId: 's3', effectiveDateTime: '2015-01-01' }), NOW)).toBe(false);
  });

  it("names the order's requester as responsible, else whoever entered it; abnormal first, then mine, then newest", () => {
    const items = resultsToReview(
      'p1',
      [
        obs('normal-new', { effectiveDateTime: '2026-12-04T09:30:00.000Z' }),
        obs('low', { valueQuantity: { value: 9, unit: 'g/dL' }, basedOn: ['r1'] }),
        obs('critical', { interpretation: [{ text: '', coding: [{ code: 'LL' }] }], valueQuantity: { value: 5, unit: 'g/dL' } }),
        obs('normal-mine', { basedOn: ['r1'], effectiveDateTime: '2026-12-04T08:00:00.000Z' })
      ],
      [order],
      NOW
    );
    expect(items.find((i) => i.observationId === 'low')).toMatchObject({ level: 'warn', flagLabel: 'Low', value: '9', unit: 'g/dL', responsible: 'Dr Amani', responsibleId: 'u-doc' });
    expect(items.find((i) => i.observationId === 'normal-new')).toMatchObject({ level: 'normal', responsible: 'Nurse Njeri', responsibleId: undefined });
    expect(orderReviewList(items, { id: 'u-doc', name: 'Dr Amani' }).map((i) => i.observationId)).toEqual(['critical', 'low', 'normal-mine', 'normal-new']);
    expect(orderReviewList(items, { id: 'u-x', name: 'Dr X' }).map((i) => i.observationId)).toEqual(['critical', 'low', 'normal-new', 'normal-mine']);
  });
});
