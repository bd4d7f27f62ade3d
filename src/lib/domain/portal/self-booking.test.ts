import { describe, expect, it } from 'vitest';
import type { Appointment } from '../scheduling/appointment';
import type { Availability } from '../scheduling/availability';
import { offeredSlots, patientMayChange, patientMayJoin, selfBookingPolicySchema, slotProblem, type SelfBookingPolicy } from './self-booking';

/**
 * The patient's free times and the checks on a booking, with a fixed clock:
 * Monday 2030-05-06 07:00 UTC. Dr A works Monday to Friday 08:00–12:00 in
 * Nairobi (UTC+3), so 05:00–09:00 UTC; consultations are 30 minutes.
 */
const NOW = Date.parse('2030-05-06T04:00:00Z');
const dr: Availability = { providerId: 'dr-a', timeZone: 'Africa/Nairobi', weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '08:00', end: '12:00' })), blocked: [] };
const policy: SelfBookingPolicy = { typeIds: ['consult'], minNoticeHours: 2, maxDaysAhead: 2 };
const type = { minutes: 30 };

function appt(id: string, patientId: string, start: string, status: Appointment['state']['status'] = 'booked', mode: Appointment['mode'] = 'in-person'): Appointment {
  const end = new Date(Date.parse(start) + 30 * 60_000).toISOString();
  const state = (status === 'booked' ? { status } : { status, at: start, by: 'x', reason: 'r' }) as Appointment['state'];
  return { id, providerId: 'dr-a', patientId, typeId: 'consult', mode, start, end, state, createdAt: '', createdBy: '', updatedAt: '', updatedBy: '' };
}

const ctx = (appointments: Appointment[] = []) => ({ availability: [dr], appointments, type, policy, timeZone: 'Africa/Nairobi', now: NOW, patientId: 'p1' });

describe('offered slots', () => {
  it('from 2 hours after now (06:00 UTC, 09:00 in Nairobi) to 2 days ahead, on the 30-minute grid, without taken times', () => {
    const days = offeredSlots(ctx([appt('x', 'p2', '2030-05-06T06:30:00.000Z')]));
    // Two days ahead ends at 04:00 UTC on Wednesday, before the doctor starts: no Wednesday.
    expect(days.map((d) => d.day)).toEqual(['2030-05-06', '2030-05-07']);
    expect(days[0].slots.map((s) => s.start)).toEqual([
      '2030-05-06T06:00:00.000Z',
      '2030-05-06T07:00:00.000Z',
      '2030-05-06T07:30:00.000Z',
      '2030-05-06T08:00:00.000Z',
      '2030-05-06T08:30:00.000Z'
    ]);
    expect(days[1].slots).toHaveLength(8);
  });

  it('leaves out times the patient already holds with anyone; a moved appointment’s own time counts as free', () => {
    const mine = appt('m', 'p1', '2030-05-07T05:00:00.000Z');
    expect(offeredSlots(ctx([mine]))[1].slots.map((s) => s.start)).not.toContain('2030-05-07T05:00:00.000Z');
    expect(offeredSlots({ ...ctx([mine]), ignoreId: 'm' })[1].slots.map((s) => s.start)).toContain('2030-05-07T05:00:00.000Z');
  });
});

describe('a booking checked again', () => {
  const problem = (start: string, appointments: Appointment[] = []) => slotProblem({ ...ctx(appointments), availability: dr }, start);

  it('a free time on the grid passes (positive control)', () => {
    expect(problem('2030-05-07T05:30:00.000Z')).toBeNull();
  });
  it('too soon, too far, off the grid, outside hours, taken, or the patient busy: each said', () => {
    expect(problem('2030-05-06T05:30:00.000Z')).toBe('outside-window');
    expect(problem('2030-05-09T05:30:00.000Z')).toBe('outside-window');
    expect(problem('2030-05-07T05:10:00.000Z')).toBe('not-offered');
    expect(problem('2030-05-07T10:00:00.000Z')).toBe('not-offered');
    expect(problem('2030-05-07T05:30:00.000Z', [appt('x', 'p2', '2030-05-07T05:30:00.000Z')])).toBe('taken');
    expect(problem('2030-05-07T05:30:00.000Z', [{ ...appt('y', 'p1', '2030-05-07T05:30:00.000Z'), providerId: 'nurse' }])).toBe('patient-busy');
    expect(slotProblem({ ...ctx(), availability: null }, '2030-05-07T05:30:00.000Z')).toBe('not-offered');
  });
  it('a cancelled appointment no longer holds the time', () => {
    expect(problem('2030-05-07T05:30:00.000Z', [appt('x', 'p2', '2030-05-07T05:30:00.000Z', 'cancelled')])).toBeNull();
  });
});

describe('what the patient may do with an appointment', () => {
  it('changes a booked one before it starts; not once started, past, checked in or cancelled', () => {
    expect(patientMayChange(appt('a', 'p1', '2030-05-06T05:00:00.000Z'), NOW)).toBe(true);
    expect(patientMayChange(appt('a', 'p1', '2030-05-06T04:00:00.000Z'), NOW)).toBe(false);
    expect(patientMayChange(appt('a', 'p1', '2030-05-06T05:00:00.000Z', 'checked-in'), NOW)).toBe(false);
    expect(patientMayChange(appt('a', 'p1', '2030-05-06T05:00:00.000Z', 'cancelled'), NOW)).toBe(false);
  });
  it('joins a video one from 15 minutes before its start until its end', () => {
    const v = (start: string, status: Appointment['state']['status'] = 'booked') => appt('v', 'p1', start, status, 'video');
    expect(patientMayJoin(v('2030-05-06T04:15:00.000Z'), NOW)).toBe(true);
    expect(patientMayJoin(v('2030-05-06T04:16:00.000Z'), NOW)).toBe(false);
    expect(patientMayJoin(v('2030-05-06T03:31:00.000Z'), NOW)).toBe(true);
    expect(patientMayJoin(v('2030-05-06T03:30:00.000Z'), NOW)).toBe(false);
    expect(patientMayJoin(v('2030-05-06T04:00:00.000Z', 'cancelled'), NOW)).toBe(false);
    expect(patientMayJoin(appt('i', 'p1', '2030-05-06T04:00:00.000Z'), NOW)).toBe(false);
  });
});

describe('the policy', () => {
  it('sorts and de-duplicates the types; refuses numbers out of range with the reason', () => {
    expect(selfBookingPolicySchema.parse({ typeIds: ['b', 'a', 'b'], minNoticeHours: 0, maxDaysAhead: 1 })).toEqual({ typeIds: ['a', 'b'], minNoticeHours: 0, maxDaysAhead: 1 });
    const r = selfBookingPolicySchema.safeParse({ typeIds: [], minNoticeHours: 1.5, maxDaysAhead: 1 });
    expect(r.success ? null : r.error.issues[0].message).toBe('The notice must be a whole number of hours');
  });
});
