import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { addMedication } from '../../src/lib/chart/clinical-doc';
import { acceptIntakeAllergy, acceptIntakeMedicine, listIntakeDecisions, stopIntakeMedicine, writeIntakeResponse } from '../../src/lib/chart/intake-doc';
import type { IntakeResponse } from '../../src/lib/domain/intake/intake-response';
import type { Author } from './policy-types';
import { desk, doctor, entryOf, importer, liveDoc, nurse, seed, write, ymap } from './test-factories';

/**
 * Pre-visit forms through the write policy: the server writes what the
 * patient said; no staff device (nor an import) can make one up or change
 * one; clinicians and nurses record what they accepted, and that record
 * names a real form and a real chart entry.
 */

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-04T09:59:00.000Z') });
});
afterAll(() => {
  vi.useRealTimers();
});

const actor = (a: Author) => ({ id: a.userId, name: a.name });
const RESPONSE: IntakeResponse = {
  id: 'resp-1',
  version: '1.0.0',
  appointmentId: '',
  reason: 'Cough',
  medicines: [{ medicationId: 'med-1', name: 'Metformin', answer: 'stopped' }],
  newMedicines: [{ key: 'm1', name: 'Ibuprofen', dose: '200 mg' }],
  allergies: [],
  newAllergies: [{ key: 'a1', substance: 'Sulfa drugs', reaction: 'Rash' }],
  phq: { answers: [0, 0], phq2: 0, phq2Band: 'negative', phq9: null, phq9Band: null, selfHarm: false },
  gad7: null,
  flags: [],
  submittedAt: '2026-12-04T09:00:00.000Z',
  submittedBy: 'Patient',
  submittedById: 'u-patient',
  relation: 'self'
};

/** A chart with a medicine on it and one form the server wrote. */
function chart() {
  const live = liveDoc();
  seed(live, (doc) => {
    addMedication(doc, { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: 'Metformin' } }, actor(doctor));
    const id = [...doc.getMap('medications').keys()][0];
    writeIntakeResponse(doc, { ...RESPONSE, medicines: [{ medicationId: id, name: 'Metformin', answer: 'stopped' }] });
  });
  return live;
}
/** The listed medicine (Metformin) the patient said they stopped: found by name, since map key order differs between replicas. */
const medId = (doc: Y.Doc) =>
  [...doc.getMap('medications').entries()].find(([, v]) => JSON.stringify((v as Y.Map<unknown>).toJSON?.() ?? v).includes('Metformin'))![0];

describe('intake responses: written by the server only', () => {
  it.each([
    ['a clinician', doctor],
    ['a nurse', nurse],
    ['the front desk', desk],
    ['an import', importer]
  ])('%s making up a patient-reported form is refused', (_, author) => {
    const live = liveDoc();
    const o = write(live, author, (doc) => writeIntakeResponse(doc, { ...RESPONSE, id: 'forged', submittedById: author.userId }));
    expect(o.kind).toBe('refused');
    expect(o.violations).toContain('refuse:intake.server-only@intakeResponses/forged');
    expect(live.doc.getMap('intakeResponses').size).toBe(0);
  });

  it("a clinician changing what the patient said (a score, an answer) is refused; the form stays as sent", () => {
    const live = chart();
    const o = write(live, doctor, (doc) => {
      const e = doc.getMap('intakeResponses').get('resp-1') as Y.Map<unknown>;
      e.set('reason', 'Nothing');
      e.set('flags', ['self-harm']);
    });
    expect(o.kind).toBe('refused');
    expect(o.violations).toContain('refuse:intake.server-only@intakeResponses/resp-1');
    expect(entryOf(live, 'intakeResponses', 'resp-1')).toMatchObject({ reason: 'Cough', flags: [] });
  });
});

describe('decisions on what the patient stated', () => {
  it("a clinician accepts the stated allergy and medicine and marks the stopped one: admitted, with who and when", () => {
    const live = chart();
    let allergyId = '';
    const a = write(live, doctor, (doc) => (allergyId = acceptIntakeAllergy(doc, 'resp-1', 'a1', 'medication', actor(doctor))));
    expect(a.violations).toEqual([]);
    expect(entryOf(live, 'allergies', allergyId)).toMatchObject({ code: { text: 'Sulfa drugs' }, verificationStatus: 'unconfirmed', reaction: 'Rash', category: 'medication' });
    const m = write(live, nurse, (doc) => acceptIntakeMedicine(doc, 'resp-1', 'm1', actor(nurse)));
    expect(m.violations).toEqual([]);
    const s = write(live, doctor, (doc) => stopIntakeMedicine(doc, 'resp-1', medId(doc), 'Patient reports stopping it', actor(doctor)));
    expect(s.violations).toEqual([]);
    expect(entryOf(live, 'medications', medId(live.doc))).toMatchObject({ status: 'stopped' });
    expect(listIntakeDecisions(live.doc, 'resp-1').map((d) => [d.item, d.decision, d.decidedBy])).toEqual([
      ['a1', 'allergy-added', 'Dr Amani'],
      ['m1', 'medicine-added', 'Nurse Njeri'],
      [medId(live.doc), 'medicine-stopped', 'Dr Amani']
    ]);
  });

  it('the front desk recording an acceptance (a crafted update) is refused, and so is its allergy-less record', () => {
    const live = chart();
    const o = write(live, desk, (doc) => acceptIntakeAllergy(doc, 'resp-1', 'a1', 'medication', actor(desk)));
    expect(o.kind).toBe('refused');
    expect(o.violations.some((v) => v.startsWith('refuse:intake.decision-role@intakeDecisions/'))).toBe(true);
  });

  it.each([
    ['a form not on this record', { responseId: 'resp-9' }, 'responseId'],
    ['a chart entry that does not exist', { targetId: 'nothing' }, 'targetId'],
    ['an unknown decision', { decision: 'allergy-refuted' }, 'decision']
  ] as [string, Record<string, string>, string][])('a decision naming %s is refused', (_, fields, field) => {
    const live = chart();
    const o = write(live, doctor, (doc) =>
      doc.getMap('intakeDecisions').set('d1', ymap({ id: 'd1', responseId: 'resp-1', item: medId(doc), decision: 'medicine-stopped', targetId: medId(doc), decidedAt: '2026-12-04T09:59:00.000Z', decidedBy: 'Dr Amani', decidedById: 'u-doc', ...fields }))
    );
    expect(o.violations).toEqual([`refuse:intake.decision@intakeDecisions/d1/${field}`]);
  });

  it('a decision once written does not change', () => {
    const live = chart();
    write(live, doctor, (doc) => acceptIntakeMedicine(doc, 'resp-1', 'm1', actor(doctor)));
    const id = [...live.doc.getMap('intakeDecisions').keys()][0];
    const o = write(live, doctor, (doc) => (doc.getMap('intakeDecisions').get(id) as Y.Map<unknown>).set('item', 'a1'));
    expect(o.kind).toBe('refused');
    expect(o.violations.some((v) => v.includes(`intakeDecisions/${id}/item`))).toBe(true);
  });

  it('accepting the same statement twice is stopped on the device', () => {
    const live = chart();
    write(live, doctor, (doc) => acceptIntakeAllergy(doc, 'resp-1', 'a1', 'food', actor(doctor)));
    expect(() => acceptIntakeAllergy(live.doc, 'resp-1', 'a1', 'food', actor(doctor))).toThrow(/already added/);
  });
});
