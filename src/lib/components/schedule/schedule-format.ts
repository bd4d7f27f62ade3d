import type { AppointmentState, AppointmentStatus } from '../../domain/scheduling';

/** Times on the schedule are shown in the clinic's zone, never the device's, so two desks agree. */
export function timeIn(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
}

export function dayTitle(day: string): string {
  return new Date(day + 'T12:00:00Z').toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export const STATUS_LABEL: Record<AppointmentStatus, string> = {
  booked: 'Booked',
  'checked-in': 'Checked in',
  'in-progress': 'In progress',
  finished: 'Finished',
  cancelled: 'Cancelled',
  'no-show': 'No-show'
};

export function statusTone(state: AppointmentState): '' | 'ok' | 'warn' | 'danger' {
  if (state.status === 'checked-in' || state.status === 'in-progress') return 'ok';
  if (state.status === 'no-show') return 'warn';
  if (state.status === 'cancelled') return 'danger';
  return '';
}

export const WEEKDAY_LABEL = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
