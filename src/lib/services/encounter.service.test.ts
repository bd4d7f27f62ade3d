import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCondition, addEncounter, listConditions, markEnteredInError, noteSection, noteText, signNote } from '../chart/chart-doc';
import { templateFill, VISIT_TEMPLATES, visitTemplate } from '../domain/visit-templates';
import { addDiagnosis, applyVisitTemplate } from './encounter.service';
import { listClinicTemplates, saveClinicTemplate } from '../chart/templates-doc';

const dr = { id: 'u1', name: 'Dr. Test' };
const HTN = { code: 'I10', title: 'Essential (primary) hypertension' };

function visit() {
  const doc = new Y.Doc();
  const id = addEncounter(doc, { reason: 'Follow-up' }, dr);
  return { doc, id };
}

describe('adding a diagnosis from the visit', () => {
  it('writes a coded line into the assessment and adds the problem', () => {
    const { doc, id } = visit();
    const r = addDiagnosis(doc, id, HTN, dr);
    expect(r.problemAdded).toBe(true);
    expect(noteSection(doc, id, 'assessment').toString()).toBe('Essential (primary) hypertension (ICD-10-CM I10)\n');
    const problems = listConditions(doc);
    expect(problems.map((p) => [p.id, p.code.text, p.code.coding, p.clinicalStatus])).toEqual([
      [r.problemId, 'Essential (primary) hypertension', [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'Essential (primary) hypertension' }], 'active']
    ]);
  });

  it('starts a new line after typed text, and does not add a problem that already stands', () => {
    const { doc, id } = visit();
    const existing = addCondition(doc, { text: 'Hypertension', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] }, dr);
    noteSection(doc, id, 'assessment').insert(0, 'BP above target');
    expect(addDiagnosis(doc, id, HTN, dr)).toEqual({ problemId: existing, problemAdded: false });
    expect(noteSection(doc, id, 'assessment').toString()).toBe('BP above target\nEssential (primary) hypertension (ICD-10-CM I10)\n');
    expect(listConditions(doc)).toHaveLength(1);
  });

  it('adds the problem again when the standing one was entered in error or resolved', () => {
    const { doc, id } = visit();
    const wrong = addCondition(doc, { text: 'Hypertension', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] }, dr);
    markEnteredInError(doc, 'conditions', wrong, 'Wrong patient', dr);
    addCondition(doc, { text: 'Hypertension', clinicalStatus: 'resolved', coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] }, dr);
    expect(addDiagnosis(doc, id, HTN, dr).problemAdded).toBe(true);
    expect(listConditions(doc)).toHaveLength(3);
  });

  it('is refused on a signed note, which changes only by addendum', () => {
    const { doc, id } = visit();
    noteSection(doc, id, 'subjective').insert(0, 'Well');
    signNote(doc, id, dr);
    expect(() => addDiagnosis(doc, id, HTN, dr)).toThrow('This note is signed: add to it with an addendum');
    expect(listConditions(doc)).toEqual([]);
  });
});

describe('visit templates', () => {
  it('there are five, each with a distinct id and at least three sections', () => {
    expect(VISIT_TEMPLATES.map((t) => t.id)).toEqual(['hypertension', 'diabetes', 'acute-respiratory', 'antenatal', 'well-child']);
    for (const t of VISIT_TEMPLATES) expect(Object.keys(t.sections).length).toBeGreaterThanOrEqual(3);
  });

  it('fill only the sections that are empty or blank', () => {
    const t = visitTemplate('acute-respiratory')!;
    expect(templateFill({ subjective: 'Cough for 3 days', objective: '  \n', assessment: '', plan: '' }, t)).toEqual({
      objective: 'Temperature, respiratory rate, SpO2, pulse: \nChest: ',
      plan: 'Treatment: \nWhen to come back (worsening breathlessness, fever beyond 3 days): \nFollow-up: '
    });
  });

  it('applied to a draft, leave typed text as it was and return the sections filled', () => {
    const { doc, id } = visit();
    noteSection(doc, id, 'subjective').insert(0, 'Headaches in the morning');
    expect(applyVisitTemplate(doc, id, 'hypertension')).toEqual(['objective', 'assessment', 'plan']);
    expect(noteText(doc, id)).toEqual({
      subjective: 'Headaches in the morning',
      objective: 'BP seated after 5 minutes rest (repeat if high): \nPulse: \nWeight: ',
      assessment: 'Hypertension, control: ',
      plan: 'Medicines: \nTests due (creatinine, potassium, lipids, glucose): \nNext review: '
    });
    // A second template finds nothing empty.
    expect(applyVisitTemplate(doc, id, 'diabetes')).toEqual([]);
  });

  it("a clinic's own template fills only the empty sections too, and is found only when offered", () => {
    const { doc, id } = visit();
    const templatesDoc = new Y.Doc();
    const tid = saveClinicTemplate(templatesDoc, { name: 'Malaria follow-up', visitType: 'Follow-up', sections: { subjective: 'Fever since last visit: ', objective: 'Temperature: ', assessment: '', plan: 'Next review: ' } }, dr);
    const clinic = listClinicTemplates(templatesDoc);
    noteSection(doc, id, 'subjective').insert(0, 'No fever for 2 days');
    expect(() => applyVisitTemplate(doc, id, tid)).toThrow('Unknown visit template');
    expect(applyVisitTemplate(doc, id, tid, clinic)).toEqual(['objective', 'plan']);
    expect(noteText(doc, id)).toEqual({ subjective: 'No fever for 2 days', objective: 'Temperature: ', assessment: '', plan: 'Next review: ' });
  });

  it('are refused on a signed note and for an unknown template', () => {
    const { doc, id } = visit();
    expect(() => applyVisitTemplate(doc, id, 'nope')).toThrow('Unknown visit template');
    noteSection(doc, id, 'subjective').insert(0, 'Well');
    signNote(doc, id, dr);
    expect(() => applyVisitTemplate(doc, id, 'hypertension')).toThrow('This note is signed: add to it with an addendum');
  });
});
