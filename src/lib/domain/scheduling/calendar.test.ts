import { describe, expect, test } from 'vitest';
import { addDays, isCalendarDay } from './calendar';

describe('calendar days', () => {
  test.each([
    ['2026-12-31', 1, '2027-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-03-01', -1, '2026-02-28'],
    // Across the European spring change: still the next calendar day, not 23 hours later.
    ['2026-03-29', 1, '2026-03-30'],
    ['2026-07-13', 0, '2026-07-13']
  ])('%s %+d → %s', (day, n, expected) => {
    expect(addDays(day, n)).toBe(expected);
  });

  test.each(['2026-02-30', '2026-13-01', '26-01-01', '2026-1-1', '', '2026-01-01T00:00'])('rejects %j', (value) => {
    expect(isCalendarDay(value)).toBe(false);
  });

  test('accepts a leap day', () => expect(isCalendarDay('2028-02-29')).toBe(true));
});
