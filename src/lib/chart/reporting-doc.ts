import * as Y from 'yjs';
import { CVX_SYSTEM } from '../domain/immunization-schedule';
import type { ReportingRecord, ReportingVisit } from '../domain/reporting/reporting-record';
import { listConditions, listEncounters } from './chart-doc';
import { listImmunizations } from './clinical-doc';
import { readPatient } from './patient-doc';

/**
 * Reads what reporting counts out of a patient's two documents (either may
 * be missing: a chart never written, or a device that holds charts but not
 * demographics). Used by the server for DHIS2 reports and by the device for
 * the clinic dashboard.
 *
 * A visit's diagnoses are the codes of its reason (as imported visits carry
 * them), of problems linked to it, and of problems entered in the chart on
 * the (UTC) day of the visit: a problem charted during a visit is the
 * visit's diagnosis even when the app did not link the two.
 */
export function reportingRecord(patientId: string, patientDoc: Y.Doc | null, chartDoc: Y.Doc | null): ReportingRecord {
  const patient = patientDoc ? readPatient(patientDoc) : null;
  const record: ReportingRecord = {
    patientId,
    sex: patient?.gender ?? 'unknown',
    birthDate: patient?.birthDate ?? '',
    visits: [],
    diagnoses: [],
    doses: []
  };
  if (!chartDoc) return record;

  const conditions = chartDoc.getMap('conditions');
  for (const c of listConditions(chartDoc)) {
    record.diagnoses.push({
      id: c.id,
      codes: codesOf(c.code.coding),
      text: c.code.text,
      onsetDate: c.onsetDate,
      recordedDate: c.recordedDate,
      verificationStatus: c.verificationStatus,
      recordedBy: c.createdBy
    });
  }
  const linked = new Map<string, string[]>();
  const byDay = new Map<string, string[]>();
  for (const d of record.diagnoses) {
    if (d.verificationStatus === 'entered-in-error' || d.verificationStatus === 'refuted') continue;
    const e = conditions.get(d.id);
    const encounterId = e instanceof Y.Map ? e.get('encounterId') : undefined;
    if (typeof encounterId === 'string') linked.set(encounterId, [...(linked.get(encounterId) ?? []), ...d.codes]);
    const day = d.recordedDate.slice(0, 10);
    if (day) byDay.set(day, [...(byDay.get(day) ?? []), ...d.codes]);
  }

  const encounters = chartDoc.getMap('encounters');
  for (const e of listEncounters(chartDoc)) {
    const stored = encounters.get(e.id);
    const reason = stored instanceof Y.Map ? stored.get('reasonCoding') : undefined;
    const visit: ReportingVisit = {
      id: e.id,
      start: e.start,
      class: e.class,
      status: e.status,
      diagnosisCodes: [...new Set([...codesOf(Array.isArray(reason) ? reason : []), ...(linked.get(e.id) ?? []), ...(byDay.get(utcDay(e.start)) ?? [])])],
      createdBy: e.createdBy
    };
    record.visits.push(visit);
  }

  for (const i of listImmunizations(chartDoc)) {
    const cvx = i.vaccineCode.coding?.find((c) => c.system === CVX_SYSTEM)?.code;
    if (!cvx) continue;
    record.doses.push({ id: i.id, cvx, date: i.occurrenceDateTime, status: i.status });
  }
  return record;
}

function codesOf(coding: unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const c of coding ?? []) {
    if (c && typeof c === 'object' && typeof (c as { code?: unknown }).code === 'string') out.push((c as { code: string }).code);
  }
  return out;
}

function utcDay(start: string): string {
  const ms = Date.parse(start);
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : start.slice(0, 10);
}
