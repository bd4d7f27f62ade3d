import { describe, expect, it } from 'vitest';
import type { Observation, Report } from '../clinical';
import { heldResultIds } from './result-hold';

const now = new Date('2026-12-06T12:00:00.000Z');

function lab(id: string, extra: Partial<Observation> = {}): Observation {
  return {
    id,
    status: 'final',
    category: 'laboratory',
    code: { text: id },
    effectiveDateTime: '2026-12-06T08:00:00.000Z',
    createdAt: '2026-12-06T09:00:00.000Z',
    createdBy: 'Dr A',
    updatedAt: '2026-12-06T09:00:00.000Z',
    updatedBy: 'Dr A',
    ...extra
  } as Observation;
}
const report = (id: string, result: string[]) => ({ id, status: 'final', category: [], code: { text: id }, effectiveDateTime: '', result }) as unknown as Report;

describe('heldResultIds', () => {
  it('after review: an unreviewed result and its report are held; a reviewed one, a vital sign and an old imported result are not', () => {
    const held = heldResultIds(
      { mode: 'after-review' },
      [
        lab('fresh'),
        lab('reviewed', { reviewedAt: '2026-12-06T10:00:00.000Z', reviewedBy: 'Dr A', reviewedById: 'u-a' }),
        lab('pulse', { category: 'vital-signs' }),
        // Brought in from a past record, 2019: on nobody's review list, so never held for ever.
        lab('imported-2019', { sourceId: 'syn-1', effectiveDateTime: '2019-05-01T08:00:00.000Z', createdAt: '2026-12-01T09:00:00.000Z' }),
        // Imported but taken last week: it is on the review list, so it waits like any other.
        lab('imported-recent', { sourceId: 'syn-2', effectiveDateTime: '2026-12-01T08:00:00.000Z' })
      ],
      [report('panel', ['fresh']), report('other-panel', ['reviewed'])],
      now
    );
    expect([...held].sort()).toEqual(['fresh', 'imported-recent', 'panel']);
  });

  it('after at most 2 days: held until two days after it reached the chart, to the millisecond', () => {
    const at = (createdAt: string) => heldResultIds({ mode: 'after-days', days: 2 }, [lab('x', { createdAt })], [], now);
    expect([...at('2026-12-04T12:00:00.001Z')]).toEqual(['x']);
    expect([...at('2026-12-04T12:00:00.000Z')]).toEqual([]);
  });

  it('immediately: nothing is held', () => {
    expect(heldResultIds({ mode: 'immediate' }, [lab('fresh')], [report('panel', ['fresh'])], now).size).toBe(0);
  });
});
