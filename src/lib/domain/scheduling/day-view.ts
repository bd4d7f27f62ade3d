import type { Appointment } from './appointment';
import { conflictingIds, findConflicts } from './conflicts';
import { dayOf } from './time-zone';

export interface DayColumn {
  providerId: string;
  appointments: (Appointment & { conflict: boolean })[];
}

/**
 * The front desk's day: one column per provider (sorted by provider id),
 * appointments in start order, each flagged when it is part of a double
 * booking. `timeZone` is the clinic's, so an appointment shows on the day
 * the clinic experiences it. Pass `providerId` for one provider's view.
 * Cancelled and no-show appointments stay listed (the desk wants to see
 * them) but are never flagged.
 */
export function dayView(
  appointments: readonly Appointment[],
  day: string,
  timeZone: string,
  providerId?: string
): DayColumn[] {
  const onDay = appointments.filter(
    (a) => dayOf(Date.parse(a.start), timeZone) === day && (providerId === undefined || a.providerId === providerId)
  );
  const flagged = conflictingIds(findConflicts(onDay));
  const columns = new Map<string, DayColumn>();
  for (const a of onDay) {
    const col = columns.get(a.providerId) ?? { providerId: a.providerId, appointments: [] };
    col.appointments.push({ ...a, conflict: flagged.has(a.id) });
    columns.set(a.providerId, col);
  }
  for (const col of columns.values()) {
    col.appointments.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  }
  return [...columns.values()].sort((a, b) => a.providerId.localeCompare(b.providerId));
}
