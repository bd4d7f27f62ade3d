import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initChartDoc } from '../../src/lib/chart/chart-doc';
import { addClinical } from '../../src/lib/chart/clinical-doc';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { markResultReviewed } from '../../src/lib/chart/result-review-doc';
import { recordVitals } from '../../src/lib/chart/vitals-doc';
import type { ResultReleasePolicy } from '../../src/lib/domain/result-release';
import { patientSummaryPdf } from '../../src/lib/services/patient-summary-pdf';
import { setResultRelease } from '../admin/result-release-store';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';

/**
 * The clinic's result-release policy applied to the patient's own record on
 * the server: the record view, the International Patient Summary and the
 * whole-record download leave out a lab result the policy still holds, and
 * the view says how many are waiting (a count, never which).
 *
 * The chart: Potassium (in the report "Renal panel"), unreviewed, in the
 * chart since now; Haemoglobin, reviewed; Cholesterol, unreviewed, in the
 * chart for 3 days; a preliminary Glucose (never shown, never counted); a
 * heart rate (a vital sign: never held).
 */
let app: TestApp;
let clinicId: string;
let adminId: string;
let patientCookie: string;
const PATIENT = 'b7c1d2e3-0000-4000-8000-000000000001';
const BIRTH = '1979-02-20';
const dr = { id: 'dr-1', name: 'Dr Wanjiru Kamau' };

function lab(chart: Y.Doc, text: string, code: string, value: number, unit: string, status: 'final' | 'preliminary' = 'final'): string {
  return addClinical(
    chart,
    'observations',
    { status, category: 'laboratory', code: { text, coding: [{ system: 'http://loinc.org', code }] }, effectiveDateTime: new Date().toISOString(), valueQuantity: { value, unit } },
    dr
  );
}

async function seed(): Promise<void> {
  const patient = new Y.Doc();
  initPatientDoc(patient, PATIENT, { family: 'Achieng', given: ['Rehema'], birthDate: BIRTH, gender: 'female' }, dr, 'OP-REL01');
  const chart = new Y.Doc();
  initChartDoc(chart, PATIENT);
  const potassium = lab(chart, 'Potassium', '2823-3', 6.1, 'mmol/L');
  addClinical(chart, 'reports', { status: 'final', category: [{ text: 'Laboratory' }], code: { text: 'Renal panel' }, effectiveDateTime: new Date().toISOString(), result: [potassium] }, dr);
  markResultReviewed(chart, lab(chart, 'Haemoglobin', '718-7', 13.2, 'g/dL'), dr);
  const cholesterol = lab(chart, 'Cholesterol', '2093-3', 5.9, 'mmol/L');
  (chart.getMap('observations').get(cholesterol) as Y.Map<unknown>).set('createdAt', new Date(Date.now() - 3 * 86_400_000).toISOString());
  lab(chart, 'Glucose', '2345-7', 7.0, 'mmol/L', 'preliminary');
  recordVitals(chart, { heartRate: 72 }, dr);
  await app.sync.applyServerUpdate(`patient:${PATIENT}`, clinicId, Y.encodeStateAsUpdate(patient), 'seed', 'seed');
  await app.sync.applyServerUpdate(`chart:${PATIENT}`, clinicId, Y.encodeStateAsUpdate(chart), 'seed', 'seed');
}

async function get(path: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: { cookie: patientCookie } });
}

/** The names of the results and reports the patient is sent, sorted. */
async function shown(): Promise<{ names: string[]; waiting: number }> {
  const res = await get(`/api/portal/records/${PATIENT}`);
  expect(res.status).toBe(200);
  const view = (await res.json()) as { resources: { resourceType: string; code?: { text?: string } }[]; waitingResults: number };
  const names = view.resources.filter((r) => r.resourceType === 'Observation' || r.resourceType === 'DiagnosticReport').map((r) => r.code?.text ?? '');
  return { names: names.sort(), waiting: view.waitingResults };
}

