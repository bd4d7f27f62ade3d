import { describe, expect, it } from 'vitest';
import { isCalendarDate, nextViewMarks, patientAreaPath, VISIT_GAP_MS } from './portal-rules';

describe('portal rules', () => {
  it.each([
    ['1990-07-14', true],
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['1990-7-14', false],
    ['14/07/1990', false],
    ['', false]
  ])('%s is a calendar date: %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });

  it('openings closer than the visit gap are one visit; a later one moves the marker to the visit before', () => {
    const t0 = Date.UTC(2026, 0, 1, 9);
    expect(nextViewMarks(t0, null, null)).toEqual({ last: t0, previous: null });
    expect(nextViewMarks(t0 + 60_000, t0, null)).toEqual({ last: t0 + 60_000, previous: null });
    expect(nextViewMarks(t0 + VISIT_GAP_MS + 60_000, t0, null)).toEqual({ last: t0 + VISIT_GAP_MS + 60_000, previous: t0 });
  });

  it.each([
    ['/my', true],
    ['/my/', true],
    ['/security', true],
    ['/', false],
    ['/patients/x', false],
    ['/mystery', false],
    ['/admin', false]
  ])('%s is in the patient area: %s', (path, expected) => {
    expect(patientAreaPath(path)).toBe(expected);
  });
});
