import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { reportingRecord } from '../../src/lib/chart/reporting-doc';
import { scheduleTimeZone } from '../../src/lib/chart/schedule-doc';
import { docName, scheduleName } from '../../src/lib/domain/doc-names';
import type { ReportingRecord } from '../../src/lib/domain/reporting/reporting-record';
import type { SyncService } from '../types';

/**
 * The clinic's records as reporting counts them, read from the stored
 * documents the way the FHIR bulk export reads them (every patient with a
 * `patient:` or `chart:` document in the clinic, through the sync service
 * so live edits not yet compacted are included), one patient at a time,
 * yielding to the event loop between patients so requests keep being
 * answered. A record that cannot be decoded is left out and counted in
 * `unreadable`, so a report says it is incomplete rather than silently
 * short.
 */
export interface ClinicRecords {
  records: ReportingRecord[];
  unreadable: number;
  /** The clinic's time zone (its appointment book's), which decides the month of an event; UTC when none is set. */
  timeZone: string;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createClinicRecordReader(db: Database.Database, sync: Pick<SyncService, 'readState'>) {
  const patientsOf = db.prepare<[string], { patient_id: string }>(
    "SELECT DISTINCT patient_id FROM documents WHERE clinic_id = ? AND kind IN ('patient', 'chart') ORDER BY patient_id"
  );

  async function load(name: string, clinicId: string): Promise<Y.Doc | null> {
    const state = await sync.readState(name, clinicId);
    if (!state) return null;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    return doc;
  }

  return async function read(clinicId: string): Promise<ClinicRecords> {
    const schedule = await load(scheduleName(clinicId), clinicId).catch(() => null);
    const timeZone = schedule ? scheduleTimeZone(schedule) : 'UTC';
    schedule?.destroy();
    const records: ReportingRecord[] = [];
    let unreadable = 0;
    for (const { patient_id: id } of patientsOf.all(clinicId)) {
      let patient: Y.Doc | null = null;
      let chart: Y.Doc | null = null;
      try {
        patient = await load(docName('patient', id), clinicId);
        chart = await load(docName('chart', id), clinicId);
        records.push(reportingRecord(id, patient, chart));
      } catch {
        unreadable++;
      } finally {
        patient?.destroy();
        chart?.destroy();
      }
      await yieldToLoop();
    }
    return { records, unreadable, timeZone };
  };
}
