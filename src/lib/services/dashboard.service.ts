import * as Y from 'yjs';
import { reportingRecord } from '../chart/reporting-doc';
import { listAppointments, listProviders, scheduleTimeZone } from '../chart/schedule-doc';
import { parseDocName, scheduleName } from '../domain/doc-names';
import type { DashboardInput, DashboardProvider } from '../domain/reporting/dashboard-stats';
import type { Workspace } from './workspace';

/**
 * What the clinic dashboard counts, read on this device from the documents
 * sync brought here (works offline): every chart the user's role lets the
 * device hold, and the clinic's appointment book. One chart at a time,
 * yielding between charts so the page stays responsive on a phone. A chart
 * that cannot be read is counted in `unreadable` and shown as such.
 */
export interface DashboardData extends DashboardInput {
  visits: DashboardInput['visits'][number][];
  diagnoses: DashboardInput['diagnoses'][number][];
  providers: DashboardProvider[];
  timeZone: string;
  charts: number;
  unreadable: number;
  /** False when the appointment book is not on this device (no-show and waiting figures then say so). */
  hasSchedule: boolean;
}

const yieldToBrowser = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function loadDashboardData(ws: Workspace): Promise<DashboardData> {
  const names = await ws.vault.docs.docNames();
  const data: DashboardData = { visits: [], diagnoses: [], appointments: [], providers: [], timeZone: 'UTC', charts: 0, unreadable: 0, hasSchedule: false };

  const schedule = scheduleName(ws.user.clinicId);
  if (names.includes(schedule)) {
    const doc = new Y.Doc();
    try {
      if (await ws.vault.docs.loadInto(schedule, doc, null)) {
        data.hasSchedule = true;
        data.timeZone = scheduleTimeZone(doc);
        data.appointments = listAppointments(doc);
        data.providers = listProviders(doc).map((p) => ({ id: p.id, name: p.name }));
      }
    } finally {
      doc.destroy();
    }
  }

  for (const name of names) {
    const parsed = parseDocName(name);
    if (parsed?.kind !== 'chart') continue;
    const doc = new Y.Doc();
    try {
      if (!(await ws.vault.docs.loadInto(name, doc, null))) continue;
      const record = reportingRecord(parsed.patientId, null, doc);
      data.visits.push(...record.visits);
      data.diagnoses.push(...record.diagnoses);
      data.charts++;
    } catch {
      data.unreadable++;
    } finally {
      doc.destroy();
    }
    await yieldToBrowser();
  }
  return data;
}
