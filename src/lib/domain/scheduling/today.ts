import { holdsTime, type Appointment } from './appointment';
import { addDays } from './calendar';
import type { Provider } from './provider';
import { dayOf } from './time-zone';

/**
 * The home page's "Today": the appointments of the clinic's current day (in
 * the clinic's time zone, as the schedule shows them) for one provider or
 * for the whole clinic, the patients checked in and not yet seen, and the
 * next day that has appointments, so a closed day (Sunday) or a finished
 * evening still says what comes next. Cancelled and no-show appointments are
 * left out: they no longer need anyone.
 */
export interface TodayList {
  day: string;
  appointments: Appointment[];
  /** Checked in and not yet started, longest waiting first. */
  waiting: Appointment[];
  next: { day: string; appointments: Appointment[] } | null;
}

export interface TodayOptions {
  now: number;
  timeZone: string;
  /** One provider's appointments; absent for the whole clinic. */
  providerId?: string;
  /** Days after today searched for the next day with appointments (default 14). */
  lookAheadDays?: number;
}

/** Whose appointments a user's Today shows: their own when they are on the roster as a provider, else the clinic's. */
export function todayScope(providers: readonly Provider[], userId: string): string | undefined {
  return providers.some((p) => p.id === userId) ? userId : undefined;
}

export function todayList(appointments: readonly Appointment[], options: TodayOptions): TodayList {
  const { timeZone, providerId } = options;
  const day = dayOf(options.now, timeZone);
  const byDay = new Map<string, Appointment[]>();
  for (const a of appointments) {
    if (!holdsTime(a) || (providerId !== undefined && a.providerId !== providerId)) continue;
    const d = dayOf(Date.parse(a.start), timeZone);
    byDay.set(d, [...(byDay.get(d) ?? []), a]);
  }
  const sorted = (list: Appointment[]) => [...list].sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
  const todays = sorted(byDay.get(day) ?? []);
  const waiting = todays
    .filter((a) => a.state.status === 'checked-in')
    .sort((a, b) => stampOf(a).localeCompare(stampOf(b)) || a.start.localeCompare(b.start));
  let next: TodayList['next'] = null;
  for (let i = 1; i <= (options.lookAheadDays ?? 14) && !next; i++) {
    const d = addDays(day, i);
    const list = byDay.get(d);
    if (list?.length) next = { day: d, appointments: sorted(list) };
  }
  return { day, appointments: todays, waiting, next };
}

function stampOf(a: Appointment): string {
  return 'at' in a.state ? a.state.at : '';
}
