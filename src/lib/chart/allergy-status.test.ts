import { describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { addAllergy, initChartDoc, listAllergies, markEnteredInError } from './chart-doc';
import { endNoKnownAllergies, listNoKnownAllergyStatements, recordAllergy, recordNoKnownAllergies } from './allergy-status';
import { allergyStatus } from '../domain/allergy-status';

const dr = { id: 'u1', name: 'Dr. Test' };
const nurse = { id: 'u2', name: 'Nurse Test' };
const pid = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

function chart(): Y.Doc {
  const doc = new Y.Doc();
  initChartDoc(doc, pid);
  return doc;
}
const statusOf = (doc: Y.Doc) => allergyStatus(listNoKnownAllergyStatements(doc), listAllergies(doc));
const current = (doc: Y.Doc) => statusOf(doc).kind === 'allergies' ? listAllergies(doc).length : 0;

describe('no known allergies', () => {
  test('an empty chart is "not asked", not "no known allergies"', () => {
    expect(statusOf(chart())).toEqual({ kind: 'not-asked' });
  });

  test('the statement is dated and says who made it', () => {
    const doc = chart();
    recordNoKnownAllergies(doc, nurse, 0, '2026-11-30T09:15:00.000Z');
    expect(statusOf(doc)).toEqual({
      kind: 'no-known-allergies',
      statement: expect.objectContaining({ recordedAt: '2026-11-30T09:15:00.000Z', recordedBy: 'Nurse Test' })
    });
    expect(listAllergies(doc)).toEqual([]); // never stored as an allergy the drug checks would read
  });

  test('recording an allergy ends the statement, with who and why', () => {
    const doc = chart();
    recordNoKnownAllergies(doc, nurse, 0);
    recordAllergy(doc, { substance: 'Penicillin', category: 'medication', reaction: 'Hives' }, dr);
    expect(statusOf(doc)).toEqual({ kind: 'allergies', count: 1 });
    const [s] = listNoKnownAllergyStatements(doc);
    expect(s).toMatchObject({ recordedBy: 'Nurse Test', endedBy: 'Dr. Test', endedReason: 'Allergy recorded', endedAt: expect.any(String) });
  });

  test('an allergy entered in error leaves the chart "not asked" again, and remembers the ended statement', () => {
    const doc = chart();
    recordNoKnownAllergies(doc, nurse, 0);
    const id = recordAllergy(doc, { substance: 'Penicillin', category: 'medication' }, dr);
    markEnteredInError(doc, 'allergies', id, 'Wrong patient', dr);
    const st = statusOf(doc);
    expect(st.kind).toBe('not-asked');
    expect(st.kind === 'not-asked' && st.lastEnded?.recordedBy).toBe('Nurse Test');
  });

  test('refused while an allergy is recorded', () => {
    const doc = chart();
    recordAllergy(doc, { substance: 'Latex', category: 'environment' }, dr);
    expect(() => recordNoKnownAllergies(doc, dr, current(doc))).toThrow(/allergy is recorded/);
    expect(listNoKnownAllergyStatements(doc)).toEqual([]);
  });

  test('stating it again ends the previous statement; withdrawing ends it too', () => {
    const doc = chart();
    recordNoKnownAllergies(doc, nurse, 0, '2025-01-01T00:00:00.000Z');
    recordNoKnownAllergies(doc, dr, 0, '2026-01-01T00:00:00.000Z');
    const st = statusOf(doc);
    expect(st.kind === 'no-known-allergies' && st.statement.recordedBy).toBe('Dr. Test');
    expect(listNoKnownAllergyStatements(doc).filter((s) => !s.endedAt)).toHaveLength(1);
    endNoKnownAllergies(doc, dr, 'Patient unsure; to ask again');
    expect(statusOf(doc).kind).toBe('not-asked');
  });

  test('offline merge: "no known allergies" stated without seeing an allergy recorded elsewhere is flagged, the allergy stays', () => {
    const seed = chart();
    const a = new Y.Doc();
    const b = new Y.Doc();
    Y.applyUpdate(a, Y.encodeStateAsUpdate(seed));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(seed));
    vi.useFakeTimers({ now: new Date('2026-11-30T08:00:00Z'), toFake: ['Date'] });
    try {
      addAllergy(a, { substance: 'Sulfamethoxazole', category: 'medication', severity: 'severe' }, dr);
      vi.setSystemTime(new Date('2026-11-30T09:00:00Z'));
      recordNoKnownAllergies(b, nurse, 0);
    } finally {
      vi.useRealTimers();
    }
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    for (const d of [a, b]) expect(statusOf(d)).toMatchObject({ kind: 'contradiction', count: 1, statement: { recordedBy: 'Nurse Test' } });
  });

  test('offline merge the other way round: an allergy recorded after the statement supersedes it', () => {
    const seed = chart();
    const a = new Y.Doc();
    const b = new Y.Doc();
    Y.applyUpdate(a, Y.encodeStateAsUpdate(seed));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(seed));
    vi.useFakeTimers({ now: new Date('2026-11-30T08:00:00Z'), toFake: ['Date'] });
    try {
      recordNoKnownAllergies(b, nurse, 0);
      vi.setSystemTime(new Date('2026-11-30T09:00:00Z'));
      addAllergy(a, { substance: 'Peanut', category: 'food' }, dr);
    } finally {
      vi.useRealTimers();
    }
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    expect(statusOf(a)).toEqual({ kind: 'allergies', count: 1 });
  });
});
