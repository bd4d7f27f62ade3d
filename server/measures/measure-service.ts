import type Database from 'better-sqlite3';
import * as Y from 'yjs';
import { MEASURE_FACTS_VERSION, measureFactsOf } from '../../src/lib/chart/measure-facts-reader';
import type { PatientFacts } from '../../src/lib/domain/measures/measure-facts';
import type { PatientLabel } from '../../src/lib/domain/measures/measure-fhir';
import type { PatientProjection } from '../store/patients';
import type { SyncService } from '../types';

/**
 * The quality measure facts of every patient of a clinic, read from the
 * stored `patient:` and `chart:` documents (lib/chart/measure-facts-reader.ts).
 *
 * Incremental: the facts are kept per patient, in memory and in SQLite
 * (`measure_facts`, migration 007), with the sync store's change cursor
 * they are up to date with. Each call asks the store which documents were
 * written after that cursor and re-reads only those patients: after ten
 * charts change, ten are decoded, not twenty thousand; after a restart the
 * stored facts are loaded instead of decoding every chart again. Facts
 * stored by another version of the reader are dropped and rebuilt.
 *
 * The facts hold codes, dates, values and visit providers; no names and no
 * note text. Drill-down labels (MRN, name) come from the server's patient
 * list (store/patients.ts).
 */
export interface MeasureService {
  /** Every patient's facts, up to date with every write stored before the call; sorted by patient id. */
  facts(clinicId: string): Promise<readonly PatientFacts[]>;
  /** MRN and name per patient of the clinic, for drill-down lists. */
  labels(clinicId: string): Map<string, PatientLabel>;
  /** How many patients were (re-)read from their documents since the service started: the incremental work, for tests and the bench. */
  readonly patientsRead: number;
}

export interface MeasureServiceDeps {
  sync: Pick<SyncService, 'changes' | 'readState'>;
  db: Database.Database;
  patients: Pick<PatientProjection, 'list'>;
}

interface ClinicCache {
  cursor: string | undefined;
  facts: Map<string, PatientFacts>;
  /** The refresh running now: concurrent callers wait for it. */
  running: Promise<void> | null;
  /** Sorted list handed out until the next change. */
  list: PatientFacts[] | null;
}

export function createMeasureService(deps: MeasureServiceDeps): MeasureService {
  const { sync, db } = deps;
  const clinics = new Map<string, ClinicCache>();
  let patientsRead = 0;
  const stmt = {
    cursor: db.prepare('SELECT version, cursor FROM measure_facts_cursor WHERE clinic_id = ?'),
    rows: db.prepare('SELECT patient_id, facts FROM measure_facts WHERE clinic_id = ?'),
    clear: db.prepare('DELETE FROM measure_facts WHERE clinic_id = ?'),
    put: db.prepare('INSERT OR REPLACE INTO measure_facts (clinic_id, patient_id, facts) VALUES (?, ?, ?)'),
    drop: db.prepare('DELETE FROM measure_facts WHERE clinic_id = ? AND patient_id = ?'),
    setCursor: db.prepare('INSERT OR REPLACE INTO measure_facts_cursor (clinic_id, version, cursor) VALUES (?, ?, ?)')
  };

  /** The clinic's stored facts, or an empty cache when none were stored (or by another reader version). */
  function load(clinicId: string): ClinicCache {
    const c: ClinicCache = { cursor: undefined, facts: new Map(), running: null, list: null };
    const saved = stmt.cursor.get(clinicId) as { version: string; cursor: string } | undefined;
    if (saved?.version !== MEASURE_FACTS_VERSION) {
      stmt.clear.run(clinicId);
      return c;
    }
    for (const row of stmt.rows.iterate(clinicId) as Iterable<{ patient_id: string; facts: string }>) c.facts.set(row.patient_id, JSON.parse(row.facts) as PatientFacts);
    c.cursor = saved.cursor;
    return c;
  }

  /** One patient's facts from their documents; null when the patient document is gone. */
  async function read(clinicId: string, patientId: string): Promise<PatientFacts | null> {
    const patientState = await sync.readState(`patient:${patientId}`, clinicId);
    if (!patientState) return null;
    // Named (guid) so Yjs does not draw a random one: that costs ~0.1 ms a document in Node, a quarter of a first build.
    const patientDoc = new Y.Doc({ guid: `patient:${patientId}` });
    const chartDoc = new Y.Doc({ guid: `chart:${patientId}` });
    try {
      Y.applyUpdate(patientDoc, patientState);
      const chartState = await sync.readState(`chart:${patientId}`, clinicId);
      if (chartState) Y.applyUpdate(chartDoc, chartState);
      patientsRead++;
      return measureFactsOf(patientDoc, chartState ? chartDoc : null, patientId);
    } finally {
      patientDoc.destroy();
      chartDoc.destroy();
    }
  }

  const save = db.transaction((clinicId: string, changed: Map<string, PatientFacts | null>, cursor: string) => {
    for (const [id, f] of changed) {
      if (f) stmt.put.run(clinicId, id, JSON.stringify(f));
      else stmt.drop.run(clinicId, id);
    }
    stmt.setCursor.run(clinicId, MEASURE_FACTS_VERSION, cursor);
  });

  async function refresh(c: ClinicCache, clinicId: string): Promise<void> {
    const { docs, cursor } = await sync.changes({ roles: ['clinician'], clinicId }, c.cursor);
    const ids = new Set<string>();
    for (const name of docs) {
      const m = /^(patient|chart):(.+)$/.exec(name);
      if (m) ids.add(m[2]);
    }
    const changed = new Map<string, PatientFacts | null>();
    for (const id of ids) changed.set(id, await read(clinicId, id));
    for (const [id, f] of changed) {
      if (f) c.facts.set(id, f);
      else c.facts.delete(id);
    }
    if (changed.size) c.list = null;
    if (changed.size || cursor !== c.cursor) save(clinicId, changed, cursor);
    c.cursor = cursor;
  }

  return {
    async facts(clinicId) {
      let c = clinics.get(clinicId);
      if (!c) {
        c = load(clinicId);
        clinics.set(clinicId, c);
      }
      const cache = c;
      // One refresh at a time per clinic; a caller arriving during one waits for it and then catches up itself.
      while (cache.running) await cache.running;
      cache.running = refresh(cache, clinicId).finally(() => {
        cache.running = null;
      });
      await cache.running;
      cache.list ??= [...cache.facts.values()].sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0));
      return cache.list;
    },
    labels(clinicId) {
      const out = new Map<string, PatientLabel>();
      for (const p of deps.patients.list(clinicId)) out.set(p.id, { mrn: p.mrn, name: [p.name.given.join(' '), p.name.family].filter(Boolean).join(' ') });
      return out;
    },
    get patientsRead() {
      return patientsRead;
    }
  };
}
