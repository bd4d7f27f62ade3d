import { describe, expect, it } from 'vitest';
import { linkMinutesForAppointment } from './telehealth.service';

describe('a join link sent from the schedule', () => {
  const now = Date.parse('2026-12-01T09:00:00Z');
  it.each([
    ['later today: until two hours after it ends', '2026-12-01T13:30:00Z', 6.5 * 60],
    ['tomorrow', '2026-12-02T09:30:00Z', 26.5 * 60],
    ['already over: still an hour, for a patient who is late', '2026-12-01T06:00:00Z', 60],
    ['in three weeks: capped at the server limit of 7 days', '2026-12-22T09:00:00Z', 7 * 24 * 60],
    ['an unreadable end: an hour', 'not a date', 60]
  ])('%s', (_label, end, minutes) => {
    expect(linkMinutesForAppointment(end, now)).toBe(minutes);
  });
});
