import * as Y from 'yjs';
import { isScheduleDoc, listAppointments, listAppointmentTypes, listProviders, scheduleTimeZone } from '../chart/schedule-doc';
import { docAccess, scheduleName } from '../domain/doc-names';
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
  const doc = new Y.Doc();
  try {
    if (!(await ws.vault.docs.loadInto(scheduleName(ws.user.clinicId), doc, null)) || !isScheduleDoc(doc)) return null;
    return {
      timeZone: scheduleTimeZone(doc),
      providers: listProviders(doc),
      types: listAppointmentTypes(doc),
      appointments: listAppointments(doc)
    };
  } finally {
    doc.destroy();
  }
}
