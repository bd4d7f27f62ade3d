import { describe, expect, test } from 'vitest';
import { APPOINTMENT_STATUSES, type AppointmentState, type AppointmentStatus } from './appointment';
import { ALLOWED_EVENTS, APPOINTMENT_EVENT_TYPES, transition, type AppointmentEvent, type AppointmentEventType } from './appointment-state';

const AT = '2026-07-13T07:00:00.000Z';

function stateIn(status: AppointmentStatus): AppointmentState {
  if (status === 'booked') return { status };
  if (status === 'cancelled') return { status, reason: 'Ill', at: AT, by: 'Desk' };
  return { status, at: AT, by: 'Desk' };
}

function eventOf(type: AppointmentEventType): AppointmentEvent {
  return type === 'cancel' ? { type, reason: 'Patient called' } : { type };
}

describe('allowed transitions', () => {
  test.each([
    ['booked', 'check-in', 'checked-in'],
    ['booked', 'cancel', 'cancelled'],
    ['booked', 'no-show', 'no-show'],
    ['booked', 'reschedule', 'booked'],
    ['checked-in', 'start', 'in-progress'],
    ['checked-in', 'cancel', 'cancelled'],
    ['in-progress', 'finish', 'finished']
  ] as const)('%s --%s--> %s', (from, event, to) => {
    const r = transition(stateIn(from), eventOf(event), 'Desk', AT);
    expect(r.ok && r.state.status).toBe(to);
  });

  test('cancelling keeps the reason, who and when', () => {
    expect(transition({ status: 'booked' }, { type: 'cancel', reason: '  Patient called  ' }, 'Desk', AT)).toEqual({
      ok: true,
      state: { status: 'cancelled', reason: 'Patient called', at: AT, by: 'Desk' }
    });
  });

  test('cancelling without a reason is refused', () => {
    expect(transition({ status: 'booked' }, { type: 'cancel', reason: '   ' }, 'Desk', AT)).toEqual({ ok: false, reason: 'Say why the appointment is cancelled.' });
  });
});

const forbidden = APPOINTMENT_STATUSES.flatMap((status) =>
  APPOINTMENT_EVENT_TYPES.filter((e) => !ALLOWED_EVENTS[status].includes(e)).map((e) => [status, e] as const)
);

test('the forbidden list covers every pair not allowed', () => {
  expect(forbidden.length).toBe(APPOINTMENT_STATUSES.length * APPOINTMENT_EVENT_TYPES.length - 7);
});

test.each(forbidden)('a %s appointment refuses %s', (status, event) => {
  const r = transition(stateIn(status), eventOf(event), 'Desk', AT);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(new RegExp(`^A ${status} appointment cannot be`));
});
