import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import {
  addAllergy,
  addCondition,
  addEncounter,
  initChartDoc,
  listAllergies,
  listConditions,
  listEncounters,
  markEnteredInError,
  noteSection,
  noteState,
  signNote,
  updateAllergy
} from './chart-doc';
import { initPatientDoc, readPatient, updatePatient } from './patient-doc';
import { migrate, SCHEMA_VERSION } from './schema';

const dr = { id: 'u1', name: 'Dr. Test' };
const nurse = { id: 'u2', name: 'Nurse Test' };
const pid = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

/** Two replicas that exchange nothing until `merge()`: two devices offline. */
function replicas(seed: Y.Doc) {
  const a = new Y.Doc();
  const b = new Y.Doc();
  Y.applyUpdate(a, Y.encodeStateAsUpdate(seed));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(seed));
  const merge = () => {
    const ua = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
    const ub = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
    Y.applyUpdate(b, ua);
    Y.applyUpdate(a, ub);
  };
  return { a, b, merge };
}

describe('allergies', () => {
  test('add and list, defaults filled', () => {
    const doc = new Y.Doc();
    initChartDoc(doc, pid);
    addAllergy(doc, { substance: 'Penicillin', category: 'medication', reaction: 'Hives', severity: 'moderate' }, dr);
    const [a] = listAllergies(doc);
    expect(a.code.text).toBe('Penicillin');
    expect(a.verificationStatus).toBe('confirmed');
    expect(a.createdBy).toBe('Dr. Test');
  });

  test('entered-in-error keeps the entry and records who and why', () => {
    const doc = new Y.Doc();
    const id = addAllergy(doc, { substance: 'Latex', category: 'environment' }, dr);
    markEnteredInError(doc, 'allergies', id, 'Wrong patient', nurse);
    const [a] = listAllergies(doc);
    expect(a.verificationStatus).toBe('entered-in-error');
    expect(a.enteredInErrorBy).toBe('Nurse Test');
    expect(a.enteredInErrorReason).toBe('Wrong patient');
  });

  test('entered-in-error needs a reason', () => {
    const doc = new Y.Doc();
    const id = addAllergy(doc, { substance: 'Latex', category: 'environment' }, dr);
    expect(() => markEnteredInError(doc, 'allergies', id, '  ', dr)).toThrow(/why/);
  });

  test('rejects an empty substance with a readable error', () => {
    expect(() => addAllergy(new Y.Doc(), { substance: '', category: 'food' }, dr)).toThrow(/not valid/);
  });
});

describe('notes', () => {
  test('signing locks the note; signing twice is refused and keeps the first signer', () => {
    const doc = new Y.Doc();
    const id = addEncounter(doc, { reason: 'Cough' }, dr);
    noteSection(doc, id, 'subjective').insert(0, 'Three days of cough.');
    expect(noteState(doc, id)).toEqual({ status: 'draft' });
    signNote(doc, id, dr);
    const s = noteState(doc, id);
    expect(s.status).toBe('signed');
    expect(() => signNote(doc, id, nurse)).toThrow(/already signed/);
    expect(noteState(doc, id)).toEqual(s);
    expect(listEncounters(doc)[0].status).toBe('finished');
  });
});

describe('offline merge', () => {
  test('two devices edit different fields and the same note while apart; nothing is lost', () => {
    const seed = new Y.Doc();
    initPatientDoc(seed, pid, { family: 'Hermiston', given: ['Asa'], birthDate: '1971-03-03', gender: 'male' }, dr, 'ABCDEFGH1');
    const seedChart = new Y.Doc();
    initChartDoc(seedChart, pid);
    const enc = addEncounter(seedChart, { reason: 'Follow-up' }, dr);
    const allergy = addAllergy(seedChart, { substance: 'Penicillin', category: 'medication' }, dr);

    const p = replicas(seed);
    updatePatient(p.a, { phone: '555-0100' }, dr);
    updatePatient(p.b, { city: 'Hillsboro' }, nurse);
    p.merge();
    expect(readPatient(p.a)).toMatchObject({ phone: '555-0100', city: 'Hillsboro' });
    expect(readPatient(p.a)).toEqual(readPatient(p.b));

    const c = replicas(seedChart);
    noteSection(c.a, enc, 'subjective').insert(0, 'Doctor typed this. ');
    noteSection(c.b, enc, 'subjective').insert(0, 'Nurse typed this. ');
    updateAllergy(c.a, allergy, { reaction: 'Rash' }, dr);
    updateAllergy(c.b, allergy, { severity: 'severe' }, nurse);
    addCondition(c.b, { text: 'Hypertension' }, nurse);
    c.merge();
    const text = noteSection(c.a, enc, 'subjective').toString();
    expect(text).toContain('Doctor typed this.');
    expect(text).toContain('Nurse typed this.');
    expect(noteSection(c.b, enc, 'subjective').toString()).toBe(text);
    expect(listAllergies(c.a)[0]).toMatchObject({ reaction: 'Rash', severity: 'severe' });
    expect(listConditions(c.a).map((x) => x.code.text)).toEqual(['Hypertension']);
  });
});

test('migrate stamps the schema version once and is idempotent', () => {
  const doc = new Y.Doc();
  let updates = 0;
  doc.on('update', () => updates++);
  migrate(doc);
  migrate(doc);
  expect(doc.getMap('meta').get('schemaVersion')).toBe(SCHEMA_VERSION);
  expect(updates).toBe(1);
});
