import type { Availability } from './availability';
import { holdsTime, type Appointment, type AppointmentType } from './appointment';
import { isoWeekday, minutesOf, zonedToInstant } from './time-zone';

export interface Slot {
  /** UTC instants (ISO). */
  start: string;
  end: string;
}

export interface SlotOptions {
  /** Grid between candidate starts, in minutes (default: the type's length). */
  stepMinutes?: number;
  /** Slots starting before this instant are not offered (ms since epoch). */
  notBefore?: number;
}

interface Interval {
  start: number;
  end: number;
}

const overlaps = (a: Interval, b: Interval) => a.start < b.end && b.start < a.end;

/**
 * Bookable slots for one provider on one local calendar day (`YYYY-MM-DD`
 * in the provider's time zone): each working-hours window is cut into a grid
 * from its start, and a slot is offered when it fits the window entirely and
 * overlaps neither a blocked interval nor an appointment that still holds
 * the provider's time. Sorted by start, without duplicates (two windows that
 * touch can produce the same slot).
 */
export function freeSlots(
  availability: Availability,
  appointments: readonly Appointment[],
  day: string,
  type: Pick<AppointmentType, 'minutes'>,
  options: SlotOptions = {}
): Slot[] {
  const length = type.minutes * 60_000;
  const step = (options.stepMinutes ?? type.minutes) * 60_000;
  if (step <= 0) throw new Error('stepMinutes must be positive');
  const busy: Interval[] = [
    ...availability.blocked.map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end) })),
    ...appointments
      .filter((a) => a.providerId === availability.providerId && holdsTime(a))
      .map((a) => ({ start: Date.parse(a.start), end: Date.parse(a.end) }))
  ];
  const weekday = isoWeekday(day);
  const starts = new Set<number>();
  for (const w of availability.weekly) {
    if (w.weekday !== weekday) continue;
    const open = zonedToInstant(day, minutesOf(w.start), availability.timeZone);
    const close = zonedToInstant(day, minutesOf(w.end), availability.timeZone);
    for (let t = open; t + length <= close; t += step) {
      if (options.notBefore !== undefined && t < options.notBefore) continue;
      const slot = { start: t, end: t + length };
      if (!busy.some((b) => overlaps(slot, b))) starts.add(t);
    }
  }
  return [...starts]
    .sort((a, b) => a - b)
    .map((t) => ({ start: new Date(t).toISOString(), end: new Date(t + length).toISOString() }));
}
