import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { recordNoKnownAllergies } from '../chart/allergy-status';
import { addAllergy, addCondition } from '../chart/chart-doc';
import { listMedicationRecords, stopMedication } from '../chart/medication-doc';
import { initPatientDoc } from '../chart/patient-doc';
import { reminderContextOf } from '../chart/reminder-context';
import { evaluateReminders } from '../domain/reminders';
import { STATIN_ACTION } from '../domain/reminders/medications';
import { checkDraft, emptyDraft, generatedSig, productText, drugById, signPrescription } from './prescribe.service';
import { reminderDraft, reminderPrefill } from './reminder-prescribe.service';

/**
 * Prescribing from a reminder on a real chart (Yjs documents, as the app
 * holds them): the statin reminder of a 55-year-old with diabetes fills the
 * prescribe form; signing it meets the reminder; stopping the statin brings
 * the reminder back.
 */

const who = { actor: { id: 'u1', name: 'Dr. Test' }, roles: ['clinician' as const] };
const NOW = '2026-12-01T10:00:00.000Z';
const ID = 'ada-statin-diabetes';

function diabeticChart(birthDate = '1971-03-03') {
  const patientDoc = new Y.Doc();
  initPatientDoc(patientDoc, 'p1', { family: 'Doe', given: ['Jo'], birthDate, gender: 'female' }, who.actor, 'MRN1');
  const chartDoc = new Y.Doc();
  recordNoKnownAllergies(chartDoc, who.actor, 0);
  addCondition(chartDoc, { text: 'Type 2 diabetes mellitus without complications', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] }, who.actor);
  return { chartDoc, patientDoc };
}
const statinReminder = (docs: { chartDoc: Y.Doc; patientDoc: Y.Doc }) => evaluateReminders(reminderContextOf(docs.chartDoc, docs.patientDoc, NOW)).find((r) => r.id === ID);

describe('prescribing from the statin reminder', () => {
  it('fills the form with atorvastatin 20 mg tablets, one daily, 30 tablets for 30 days, no refills', () => {
    const draft = reminderDraft(STATIN_ACTION)!;
    expect(draft).toEqual({
      ...emptyDraft(),
      drugId: 'atorvastatin',
      strength: '20 mg',
      form: 'tablet',
      route: 'oral',
      doseValue: 1,
      doseUnit: 'tablet',
      frequency: 'once-daily',
      durationDays: 30,
      quantity: 30,
      quantityUnit: 'tablet',
      refills: 0
    });
    expect(productText(drugById('atorvastatin')!, draft)).toBe('atorvastatin 20 MG Oral Tablet');
    expect(generatedSig(draft)).toBe('Take 1 tablet by mouth once daily for 30 days');
  });

  it('a drug the pack does not hold fills nothing', () => {
    expect(reminderDraft({ ...STATIN_ACTION, drugId: 'no-such-drug' })).toBeNull();
  });

  it('the ?reminder= link finds the due reminder on the chart and fills the form; an unknown or met rule fills nothing', () => {
    const docs = diabeticChart();
    const r = reminderPrefill(docs, ID, NOW);
    expect(r).toMatchObject({ ok: true, reminder: { id: ID, title: 'Statin therapy: diabetes, 40–75 years' }, draft: { drugId: 'atorvastatin', strength: '20 mg', doseValue: 1 } });
    expect(reminderPrefill(docs, 'uspstf-colorectal-cancer', NOW)).toEqual({ ok: false, reason: 'not-due' });
    expect(reminderPrefill(docs, 'made-up', NOW)).toEqual({ ok: false, reason: 'not-due' });
    // A 39-year-old's chart: the rule does not apply, so the link fills nothing.
    expect(reminderPrefill(diabeticChart('1986-12-02'), ID, NOW)).toEqual({ ok: false, reason: 'not-due' });
  });

  it('the checks run on the prefilled form as for any prescription (a recorded statin allergy is raised)', () => {
    const docs = diabeticChart();
    const draft = reminderDraft(STATIN_ACTION)!;
    expect(checkDraft(docs, draft).map((a) => a.kind)).toEqual([]);
    addAllergy(docs.chartDoc, { substance: 'Atorvastatin', category: 'medication' }, who.actor);
    expect(checkDraft(docs, draft).map((a) => a.kind)).toContain('drug-allergy');
    // The reminder itself stands down for a statin allergy.
    expect(statinReminder(docs)).toMatchObject({ status: 'not-evaluated', reason: 'Statin allergy recorded: decide with the patient' });
  });

  it('signing the prefilled prescription meets the reminder; stopping the statin brings it back', () => {
    const docs = diabeticChart();
    expect(statinReminder(docs)?.status).toBe('due');
    const signed = signPrescription(docs, reminderDraft(STATIN_ACTION)!, {}, who);
    expect(signed.ok).toBe(true);
    expect(listMedicationRecords(docs.chartDoc).map((m) => [m.medicationCodeableConcept.text, m.status])).toEqual([['atorvastatin 20 MG Oral Tablet', 'active']]);
    expect(statinReminder(docs)).toBeUndefined();
    expect(reminderPrefill(docs, ID, NOW)).toEqual({ ok: false, reason: 'not-due' });
    stopMedication(docs.chartDoc, signed.ok ? signed.id : '', 'Myalgia on atorvastatin', who.actor);
    expect(statinReminder(docs)?.status).toBe('due');
  });
});
