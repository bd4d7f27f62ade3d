import { describe, expect, test } from 'vitest';
import type { Appointment } from './appointment';
import type { Availability } from './availability';
import { firstAvailable, type FirstAvailableOptions } from './first-available';
import { appointment } from './scheduling-factories';

/**
 * A clinic week in UTC (2026-07-13 is a Monday): weekdays 08:00–12:00 and
 * 13:00–17:00 (a lunch gap), Saturday 09:00–12:00, closed on Sunday.
 */
const week: Availability = {
  providerId: 'dr-a',
  timeZone: 'UTC',
  weekly: [
    ...[1, 2, 3, 4, 5].flatMap((weekday) => [
      { weekday, start: '08:00', end: '12:00' },
      { weekday, start: '13:00', end: '17:00' }
    ]),
    { weekday: 6, start: '09:00', end: '12:00' }
  ],
  blocked: []
};

const morningOf = (day: string) =>
  ['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '11:30'].map((t) => appointment(`${day}T${t}:00Z`, 30));

interface Case {
  name: string;
  now: string;
  appointments?: Appointment[];
  availability?: Availability;
  minutes?: number;
  options?: FirstAvailableOptions;
  expected: string | null;
}

const cases: Case[] = [
  { name: 'before opening: the first slot of the day', now: '2026-07-13T06:10:00Z', expected: '2026-07-13T08:00:00.000Z' },
  { name: 'a fully booked morning: the first slot after lunch', now: '2026-07-13T07:00:00Z', appointments: morningOf('2026-07-13'), expected: '2026-07-13T13:00:00.000Z' },
  {
    name: 'an appointment that ended exactly now frees its time',
    now: '2026-07-13T09:30:00Z',
    appointments: [appointment('2026-07-13T09:00:00Z', 30)],
    expected: '2026-07-13T09:30:00.000Z'
  },
  { name: 'a slot already under way is not offered: the next quarter hour', now: '2026-07-13T10:05:00Z', expected: '2026-07-13T10:15:00.000Z' },
  { name: 'the lunch gap: a slot that would run past noon waits for the afternoon', now: '2026-07-13T11:40:00Z', expected: '2026-07-13T13:00:00.000Z' },
  {
    name: 'lunch gap with a 45-minute type: 11:15 fits, 11:30 would not',
    now: '2026-07-13T11:10:00Z',
    minutes: 45,
    expected: '2026-07-13T11:15:00.000Z'
  },
  { name: 'after closing on Friday: Saturday morning', now: '2026-07-17T16:50:00Z', expected: '2026-07-18T09:00:00.000Z' },
  { name: 'Saturday noon: closed Sunday is skipped, Monday morning', now: '2026-07-18T12:00:00Z', expected: '2026-07-20T08:00:00.000Z' },
  { name: 'on a closed Sunday: Monday morning', now: '2026-07-19T10:00:00Z', expected: '2026-07-20T08:00:00.000Z' },
  {
    name: 'a whole day of leave: the next day',
    now: '2026-07-13T07:00:00Z',
    availability: { ...week, blocked: [{ id: 'leave', start: '2026-07-13T00:00:00Z', end: '2026-07-14T00:00:00Z', reason: 'Leave' }] },
    expected: '2026-07-14T08:00:00.000Z'
  },
  {
    name: 'cancelled and no-show appointments give their time back',
    now: '2026-07-13T07:00:00Z',
    appointments: [
      appointment('2026-07-13T08:00:00Z', 30, { state: { status: 'cancelled', reason: 'Ill', at: '', by: '' } }),
      appointment('2026-07-13T08:30:00Z', 30, { state: { status: 'no-show', at: '', by: '' } })
    ],
    expected: '2026-07-13T08:00:00.000Z'
  },
  {
    name: "another provider's appointments do not take this provider's time",
    now: '2026-07-13T07:00:00Z',
    appointments: morningOf('2026-07-13').map((a) => ({ ...a, providerId: 'dr-b' })),
    expected: '2026-07-13T08:00:00.000Z'
  },
  {
    name: 'the patient is with someone else at 08:00: after that appointment ends',
    now: '2026-07-13T07:00:00Z',
    appointments: [appointment('2026-07-13T08:00:00Z', 45, { providerId: 'dr-b', patientId: 'pat-1' })],
    options: { stepMinutes: 15, patientId: 'pat-1' },
    expected: '2026-07-13T08:45:00.000Z'
  },
  {
    name: 'working hours in the provider zone: 09:00 in Berlin is 07:00 UTC in summer',
    now: '2026-07-13T05:00:00Z',
    availability: { ...week, timeZone: 'Europe/Berlin', weekly: [{ weekday: 1, start: '09:00', end: '12:00' }] },
    expected: '2026-07-13T07:00:00.000Z'
  },
  {
    name: 'late evening in Berlin is already the next day there',
    now: '2026-07-13T22:30:00Z',
    availability: { ...week, timeZone: 'Europe/Berlin', weekly: [{ weekday: 2, start: '00:00', end: '02:00' }] },
    expected: '2026-07-13T22:30:00.000Z'
  },
  { name: 'no working hours at all: nothing', now: '2026-07-13T07:00:00Z', availability: { ...week, weekly: [] }, expected: null },
  {
    name: 'fully booked within the horizon: nothing',
    now: '2026-07-13T07:00:00Z',
    appointments: [appointment('2026-07-13T08:00:00Z', 9 * 60)],
    options: { stepMinutes: 15, horizonDays: 1 },
    expected: null
  }
];

describe('firstAvailable', () => {
  test.each(cases)('$name', ({ now, appointments = [], availability = week, minutes = 30, options = { stepMinutes: 15 }, expected }) => {
    const slot = firstAvailable(availability, appointments, { minutes }, Date.parse(now), options);
    expect(slot?.start ?? null).toBe(expected);
  });

  test('the slot carries its end', () => {
    expect(firstAvailable(week, [], { minutes: 45 }, Date.parse('2026-07-13T06:00:00Z'), { stepMinutes: 15 })).toEqual({
      start: '2026-07-13T08:00:00.000Z',
      end: '2026-07-13T08:45:00.000Z'
    });
  });
});