function policy(p: ResultReleasePolicy): void {
  setResultRelease(app.db, clinicId, p, adminId);
}

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'Riverbend Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'boss', roles: ['admin'] }
  ]);
  clinicId = made.clinicId;
  adminId = made.ids.boss;
  await seed();
  const desk = await sessionCookieFor(app.url, 'desk');
  const inv = await fetch(`${app.url}/api/portal/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: desk }, body: JSON.stringify({ relation: 'self', patientId: PATIENT }) });
  expect(inv.status).toBe(201);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: BIRTH, username: 'rehema', password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  patientCookie = await sessionCookieFor(app.url, 'rehema');
});

afterAll(async () => {
  await app.stop();
});

describe('the result-release policy in the patient record', () => {
  it('immediately (the default, no policy stored): every final result and the report are shown, none waiting', async () => {
    expect(await shown()).toEqual({ names: ['Cholesterol', 'Haemoglobin', 'Heart rate', 'Potassium', 'Renal panel'], waiting: 0 });
  });

  it('after review: only the reviewed result; the unreviewed ones and their report are held and counted', async () => {
    policy({ mode: 'after-review' });
    expect(await shown()).toEqual({ names: ['Haemoglobin', 'Heart rate'], waiting: 2 });
  });

  it('after at most 2 days: the 3-day-old result is released without a review, today’s unreviewed one is held', async () => {
    policy({ mode: 'after-days', days: 2 });
    expect(await shown()).toEqual({ names: ['Cholesterol', 'Haemoglobin', 'Heart rate'], waiting: 1 });
  });

  it('after at most 5 days: the 3-day-old result is still held; the reviewed one is shown', async () => {
    policy({ mode: 'after-days', days: 5 });
    expect(await shown()).toEqual({ names: ['Haemoglobin', 'Heart rate'], waiting: 2 });
  });

  it('the summary and the whole-record download leave the held results out too', async () => {
    policy({ mode: 'immediate' });
    // Positive control: released, the results are in both downloads.
    for (const which of ['summary', 'everything']) {
      const text = await (await get(`/api/portal/records/${PATIENT}/${which}`)).text();
      expect(text).toContain('Potassium');
      expect(text).toContain('Cholesterol');
    }
    policy({ mode: 'after-review' });
    for (const which of ['summary', 'everything']) {
      const res = await get(`/api/portal/records/${PATIENT}/${which}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('Haemoglobin');
      for (const held of ['Potassium', 'Cholesterol', 'Renal panel']) expect(text).not.toContain(held);
    }
  });

  it('the summary as a PDF (from the same filtered summary) reads back as plain lines, the held results absent and the waiting line there', async () => {
    const pdfText = async (waiting: number) => {
      const bundle = (await (await get(`/api/portal/records/${PATIENT}/summary`)).json()) as Record<string, unknown>;
      const bytes = await patientSummaryPdf(bundle, { waitingLine: waiting ? `${waiting} results are waiting for your clinician's review` : undefined, printedAt: new Date('2026-12-06T12:00:00Z') });
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ips-pdf-')), 'summary.pdf');
      fs.writeFileSync(file, bytes);
      return execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    };
    policy({ mode: 'immediate' });
    const released = await pdfText(0);
    // Positive control: released, Potassium is in the PDF.
    expect(released).toContain('• Potassium');
    policy({ mode: 'after-review' });
    const lines = await pdfText((await shown()).waiting);
    for (const line of [
      'Riverbend Clinic',
      'Patient summary',
      'Rehema Achieng',
      '20 February 1979',
      'OP-REL01',
      'Results',
      '• Haemoglobin',
      "2 results are waiting for your clinician's review",
      'Vital signs',
      '• Heart rate',
      'No problems recorded.'
    ])
      expect(lines).toContain(line);
    expect(lines.some((l) => l.startsWith('Result: 13.2 g/dL · Date: '))).toBe(true);
    for (const held of ['Potassium', 'Cholesterol', 'Renal panel']) expect(lines.join('\n')).not.toContain(held);
  });
});
