import type { AppointmentState, AppointmentStatus } from '../../domain/scheduling';
import { currentLanguage } from '../../i18n/locale.svelte';
import { m } from '../../paraglide/messages';

/**
 * Times on the schedule are shown in the clinic's zone, never the device's, so two desks agree;
 * the words and the order of day and month follow the app's language (read at each call, so a
 * language change re-renders them).
 */
export function timeIn(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleTimeString(currentLanguage(), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
}

/** A calendar day (YYYY-MM-DD) in words: "Monday, December 7, 2026", "segunda-feira, 7 de dezembro de 2026", "Jumatatu, 7 Desemba 2026". */
export function dayTitle(day: string): string {
  return new Date(day + 'T12:00:00Z').toLocaleDateString(currentLanguage(), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** The calendar day an instant falls on in `timeZone`, short and in the app's language ("12/7/2026", "07/12/2026"). */
export function shortDayIn(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleDateString(currentLanguage(), { day: '2-digit', month: '2-digit', year: 'numeric', timeZone });
}

/** ISO weekday (1 = Monday … 7 = Sunday) in the app's language; 1 January 2024 was a Monday. */
export function weekdayName(weekday: number, width: 'long' | 'short' = 'long'): string {
  return new Intl.DateTimeFormat(currentLanguage(), { weekday: width, timeZone: 'UTC' }).format(Date.UTC(2024, 0, weekday));
}

export function statusLabel(status: AppointmentStatus): string {
  switch (status) {
    case 'booked':
      return m.clinic_status_booked();
    case 'checked-in':
      return m.clinic_status_checked_in();
    case 'in-progress':
      return m.clinic_status_in_progress();
    case 'finished':
      return m.clinic_status_finished();
    case 'cancelled':
      return m.clinic_status_cancelled();
    case 'no-show':
      return m.clinic_status_no_show();
  }
}

/** The status words in the app's language (each read when shown). */
export const STATUS_LABEL: Readonly<Record<AppointmentStatus, string>> = {
  get booked() {
    return statusLabel('booked');
  },
  get 'checked-in'() {
    return statusLabel('checked-in');
  },
  get 'in-progress'() {
    return statusLabel('in-progress');
  },
  get finished() {
    return statusLabel('finished');
  },
  get cancelled() {
    return statusLabel('cancelled');
  },
  get 'no-show'() {
    return statusLabel('no-show');
  }
};

export function statusTone(state: AppointmentState): '' | 'ok' | 'warn' | 'danger' {
  if (state.status === 'checked-in' || state.status === 'in-progress') return 'ok';
  if (state.status === 'no-show') return 'warn';
  if (state.status === 'cancelled') return 'danger';
  return '';
}

/** "video" or "in person", lower case, for running text. */
export function modeWord(mode: 'video' | 'in-person'): string {
  return mode === 'video' ? m.clinic_mode_video_lower() : m.clinic_mode_in_person_lower();
}
