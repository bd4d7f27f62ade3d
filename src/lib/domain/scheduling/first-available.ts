import type { Availability } from './availability';
import { holdsTime, type Appointment, type AppointmentType } from './appointment';
import { addDays } from './calendar';
import { freeSlots, type Slot } from './slots';
import { dayOf } from './time-zone';

export interface FirstAvailableOptions {
  /** Grid between candidate starts, in minutes (the booking form's quarter hours). */
  stepMinutes?: number;
  /** How many calendar days, today included, to look through before giving up (default 60). */
  horizonDays?: number;
  /** Also skip times when this patient already holds another appointment (with anyone). */
  patientId?: string;
}

/**
 * The next bookable slot for one provider and appointment type, starting no
 * earlier than `now`: today's remaining working hours first (in the
 * provider's own time zone), then each following day in turn. Closed days,
 * lunch gaps, blocked time and appointments that hold the provider's time
 * are skipped exactly as the booking form's slot list skips them; a slot
 * already under way is never offered. Null when nothing is free within the
 * horizon (no working hours at all, or a long leave).
 */
export function firstAvailable(
  availability: Availability,
  appointments: readonly Appointment[],
  type: Pick<AppointmentType, 'minutes'>,
  now: number,
  options: FirstAvailableOptions = {}
): Slot | null {
  const horizon = options.horizonDays ?? 60;
  const patientBusy = options.patientId
    ? appointments.filter((a) => a.patientId === options.patientId && holdsTime(a)).map((a) => [Date.parse(a.start), Date.parse(a.end)] as const)
    : [];
  const first = dayOf(now, availability.timeZone);
  for (let i = 0; i < horizon; i++) {
    const day = addDays(first, i);
    const slots = freeSlots(availability, appointments, day, type, { stepMinutes: options.stepMinutes, notBefore: now });
    const slot = slots.find((s) => !patientBusy.some(([start, end]) => Date.parse(s.start) < end && start < Date.parse(s.end)));
    if (slot) return slot;
  }
  return null;
}
