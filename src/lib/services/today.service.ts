import { isScheduleDoc, listAppointmentTypes, listProviders, scheduleTimeZone } from '../chart/schedule-doc';
import { bookAppointments } from '../chart/schedule-months';
import { docAccess } from '../domain/doc-names';
import { readDeviceBook } from './device-book';
import type { Appointment, AppointmentType, Provider } from '../domain/scheduling';
import { currentWorkspace, type Workspace } from './workspace';

/**
 * What the home page's Today is built from: the clinic's appointment book
 * as stored on this device (read, never opened live, so it costs no
 * connection and works offline). Read again after every sync round, which
 * is when appointments booked on other devices arrive.
 */
export interface ScheduleSnapshot {
  timeZone: string;
  providers: Provider[];
  types: AppointmentType[];
  appointments: Appointment[];
}

/** Null when the role may not read the book, or the book has not reached this device yet. */
export async function readScheduleSnapshot(ws: Workspace = currentWorkspace()): Promise<ScheduleSnapshot | null> {
  if (docAccess(ws.user.roles, 'schedule') === 'none') return null;
  const book = await readDeviceBook(ws);
  if (!book) return null;
  try {
    const doc = book.settings;
    if (!isScheduleDoc(doc)) return null;
    return {
      timeZone: scheduleTimeZone(doc),
      providers: listProviders(doc),
      types: listAppointmentTypes(doc),
      appointments: bookAppointments(book)
    };
  } finally {
    book.destroy();
  }
}
