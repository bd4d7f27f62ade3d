import { describe, expect, test } from 'vitest';
import { resultReleasedAt, resultReleaseSchema } from './result-release';

describe('when a patient sees a result', () => {
  const recordedAt = '2026-12-01T10:00:00.000Z';
  test.each([
    ['immediate, unreviewed', { mode: 'immediate' } as const, null, '2026-12-01T10:00:00.000Z'],
    ['after review, unreviewed: held', { mode: 'after-review' } as const, null, null],
    ['after review, reviewed', { mode: 'after-review' } as const, '2026-12-02T08:00:00.000Z', '2026-12-02T08:00:00.000Z'],
    ['after 3 days, unreviewed', { mode: 'after-days', days: 3 } as const, null, '2026-12-04T10:00:00.000Z'],
    ['after 3 days, reviewed sooner', { mode: 'after-days', days: 3 } as const, '2026-12-02T08:00:00.000Z', '2026-12-02T08:00:00.000Z'],
    ['after 3 days, reviewed later', { mode: 'after-days', days: 3 } as const, '2026-12-09T08:00:00.000Z', '2026-12-04T10:00:00.000Z']
  ])('%s', (_, policy, reviewedAt, expected) => {
    expect(resultReleasedAt(policy, { recordedAt, reviewedAt })).toBe(expected);
  });
});

describe('the policy as the console sends it', () => {
  test('days go with after-days only, 1 to 14', () => {
    expect(resultReleaseSchema.parse({ mode: 'after-days', days: 14 })).toEqual({ mode: 'after-days', days: 14 });
    expect(resultReleaseSchema.parse({ mode: 'after-review', days: null })).toEqual({ mode: 'after-review' });
    expect(resultReleaseSchema.safeParse({ mode: 'after-days', days: 15 }).success).toBe(false);
    expect(resultReleaseSchema.safeParse({ mode: 'after-days' }).success).toBe(false);
    expect(resultReleaseSchema.safeParse({ mode: 'immediate', days: 1 }).success).toBe(false);
  });
});
