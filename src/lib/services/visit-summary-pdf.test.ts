import { inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addAddendum, addAllergy, addEncounter, initChartDoc, noteSection, signNote } from '../chart/chart-doc';
import { addMedication } from '../chart/clinical-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { recordVitals } from '../chart/vitals-doc';
import { AppError } from '../domain/errors';
import { visitSummaryOf, visitSummaryPdf } from './visit-summary-pdf';

const dr = { id: 'u-dr', name: 'Dr. Amara Okafor' };

function visitChart(opts: { sign?: boolean; longPlan?: boolean } = {}) {
  const pid = crypto.randomUUID();
  const patient = new Y.Doc();
  const chart = new Y.Doc();
  initPatientDoc(patient, pid, { family: 'Ndlovu', given: ['Thandiwe', 'Zoë'], birthDate: '1958-11-04', gender: 'female' }, dr, 'MRN00421');
  initChartDoc(chart, pid);
  const start = '2026-03-12T09:30:00.000Z';
  const enc = addEncounter(chart, { reason: 'Cough for two weeks', start }, dr);
  noteSection(chart, enc, 'subjective').insert(0, 'Private history the summary leaves out.');
  noteSection(chart, enc, 'assessment').insert(0, 'Acute bronchitis, no signs of pneumonia.');
  noteSection(chart, enc, 'plan').insert(0, opts.longPlan ? 'Drink fluids and rest. '.repeat(400) : 'Honey and warm fluids. Return if fever ≥ 38.5 °C.');
  recordVitals(chart, { systolic: 128, diastolic: 82, heartRate: 88, spo2: 97, temperature: 37.9 }, dr, '2026-03-12T09:40:00.000Z');
  recordVitals(chart, { heartRate: 61 }, dr, '2025-01-05T10:00:00.000Z');
  addAllergy(chart, { substance: 'Penicillin', category: 'medication', reaction: 'Hives', severity: 'moderate' }, dr);
  addMedication(chart, { medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' }, dosageText: 'One tablet by mouth daily' }, dr);
  addMedication(chart, { medicationCodeableConcept: { text: 'Old stopped drug' }, status: 'stopped' }, dr);
  if (opts.sign !== false) {
    signNote(chart, enc, dr);
    addAddendum(chart, enc, 'Chest X-ray clear.', dr);
  }
  return { patient, chart, enc };
}

/** Text drawn on the pages: content streams inflated, WinAnsi hex strings of Tj operators decoded. */
function pageText(bytes: Uint8Array): string {
  const raw = Buffer.from(bytes).toString('latin1');
  const out: string[] = [];
  const re = /stream\r?\n/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    const head = raw.slice(Math.max(0, m.index - 200), m.index);
    let body = Buffer.from(raw.slice(start, end), 'latin1');
    if (head.includes('/FlateDecode')) body = inflateSync(body);
    for (const t of body.toString('latin1').matchAll(/<([0-9A-Fa-f]*)> Tj/g)) out.push(Buffer.from(t[1], 'hex').toString('latin1'));
  }
  return out.join('\n');
}

describe('visitSummaryOf', () => {
  test('takes the signed assessment and plan, addenda, active medicines, allergies and that day’s vitals', () => {
    const { patient, chart, enc } = visitChart();
    const s = visitSummaryOf(patient, chart, enc, 'Ridgeway Rural Health');
    expect(s).toMatchObject({
      clinicName: 'Ridgeway Rural Health',
      patientName: 'Thandiwe Zoë Ndlovu',
      birthDate: '1958-11-04',
      reason: 'Cough for two weeks',
      clinician: 'Dr. Amara Okafor',
      assessment: 'Acute bronchitis, no signs of pneumonia.',
      medications: [{ name: 'Lisinopril 10 MG Oral Tablet', instructions: 'One tablet by mouth daily' }],
      allergies: [{ substance: 'Penicillin', reaction: 'Hives', severity: 'moderate' }],
      addenda: [{ by: 'Dr. Amara Okafor', text: 'Chest X-ray clear.' }]
    });
    expect(s.vitals).toEqual([
      { label: 'Blood pressure', value: '128/82 mmHg' },
      { label: 'Pulse', value: expect.stringMatching(/^88 /) },
      { label: 'Temperature', value: expect.stringMatching(/^37\.9 /) },
      { label: 'SpO₂', value: expect.stringMatching(/^97 ?%/) }
    ]);
  });

  test('the text typed into a note after signing is not what the summary prints', () => {
    const { patient, chart, enc } = visitChart();
    noteSection(chart, enc, 'plan').insert(0, 'LATE EDIT ');
    expect(visitSummaryOf(patient, chart, enc, 'Clinic').plan).not.toContain('LATE EDIT');
  });

  test('refuses a draft note: it may still change', () => {
    const { patient, chart, enc } = visitChart({ sign: false });
    const err = (() => {
      try {
        visitSummaryOf(patient, chart, enc, 'Clinic');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('conflict');
  });
});

describe('visitSummaryPdf', () => {
  test('one page with the patient, visit, clinician, findings, plan, medicines, allergies and vitals, and no private history', async () => {
    const { patient, chart, enc } = visitChart();
    const bytes = await visitSummaryPdf(visitSummaryOf(patient, chart, enc, 'Ridgeway Rural Health'), { printedAt: new Date('2026-03-12T11:00:00Z') });
    expect(Buffer.from(bytes.slice(0, 5)).toString('latin1')).toBe('%PDF-');
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe('Visit summary — Ridgeway Rural Health');
    expect(doc.getAuthor()).toBe('Ridgeway Rural Health');
    const text = pageText(bytes);
    for (const expected of [
      'Ridgeway Rural Health',
      'Visit summary',
      'Thandiwe Zoë Ndlovu',
      '4 November 1958',
      '12 March 2026',
      'Dr. Amara Okafor',
      'Cough for two weeks',
      'Acute bronchitis, no signs of pneumonia.',
      'Return if fever >= 38.5 °C.',
      'Chest X-ray clear.',
      'Lisinopril 10 MG Oral Tablet',
      'One tablet by mouth daily',
      'Penicillin',
      'Hives, moderate reaction',
      '128/82 mmHg',
      'SpO2',
      'Page 1 of 1'
    ]) {
      expect(text, expected).toContain(expected);
    }
    expect(text).not.toContain('Private history');
    expect(text).not.toContain('Old stopped drug');
    expect(text).not.toContain('61 ');
  });

  test('a long plan flows onto numbered further pages', async () => {
    const { patient, chart, enc } = visitChart({ longPlan: true });
    const bytes = await visitSummaryPdf(visitSummaryOf(patient, chart, enc, 'Clinic'));
    const pages = (await PDFDocument.load(bytes)).getPageCount();
    expect(pages).toBeGreaterThan(1);
    expect(pageText(bytes)).toContain(`Page ${pages} of ${pages}`);
  });

  test('a name in a script the standard fonts lack prints with placeholders instead of failing', async () => {
    const { patient, chart, enc } = visitChart();
    const s = { ...visitSummaryOf(patient, chart, enc, 'Clinic'), patientName: '王秀英 Wang' };
    const text = pageText(await visitSummaryPdf(s));
    expect(text).toContain('??? Wang');
  });
});
