import * as Y from 'yjs';
import { measureFactsOf } from '../../src/lib/chart/measure-facts-reader';
import { readPatient } from '../../src/lib/chart/patient-doc';
import type { PatientFacts } from '../../src/lib/domain/measures/measure-facts';
import type { PatientLabel } from '../../src/lib/domain/measures/measure-fhir';
import type { SyncService } from '../types';

/**
 * The quality measure facts of every patient of a clinic, read from the
 * stored `patient:` and `chart:` documents (lib/chart/measure-facts-reader.ts)
 * and kept in memory per clinic with the sync store's change cursor. Each
 * call asks the store which documents were written after the cursor and
 * re-reads only those patients: after ten charts change, ten are decoded,
 * not twenty thousand. The first call of a process reads them all.
 *
 * Holds facts (codes, dates, values) and each patient's MRN and name for
 * drill-down lists; no note text.
 */
export interface MeasureService {
  /** Every patient's facts, up to date with every write stored before the call. */
  facts(clinicId: string): Promise<readonly PatientFacts[]>;
  /** MRN and name of a patient of the clinic, for drill-down lists. */
  label(clinicId: string, patientId: string): PatientLabel;
  /** How many patients were (re-)read since the service started: the incremental work, for tests and the bench. */
  readonly patientsRead: number;
}

interface ClinicCache {
  cursor: string | undefined;
  facts: Map<string, PatientFacts>;
  labels: Map<string, PatientLabel>;
  /** The refresh running now: concurrent callers share it. */
  running: Promise<void> | null;
  /** Sorted list handed out until the next change. */
  list: PatientFacts[] | null;
}

export function createMeasureService(sync: Pick<SyncService, 'changes' | 'readState'>): MeasureService {
  const clinics = new Map<string, ClinicCache>();
  let patientsRead = 0;

  async function readPatientFacts(c: ClinicCache, clinicId: string, patientId: string): Promise<void> {
    const patientState = await sync.readState(`patient:${patientId}`, clinicId);
    if (!patientState) {
      c.facts.delete(patientId);
      c.labels.delete(patientId);
      return;
    }
    const patientDoc = new Y.Doc();
    const chartDoc = new Y.Doc();
    try {
      Y.applyUpdate(patientDoc, patientState);
      const chartState = await sync.readState(`chart:${patientId}`, clinicId);
      if (chartState) Y.applyUpdate(chartDoc, chartState);
      c.facts.set(patientId, measureFactsOf(patientDoc, chartState ? chartDoc : null, patientId));
      const p = readPatient(patientDoc);
      c.labels.set(patientId, { mrn: p?.mrn ?? '', name: p ? [p.given.join(' '), p.family].filter(Boolean).join(' ') : '' });
      patientsRead++;
    } finally {
      patientDoc.destroy();
      chartDoc.destroy();
    }
  }

  async function refresh(c: ClinicCache, clinicId: string): Promise<void> {
    const { docs, cursor } = sync.changes({ roles: ['clinician'], clinicId }, c.cursor);
    const changed = new Set<string>();
    for (const name of docs) {
      const m = /^(patient|chart):(.+)$/.exec(name);
      if (m) changed.add(m[2]);
    }
    for (const patientId of changed) await readPatientFacts(c, clinicId, patientId);
    if (changed.size) c.list = null;
    c.cursor = cursor;
  }

  return {
    async facts(clinicId) {
      let c = clinics.get(clinicId);
      if (!c) {
        c = { cursor: undefined, facts: new Map(), labels: new Map(), running: null, list: null };
        clinics.set(clinicId, c);
      }
      const cache = c;
      // One refresh at a time per clinic; a caller arriving during one waits for it and then catches up itself.
      while (cache.running) await cache.running;
      cache.running = refresh(cache, clinicId).finally(() => {
        cache.running = null;
      });
      await cache.running;
      cache.list ??= [...cache.facts.values()].sort((a, b) => a.patientId.localeCompare(b.patientId));
      return cache.list;
    },
    label(clinicId, patientId) {
      return clinics.get(clinicId)?.labels.get(patientId) ?? { mrn: '', name: '' };
    },
    get patientsRead() {
      return patientsRead;
    }
  };
}
