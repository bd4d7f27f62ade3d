import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addObservation, listObservations, listImmunizations, putClinical, putEntry } from './clinical-doc';

const actor = { id: 'u1', name: 'Dr. Test' };
const bp = {
  category: 'vital-signs',
  code: { text: 'Blood pressure', coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
  effectiveDateTime: '2024-05-01T09:00:00.000Z',
  component: [
    { code: { text: 'Systolic', coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 128, unit: 'mm[Hg]' } },
    { code: { text: 'Diastolic', coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 82, unit: 'mm[Hg]' } }
  ]
};

describe('clinical collections', () => {
  it('adds and lists an observation with FHIR-named fields and provenance', () => {
    const doc = new Y.Doc();
    const id = addObservation(doc, bp, actor);
    expect(listObservations(doc)).toEqual([
      expect.objectContaining({ id, status: 'final', category: 'vital-signs', component: bp.component, createdBy: 'Dr. Test', updatedBy: 'Dr. Test' })
    ]);
  });

  it('writing the same entry twice changes nothing in the document', () => {
    const doc = new Y.Doc();
    expect(putClinical(doc, 'observations', 'o1', bp, actor)).toBe('created');
    const vector = Y.encodeStateVector(doc);
    expect(putClinical(doc, 'observations', 'o1', bp, actor)).toBe('unchanged');
    expect(Y.encodeStateVector(doc)).toEqual(vector);
    expect(putClinical(doc, 'observations', 'o1', { ...bp, status: 'amended' }, actor)).toBe('updated');
    expect(listObservations(doc)[0].status).toBe('amended');
  });

  it('never revives an entry marked entered-in-error', () => {
    const doc = new Y.Doc();
    putEntry(doc, 'conditions', 'c1', { verificationStatus: 'entered-in-error', code: { text: 'Asthma' } }, actor);
    expect(putEntry(doc, 'conditions', 'c1', { verificationStatus: 'confirmed', code: { text: 'Asthma' } }, actor)).toBe('unchanged');
  });

  it('refuses invalid input with field paths, and skips malformed stored entries when listing', () => {
    const doc = new Y.Doc();
    expect(() => putClinical(doc, 'immunizations', 'i1', { vaccineCode: { text: 'Flu' } } as never, actor)).toThrow(/not valid/);
    doc.getMap('immunizations').set('bad', new Y.Map());
    expect(listImmunizations(doc)).toEqual([]);
  });
});
