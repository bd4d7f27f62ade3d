import { describe, expect, test } from 'vitest';
import { dayOf, isoWeekday, isTimeZone, zonedToInstant } from './time-zone';

const iso = (ms: number) => new Date(ms).toISOString();

describe('zonedToInstant', () => {
  test.each([
    ['2026-01-12', '09:00', 'Europe/Berlin', '2026-01-12T08:00:00.000Z'],
    ['2026-07-13', '09:00', 'Europe/Berlin', '2026-07-13T07:00:00.000Z'],
    ['2026-07-13', '09:00', 'America/New_York', '2026-07-13T13:00:00.000Z'],
    ['2026-07-13', '09:00', 'UTC', '2026-07-13T09:00:00.000Z'],
    ['2026-07-13', '09:00', 'Asia/Kolkata', '2026-07-13T03:30:00.000Z']
  ])('%s %s in %s is %s', (day, time, tz, expected) => {
    const [h, m] = time.split(':').map(Number);
    expect(iso(zonedToInstant(day, h * 60 + m, tz))).toBe(expected);
  });

  test('a wall time skipped when clocks go forward resolves to the hour after', () => {
    // Berlin, 29 March 2026: 02:00 local jumps to 03:00.
    expect(iso(zonedToInstant('2026-03-29', 150, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z');
  });

  test('a wall time that happens twice when clocks go back resolves to the first', () => {
    // Berlin, 25 October 2026: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30Z and 01:30Z.
    expect(iso(zonedToInstant('2026-10-25', 150, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
  });
});

test('isoWeekday counts Monday as 1 and Sunday as 7', () => {
  expect(isoWeekday('2026-07-13')).toBe(1);
  expect(isoWeekday('2026-07-19')).toBe(7);
});

test('dayOf names the local day, which differs from the UTC day near midnight', () => {
  const t = Date.parse('2026-07-13T23:30:00Z');
  expect(dayOf(t, 'UTC')).toBe('2026-07-13');
  expect(dayOf(t, 'Europe/Berlin')).toBe('2026-07-14');
});

test('isTimeZone rejects unknown names', () => {
  expect(isTimeZone('Europe/Berlin')).toBe(true);
  expect(isTimeZone('Mars/Olympus')).toBe(false);
});
