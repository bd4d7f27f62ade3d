/**
 * What monthly aggregate reporting and the clinic dashboard need from one
 * patient's record, and nothing more: sex and birth date (for the age and
 * sex disaggregations), visits, problems and vaccine doses with their dates
 * and codes. No name, no note text. Built from the documents by
 * lib/chart/reporting-doc.ts (on the server for DHIS2, on the device for the
 * dashboard), so the counting rules stay pure and testable with plain
 * objects.
 */

export type ReportingSex = 'female' | 'male' | 'other' | 'unknown';

export type VisitClass = 'ambulatory' | 'virtual' | 'home' | 'emergency';

export interface ReportingVisit {
  id: string;
  /** ISO instant (or YYYY-MM-DD for imported visits) the visit started. */
  start: string;
  class: VisitClass;
  status: 'in-progress' | 'finished' | 'cancelled' | 'entered-in-error';
  /** Codes of the visit's reason and of problems recorded at the visit (ICD-10-CM, dotted or not). */
  diagnosisCodes: string[];
  /** Who opened the visit (as the chart stamps it: the user's display name). */
  createdBy: string;
}

export interface ReportingDiagnosis {
  id: string;
  codes: string[];
  /** Display text: the dashboard's "top diagnoses" label. Never sent to DHIS2. */
  text: string;
  /** FHIR onsetDate as charted: '', YYYY, YYYY-MM or YYYY-MM-DD. */
  onsetDate: string;
  /** YYYY-MM-DD the problem was entered in the chart. */
  recordedDate: string;
  verificationStatus: string;
  /** Who entered it (the chart's stamp: a display name); the dashboard's per-provider filter. */
  recordedBy: string;
}

export interface ReportingDose {
  id: string;
  /** CVX code of the vaccine. */
  cvx: string;
  /** YYYY-MM-DD (or an ISO instant) the dose was given. */
  date: string;
  status: 'completed' | 'entered-in-error' | 'not-done';
}

export interface ReportingRecord {
  patientId: string;
  sex: ReportingSex;
  /** YYYY-MM-DD, or '' when unknown (then no age rule matches the patient). */
  birthDate: string;
  visits: ReportingVisit[];
  diagnoses: ReportingDiagnosis[];
  doses: ReportingDose[];
}
