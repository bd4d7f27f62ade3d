import * as Y from 'yjs';
import { addAllergy, addCondition, addEncounter, collection, initChartDoc, noteSection, signNote, updateCondition } from '../src/lib/chart/chart-doc';
import { addClinical } from '../src/lib/chart/clinical-doc';
import { recordVitals } from '../src/lib/chart/vitals-doc';
import { initPatientDoc } from '../src/lib/chart/patient-doc';
import { NOTE_SECTIONS, type Actor } from '../src/lib/domain/chart';
import { docName } from '../src/lib/domain/doc-names';
import { newMrn } from '../src/lib/domain/patient';

/**
 * A deterministic 20-year primary-care chart for benchmarks and the
 * large-chart journey: 520 visits (one every two weeks or so), vitals at
 * every visit, a lab panel at every fourth, 120 visits with a typed SOAP
 * note (signed), problems, allergies, medications, immunizations,
 * procedures and care plans, all written through the app's own accessors.
 */
export interface TwentyYearChart {
  doc: Y.Doc;
  /** Every update in the order it was made, for writers with a message cap. */
  updates: Uint8Array[];
  counts: { encounters: number; notes: number; observations: number; conditions: number; allergies: number; medications: number; immunizations: number; procedures: number; reports: number };
}

const LOINC = 'http://loinc.org';
const LAB_PANEL = [
  { code: '2345-7', text: 'Glucose [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 70, high: 99, mean: 105, sd: 15 },
  { code: '4548-4', text: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%', low: 4, high: 5.6, mean: 6.6, sd: 0.6 },
  { code: '2160-0', text: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 0.6, high: 1.3, mean: 1.0, sd: 0.2 },
  { code: '2951-2', text: 'Sodium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 135, high: 145, mean: 140, sd: 2 },
  { code: '2823-3', text: 'Potassium [Moles/volume] in Serum or Plasma', unit: 'mmol/L', low: 3.5, high: 5.1, mean: 4.3, sd: 0.4 },
  { code: '2093-3', text: 'Cholesterol [Mass/volume] in Serum or Plasma', unit: 'mg/dL', low: 0, high: 200, mean: 195, sd: 25 },
  { code: '2085-9', text: 'HDL Cholesterol', unit: 'mg/dL', low: 40, high: 100, mean: 48, sd: 8 },
  { code: '13457-7', text: 'LDL Cholesterol (calculated)', unit: 'mg/dL', low: 0, high: 100, mean: 118, sd: 22 },
  { code: '2571-8', text: 'Triglycerides', unit: 'mg/dL', low: 0, high: 150, mean: 160, sd: 40 },
  { code: '33914-3', text: 'eGFR (MDRD)', unit: 'mL/min/1.73m2', low: 60, high: 200, mean: 78, sd: 10 }
];
const PROBLEMS = [
  { text: 'Essential (primary) hypertension', code: 'I10', year: 2008 },
  { text: 'Type 2 diabetes mellitus without complications', code: 'E11.9', year: 2011 },
  { text: 'Hyperlipidemia, unspecified', code: 'E78.5', year: 2009 },
  { text: 'Obesity, unspecified', code: 'E66.9', year: 2007 },
  { text: 'Gastro-esophageal reflux disease without esophagitis', code: 'K21.9', year: 2013 },
  { text: 'Major depressive disorder, single episode, unspecified', code: 'F32.9', year: 2015, resolved: 2017 },
  { text: 'Acute sinusitis, unspecified', code: 'J01.90', year: 2012, resolved: 2012 },
  { text: 'Low back pain, unspecified', code: 'M54.50', year: 2019 },
  { text: 'Osteoarthritis of knee, unspecified', code: 'M17.9', year: 2021 },
  { text: 'Vitamin D deficiency, unspecified', code: 'E55.9', year: 2018, resolved: 2020 }
];
const MEDS = ['Lisinopril 10 MG Oral Tablet', 'Metformin hydrochloride 500 MG Oral Tablet', 'Atorvastatin 20 MG Oral Tablet', 'Omeprazole 20 MG Delayed Release Oral Capsule', 'Sertraline 50 MG Oral Tablet', 'Amlodipine 5 MG Oral Tablet'];
const VACCINES = [
  { cvx: '140', text: 'Influenza, seasonal, injectable, preservative free' },
  { cvx: '115', text: 'Tdap' },
  { cvx: '33', text: 'Pneumococcal polysaccharide PPV23' },
  { cvx: '208', text: 'SARS-COV-2 (COVID-19) vaccine, mRNA' }
];
const REASONS = ['Follow-up of hypertension', 'Diabetes review', 'Annual wellness visit', 'Cough for 5 days', 'Medication review', 'Back pain', 'Knee pain', 'Lab review'];

/** A small seeded generator (mulberry32), so every run builds the same chart. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function twentyYearChart(patientId: string, actor: Actor, seed = 20): TwentyYearChart {
  const rnd = random(seed);
  const normal = (mean: number, sd: number) => mean + sd * (rnd() + rnd() + rnd() - 1.5) * 1.4;
  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  initChartDoc(doc, patientId);
  const counts = { encounters: 0, notes: 0, observations: 0, conditions: 0, allergies: 0, medications: 0, immunizations: 0, procedures: 0, reports: 0 };
  const start = Date.UTC(2006, 0, 9, 9, 0);
  const VISITS = 520;
  const step = (20 * 365.25 * 86400_000) / VISITS;

  for (let v = 0; v < VISITS; v++) {
    const at = new Date(start + v * step + Math.floor(rnd() * 5) * 3600_000).toISOString();
    const enc = addEncounter(doc, { reason: REASONS[v % REASONS.length], start: at, type: v % 26 === 0 ? 'Annual wellness visit' : 'Office visit' }, actor);
    counts.encounters++;
    if (v % 13 === 0 || v >= VISITS - 70) {
      for (const s of NOTE_SECTIONS) {
        noteSection(doc, enc, s).insert(0, `${s[0].toUpperCase()}${s.slice(1)}: visit ${v + 1}. `.padEnd(400, 'Patient doing well on current regimen; reviewed home readings, diet and exercise. '));
      }
      signNote(doc, enc, actor);
      counts.notes++;
    } else {
      const e = collection(doc, 'encounters').get(enc);
      doc.transact(() => {
        e?.set('status', 'finished');
        e?.set('end', at);
      }, 'local');
    }
    const weight = round(normal(92, 2));
    counts.observations += recordVitals(
      doc,
      {
        systolic: Math.round(normal(138, 8)),
        diastolic: Math.round(normal(86, 5)),
        heartRate: Math.round(normal(74, 6)),
        respiratoryRate: Math.round(normal(15, 1.5)),
        temperature: round(normal(36.8, 0.2)),
        spo2: Math.min(100, Math.round(normal(97, 1))),
        weight,
        height: 172
      },
      actor,
      at
    ).length;
    if (v % 4 === 0) {
      const results: string[] = [];
      for (const t of LAB_PANEL) {
        const value = round(Math.max(0.1, normal(t.mean, t.sd)), 1);
        results.push(
          addClinical(
            doc,
            'observations',
            {
              category: 'laboratory',
              code: { text: t.text, coding: [{ system: LOINC, code: t.code, display: t.text }] },
              effectiveDateTime: at,
              valueQuantity: { value, unit: t.unit },
              referenceRange: [{ low: { value: t.low, unit: t.unit }, high: { value: t.high, unit: t.unit } }],
              encounterId: enc
            },
            actor
          )
        );
        counts.observations++;
      }
      addClinical(doc, 'reports', { category: [{ text: 'Laboratory' }], code: { text: 'Metabolic and lipid panel' }, effectiveDateTime: at, result: results, encounterId: enc }, actor);
      counts.reports++;
    }
    if (v % 26 === 5) {
      const vax = VACCINES[Math.floor(v / 26) % VACCINES.length];
      addClinical(doc, 'immunizations', { vaccineCode: { text: vax.text, coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: vax.cvx }] }, occurrenceDateTime: at, lotNumber: `L${1000 + v}`, encounterId: enc }, actor);
      counts.immunizations++;
    }
    if (v % 13 === 7) {
      addClinical(doc, 'procedures', { code: { text: v % 2 ? 'Electrocardiogram' : 'Depression screening' }, performedPeriod: { start: at, end: at }, encounterId: enc }, actor);
      counts.procedures++;
    }
    if (v % 40 === 3) {
      addClinical(doc, 'medications', { medicationCodeableConcept: { text: MEDS[Math.floor(v / 40) % MEDS.length] }, authoredOn: at, status: v < 400 ? 'stopped' : 'active', dosageText: 'Take one tablet by mouth daily' }, actor);
      counts.medications++;
    }
  }
  for (const p of PROBLEMS) {
    const id = addCondition(doc, { text: p.text, coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: p.code, display: p.text }], onsetDate: `${p.year}-03-01` }, actor);
    if (p.resolved) updateCondition(doc, id, { clinicalStatus: 'resolved', abatementDate: `${p.resolved}-09-01` }, actor);
    counts.conditions++;
  }
  addAllergy(doc, { substance: 'Penicillin G', category: 'medication', reaction: 'Anaphylaxis', severity: 'severe', criticality: 'high', recordedDate: '2006-02-01' }, actor);
  addAllergy(doc, { substance: 'Peanut', category: 'food', reaction: 'Hives', severity: 'moderate', recordedDate: '2010-05-12' }, actor);
  addAllergy(doc, { substance: 'Latex', category: 'environment', reaction: 'Contact dermatitis', severity: 'mild', recordedDate: '2016-08-30' }, actor);
  counts.allergies = 3;
  for (const m of MEDS.slice(0, 4)) {
    addClinical(doc, 'medications', { medicationCodeableConcept: { text: m }, authoredOn: '2025-06-01', status: 'active', dosageText: 'Take one tablet by mouth daily' }, actor);
    counts.medications++;
  }
  return { doc, updates, counts };
}

/** What seeding needs from a running server (server/app's createApp result). */
export interface SeedTarget {
  db: { prepare(sql: string): { get(...params: unknown[]): unknown } };
  sync: { applyServerUpdate(name: string, clinicId: string, update: Uint8Array, userId: string): Promise<unknown> };
}

/**
 * Adds a patient with a 20-year chart to a running server's first clinic, as
 * an import would: both documents written server-side, attributed to
 * `username`. Returns the patient's id and display name.
 */
export async function seedTwentyYearPatient(app: SeedTarget, username = 'dr.demo', family = 'Longview', given = 'Twenty'): Promise<{ patientId: string; displayName: string; counts: TwentyYearChart['counts'] }> {
  const user = app.db.prepare('SELECT id, clinic_id AS clinicId, name FROM users WHERE username = ?').get(username) as { id: string; clinicId: string; name: string } | undefined;
  if (!user) throw new Error(`seedTwentyYearPatient: no user ${username}`);
  const actor: Actor = { id: user.id, name: user.name };
  const patientId = crypto.randomUUID();
  const patient = new Y.Doc();
  initPatientDoc(patient, patientId, { family, given: [given], birthDate: '1961-04-12', gender: 'female' }, actor, newMrn());
  const { counts, updates } = twentyYearChart(patientId, actor);
  await app.sync.applyServerUpdate(docName('patient', patientId), user.clinicId, Y.encodeStateAsUpdate(patient), user.id);
  // In pieces under the server's message cap, oldest first, as a long history arrives.
  for (const part of chunkUpdates(updates, 512 * 1024)) await app.sync.applyServerUpdate(docName('chart', patientId), user.clinicId, part, user.id);
  return { patientId, displayName: `${family}, ${given}`, counts };
}

/** Merges consecutive updates into parts of at most about `maxBytes`; applied in order they rebuild the document. */
export function chunkUpdates(updates: readonly Uint8Array[], maxBytes: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let pending: Uint8Array[] = [];
  let size = 0;
  for (const u of updates) {
    if (size + u.length > maxBytes && pending.length) {
      parts.push(Y.mergeUpdates(pending));
      pending = [];
      size = 0;
    }
    pending.push(u);
    size += u.length;
  }
  if (pending.length) parts.push(Y.mergeUpdates(pending));
  return parts;
}
