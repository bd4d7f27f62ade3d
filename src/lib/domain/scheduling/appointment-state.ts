import type { AppointmentState, AppointmentStatus } from './appointment';

/**
 * The appointment life cycle as one pure decision:
 *
 *   booked → checked-in → in-progress → finished
 *   booked → cancelled (with a reason) | no-show
 *   checked-in → cancelled (the patient left before being seen)
 *   booked → booked (rescheduled: new time, same appointment)
 *
 * finished, cancelled and no-show are final: a mistaken no-show is corrected
 * by booking again, so the record of what happened stays.
 */

export type AppointmentEvent =
  | { type: 'check-in' }
  | { type: 'start' }
  | { type: 'finish' }
  | { type: 'cancel'; reason: string }
  | { type: 'no-show' }
  | { type: 'reschedule' };
export type AppointmentEventType = AppointmentEvent['type'];

export const APPOINTMENT_EVENT_TYPES: readonly AppointmentEventType[] = ['check-in', 'start', 'finish', 'cancel', 'no-show', 'reschedule'];

export const ALLOWED_EVENTS: Record<AppointmentStatus, readonly AppointmentEventType[]> = {
  booked: ['check-in', 'cancel', 'no-show', 'reschedule'],
  'checked-in': ['start', 'cancel'],
  'in-progress': ['finish'],
  finished: [],
  cancelled: [],
  'no-show': []
};

export type TransitionResult = { ok: true; state: AppointmentState } | { ok: false; reason: string };

/** What `event` does to an appointment in `state`, done by `by` at `at`; a refusal says why in words for the front desk. */
export function transition(state: AppointmentState, event: AppointmentEvent, by: string, at: string): TransitionResult {
  if (!ALLOWED_EVENTS[state.status].includes(event.type)) {
    return { ok: false, reason: `A ${state.status} appointment cannot be ${PAST[event.type]}.` };
  }
  switch (event.type) {
    case 'check-in':
      return { ok: true, state: { status: 'checked-in', at, by } };
    case 'start':
      return { ok: true, state: { status: 'in-progress', at, by } };
    case 'finish':
      return { ok: true, state: { status: 'finished', at, by } };
    case 'no-show':
      return { ok: true, state: { status: 'no-show', at, by } };
    case 'reschedule':
      return { ok: true, state: { status: 'booked' } };
    case 'cancel': {
      const reason = event.reason.trim();
      if (!reason) return { ok: false, reason: 'Say why the appointment is cancelled.' };
      return { ok: true, state: { status: 'cancelled', reason, at, by } };
    }
  }
}

const PAST: Record<AppointmentEventType, string> = {
  'check-in': 'checked in',
  start: 'started',
  finish: 'finished',
  cancel: 'cancelled',
  'no-show': 'marked as no-show',
  reschedule: 'rescheduled'
};
