import type { Appointment } from './appointment';
import { findConflicts, type Conflict } from './conflicts';
import { dayView } from './day-view';
import type { Provider } from './provider';
import { dayOf } from './time-zone';

/**
 * What the front desk's day screen shows: one column per provider (every
 * active provider, even with an empty day, plus anyone inactive who still
 * has appointments that day), and the day's double bookings as pairs of the
 * two appointments involved, so a banner can name both.
 */
export interface DayBoard {
  columns: { provider: Provider; appointments: (Appointment & { conflict: boolean })[] }[];
  conflicts: { conflict: Conflict; first: Appointment; second: Appointment }[];
}

export function dayBoard(
  appointments: readonly Appointment[],
  providers: readonly Provider[],
  day: string,
  timeZone: string,
  providerId?: string
): DayBoard {
  const columns = new Map(dayView(appointments, day, timeZone, providerId).map((c) => [c.providerId, c.appointments]));
  const known = new Map(providers.map((p) => [p.id, p]));
  const shown: DayBoard['columns'] = [];
  for (const p of providers) {
    if (providerId !== undefined && p.id !== providerId) continue;
    if (!p.active && !columns.has(p.id)) continue;
    shown.push({ provider: p, appointments: columns.get(p.id) ?? [] });
  }
  // Appointments for a provider missing from the roster (removed on another device) must still be seen.
  for (const [id, list] of columns) {
    if (!known.has(id)) shown.push({ provider: { id, name: 'Unknown provider', active: false }, appointments: list });
  }
  const onDay = appointments.filter((a) => dayOf(Date.parse(a.start), timeZone) === day && (providerId === undefined || a.providerId === providerId));
  const byId = new Map(onDay.map((a) => [a.id, a]));
  const conflicts = findConflicts(onDay).map((conflict) => ({ conflict, first: byId.get(conflict.first)!, second: byId.get(conflict.second)! }));
  return { columns: shown, conflicts };
}
