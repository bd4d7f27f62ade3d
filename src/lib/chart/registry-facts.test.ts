import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { addCondition, addEncounter, initChartDoc, markEnteredInError, updateCondition } from './chart-doc';
import { addImmunization, addMedication, addObservation } from './clinical-doc';
import { recordVitals } from './vitals-doc';
import { chartFacts, EDD_LOINC, LMP_LOINC } from './registry-facts';
import { queueTransfer, updateTransfer } from './transfer-outbox-doc';

const dr = { id: 'u1', name: 'Dr. Test' };
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const loinc = (code: string, text: string) => ({ text, coding: [{ system: 'http://loinc.org', code }] });

test('facts of a chart: active coded problems, latest result per code (panel parts too), active medicines with their class, last visit, pregnancy dates', () => {
  const doc = new Y.Doc();
  initChartDoc(doc, '4384bf23-1dc3-48ca-8c84-89fbaff201ae');
  addCondition(doc, { text: 'Type 2 diabetes', coding: [{ system: ICD, code: 'E11.9' }] }, dr);
  const resolved = addCondition(doc, { text: 'Essential hypertension', coding: [{ system: ICD, code: 'I10' }] }, dr);
  updateCondition(doc, resolved, { clinicalStatus: 'resolved' }, dr);
  const wrong = addCondition(doc, { text: 'Pregnancy', coding: [{ system: ICD, code: 'Z34.00' }] }, dr);
  markEnteredInError(doc, 'conditions', wrong, 'Wrong patient', dr);
  addObservation(doc, { category: 'laboratory', code: loinc('4548-4', 'HbA1c'), effectiveDateTime: '2026-03-01', valueQuantity: { value: 7.1, unit: '%' } }, dr);
  addObservation(doc, { category: 'laboratory', code: loinc('4548-4', 'HbA1c'), effectiveDateTime: '2026-10-01', valueQuantity: { value: 9.4, unit: '%' } }, dr);
  addObservation(doc, { status: 'entered-in-error', category: 'laboratory', code: loinc('4548-4', 'HbA1c'), effectiveDateTime: '2026-11-01', valueQuantity: { value: 5.0, unit: '%' } }, dr);
  recordVitals(doc, { systolic: 152, diastolic: 96 }, dr, '2026-11-20T09:00:00.000Z');
  addObservation(doc, { category: 'survey', code: loinc(LMP_LOINC, 'LMP'), effectiveDateTime: '2026-04-01', valueString: '2026-03-10' }, dr);
  addObservation(doc, { category: 'survey', code: loinc(EDD_LOINC, 'EDD'), effectiveDateTime: '2026-05-01', valueString: '2026-12-20' }, dr);
  addMedication(doc, { medicationCodeableConcept: { text: 'Atorvastatin 20 MG Oral Tablet', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '617310' }] }, authoredOn: '2026-01-01' }, dr);
  addMedication(doc, { medicationCodeableConcept: { text: 'Amoxicillin 500 MG' }, authoredOn: '2025-01-01', status: 'completed' }, dr);
  addImmunization(doc, { vaccineCode: { text: 'Influenza', coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] }, occurrenceDateTime: '2026-10-01' }, dr);
  addEncounter(doc, { reason: 'Diabetes review', start: '2026-10-01T09:00:00.000Z' }, dr);
  addEncounter(doc, { reason: 'Blood pressure', start: '2026-11-20T09:00:00.000Z' }, dr);

  const f = chartFacts(doc);
  expect(f.conditionCodes).toEqual(['E11.9']);
  expect(f.latestResults.find((r) => r.code === '4548-4')).toEqual({ code: '4548-4', text: 'HbA1c', value: 9.4, unit: '%', at: '2026-10-01' });
  expect(f.latestResults.find((r) => r.code === '8480-6')).toMatchObject({ value: 152, unit: 'mm[Hg]', at: '2026-11-20T09:00:00.000Z' });
  expect(f.medications).toHaveLength(1);
  expect(f.medications[0].classes).toContain('statin');
  expect(f.medications[0].rxnorm).toContain('617310');
  expect(f.immunizations.map((i) => i.occurrenceDateTime)).toEqual(['2026-10-01']);
  expect(f.lastVisit).toBe('2026-11-20T09:00:00.000Z');
  expect(f.pregnancy).toEqual({ activeCondition: false, lmp: '2026-03-10', edd: '2026-12-20' });
});

test('an active pregnancy problem (ICD-10-CM chapter O or Z34) marks the chart pregnant; an empty chart has no facts', () => {
  const doc = new Y.Doc();
  initChartDoc(doc, '4384bf23-1dc3-48ca-8c84-89fbaff201ae');
  expect(chartFacts(doc)).toEqual({ conditionCodes: [], latestResults: [], medications: [], immunizations: [], lastVisit: '', pregnancy: { activeCondition: false, lmp: '', edd: '' }, referrals: [] });
  addCondition(doc, { text: 'Gestational hypertension', coding: [{ system: ICD, code: 'O13.2' }] }, dr);
  expect(chartFacts(doc).pregnancy.activeCondition).toBe(true);
});

test('a referral sent is open until a visit after it; one still queued is not tracked yet', () => {
  const doc = new Y.Doc();
  initChartDoc(doc, '4384bf23-1dc3-48ca-8c84-89fbaff201ae');
  const sent = queueTransfer(doc, { destinationId: 'hill', destinationName: 'Hill Clinic', reason: 'Retinopathy screen', noteIds: [] }, dr);
  updateTransfer(doc, sent, { state: 'delivered', sentAt: '2026-10-01T09:00:00.000Z' }, dr);
  queueTransfer(doc, { destinationId: 'lake', destinationName: 'Lake Hospital', reason: 'Not sent yet', noteIds: [] }, dr);
  expect(chartFacts(doc).referrals).toEqual([{ id: sent, destinationName: 'Hill Clinic', sentAt: '2026-10-01T09:00:00.000Z', closedBy: '', closedAt: '' }]);
  addEncounter(doc, { reason: 'Back from the eye clinic', start: '2026-11-02T09:00:00.000Z' }, dr);
  expect(chartFacts(doc).referrals).toMatchObject([{ id: sent, closedBy: 'visit', closedAt: '2026-11-02T09:00:00.000Z' }]);
});

test('problems coded in SNOMED CT only (imported records) count for the ICD-10-CM registries through the NLM map default; other SNOMED codes add nothing', () => {
  const doc = new Y.Doc();
  initChartDoc(doc, '0b7c7f55-4c5b-4a52-9d2e-2f3a8d1c6e01');
  const dr = { id: 'dr', name: 'Dr' };
  addCondition(doc, { text: 'Diabetes mellitus type 2 (disorder)', coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] }, dr);
  addCondition(doc, { text: 'Essential hypertension (disorder)', coding: [{ system: 'http://snomed.info/sct', code: '59621000' }] }, dr);
  addCondition(doc, { text: 'Acute bronchitis (disorder)', coding: [{ system: 'http://snomed.info/sct', code: '10509002' }] }, dr);
  // The same number under another system is not SNOMED CT: nothing is added.
  addCondition(doc, { text: 'Local code', coding: [{ system: 'urn:local', code: '46635009' }] }, dr);
  expect(chartFacts(doc).conditionCodes).toEqual(['44054006', 'E11.9', '59621000', 'I10', '10509002', '46635009']);
});
