import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import {
  addAllergy,
  addCondition,
  chartConflicts,
  conflictsOf,
  initChartDoc,
  listAllergies,
  listConditions,
  resolveConflict,
  updateAllergy,
  updateCondition
} from './chart-doc';
import { conflictOf, fieldHeads, readEdits, type FieldEdit } from './field-edits';

const dr = { id: 'u1', name: 'Dr. Okafor' };
const nurse = { id: 'u2', name: 'Nurse Reyes' };
const pid = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

function seedChart() {
  const seed = new Y.Doc();
  initChartDoc(seed, pid);
  const allergy = addAllergy(seed, { substance: 'Penicillin', category: 'medication', reaction: 'Hives', severity: 'mild' }, dr);
  const problem = addCondition(seed, { text: 'Asthma' }, dr);
  return { seed, allergy, problem };
}

function copyOf(seed: Y.Doc): Y.Doc {
  const d = new Y.Doc();
  Y.applyUpdate(d, Y.encodeStateAsUpdate(seed));
  return d;
}

/** Applies what `from` has and `to` lacks. */
function send(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

/** Merges two replicas with updates delivered in the given order, into a third device that saw neither. */
function mergeInto(first: Y.Doc, second: Y.Doc, seed: Y.Doc): Y.Doc {
  const third = copyOf(seed);
  send(first, third);
  send(second, third);
  return third;
}

describe.each([
  ['doctor first', true],
  ['nurse first', false]
])('two devices change the same allergy field while apart (%s)', (_label, doctorFirst) => {
  // Fixed clock times, so who-and-when in the history can be stated literally.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function apart() {
    vi.setSystemTime(new Date('2026-11-01T08:00:00.000Z'));
    const { seed, allergy } = seedChart();
    const a = copyOf(seed);
    const b = copyOf(seed);
    vi.setSystemTime(new Date('2026-11-01T09:00:00.000Z'));
    updateAllergy(a, allergy, { reaction: 'Anaphylaxis', severity: 'severe' }, dr);
    vi.setSystemTime(new Date('2026-11-01T09:05:00.000Z'));
    updateAllergy(b, allergy, { reaction: 'Rash', severity: 'moderate' }, nurse);
    const merged = doctorFirst ? mergeInto(a, b, seed) : mergeInto(b, a, seed);
    send(b, a);
    send(a, b);
    return { seed, allergy, a, b, merged };
  }

  test('both values are kept with who and when, and the entry is flagged', () => {
    const { allergy, merged } = apart();
    const conflicts = conflictsOf(merged, 'allergies', allergy);
    expect(conflicts.map((c) => c.field).sort()).toEqual(['reaction', 'severity']);
    const reaction = conflicts.find((c) => c.field === 'reaction')!;
    expect(reaction.candidates.map((c) => [c.value, c.by, c.at]).sort()).toEqual([
      ['Anaphylaxis', 'Dr. Okafor', '2026-11-01T09:00:00.000Z'],
      ['Rash', 'Nurse Reyes', '2026-11-01T09:05:00.000Z']
    ]);
    expect(chartConflicts(merged)).toHaveLength(1);
  });

  test('every replica shows the same value whatever the order of arrival', () => {
    const { a, b, merged } = apart();
    expect(listAllergies(a)).toEqual(listAllergies(b));
    expect(listAllergies(merged)).toEqual(listAllergies(a));
    const shown = conflictsOf(a, 'allergies', listAllergies(a)[0].id).find((c) => c.field === 'reaction')!.shown;
    expect(listAllergies(a)[0].reaction).toBe(shown.value);
  });

  test('a clinician keeps one value; the flag clears on every device, the other value stays in history', () => {
    const { allergy, a, b } = apart();
    const reaction = conflictsOf(b, 'allergies', allergy).find((c) => c.field === 'reaction')!;
    const keep = reaction.candidates.find((c) => c.value === 'Anaphylaxis')!;
    const other = reaction.candidates.find((c) => c.value === 'Rash')!;
    vi.setSystemTime(new Date('2026-11-02T10:00:00.000Z'));
    resolveConflict(b, 'allergies', allergy, 'reaction', keep.id, nurse);
    const severity = conflictsOf(b, 'allergies', allergy).find((c) => c.field === 'severity')!;
    vi.setSystemTime(new Date('2026-11-02T10:01:00.000Z'));
    resolveConflict(b, 'allergies', allergy, 'severity', severity.candidates.find((c) => c.value === 'severe')!.id, nurse);
    send(b, a);
    for (const d of [a, b]) {
      expect(conflictsOf(d, 'allergies', allergy)).toEqual([]);
      expect(listAllergies(d)[0]).toMatchObject({ reaction: 'Anaphylaxis', severity: 'severe', updatedBy: 'Nurse Reyes' });
      // The entry's history still holds every value of the field, the one
      // not kept included, with who and when, then the resolution.
      const history = readEdits(d.getMap('allergies').get(allergy) as Y.Map<unknown>)
        .filter((x) => x.field === 'reaction')
        .sort((x, y) => x.at.localeCompare(y.at))
        .map(({ value, by, byId, at, kind }) => ({ value, by, byId, at, kind }));
      expect(history).toEqual([
        { value: 'Anaphylaxis', by: 'Dr. Okafor', byId: 'u1', at: '2026-11-01T09:00:00.000Z', kind: 'edit' },
        { value: 'Rash', by: 'Nurse Reyes', byId: 'u2', at: '2026-11-01T09:05:00.000Z', kind: 'edit' },
        { value: 'Anaphylaxis', by: 'Nurse Reyes', byId: 'u2', at: '2026-11-02T10:00:00.000Z', kind: 'resolution' }
      ]);
      const resolution = readEdits(d.getMap('allergies').get(allergy) as Y.Map<unknown>).find((x) => x.kind === 'resolution' && x.field === 'reaction')!;
      expect([...resolution.supersedes].sort()).toEqual([keep.id, other.id].sort());
    }
    expect(chartConflicts(a)).toEqual([]);
  });
});

describe('what is not a conflict', () => {
  test('different fields edited apart merge without a flag', () => {
    const { seed, allergy } = seedChart();
    const a = copyOf(seed);
    const b = copyOf(seed);
    updateAllergy(a, allergy, { reaction: 'Wheeze' }, dr);
    updateAllergy(b, allergy, { severity: 'severe' }, nurse);
    send(a, b);
    send(b, a);
    expect(conflictsOf(a, 'allergies', allergy)).toEqual([]);
    expect(listAllergies(b)[0]).toMatchObject({ reaction: 'Wheeze', severity: 'severe' });
  });

  test('the same value chosen on both devices is agreement, not a conflict', () => {
    const { seed, allergy } = seedChart();
    const a = copyOf(seed);
    const b = copyOf(seed);
    updateAllergy(a, allergy, { severity: 'severe' }, dr);
    updateAllergy(b, allergy, { severity: 'severe' }, nurse);
    send(a, b);
    expect(conflictsOf(b, 'allergies', allergy)).toEqual([]);
  });

  test('edits made one after another (seen in turn) just replace the value', () => {
    const { seed, allergy } = seedChart();
    const a = copyOf(seed);
    updateAllergy(a, allergy, { reaction: 'Rash' }, dr);
    const b = copyOf(a);
    updateAllergy(b, allergy, { reaction: 'Hives and rash' }, nurse);
    send(b, a);
    expect(conflictsOf(a, 'allergies', allergy)).toEqual([]);
    expect(listAllergies(a)[0].reaction).toBe('Hives and rash');
  });

  test('an entry written before edits were recorded reads as before and takes edits', () => {
    const doc = new Y.Doc();
    const id = addAllergy(doc, { substance: 'Latex', category: 'environment', reaction: 'Itch' }, dr);
    expect(listAllergies(doc)[0].reaction).toBe('Itch');
    updateAllergy(doc, id, { reaction: 'Itch' }, dr);
    expect([...collectionKeys(doc, id)].some((k) => k.startsWith('edit:'))).toBe(false);
    updateAllergy(doc, id, { reaction: 'Urticaria' }, dr);
    expect(listAllergies(doc)[0].reaction).toBe('Urticaria');
  });
});

describe('conflicts that stay open until someone saw both', () => {
  test('a device that resolved while another kept editing the old value keeps the flag up', () => {
    const { seed, allergy } = seedChart();
    const a = copyOf(seed);
    const b = copyOf(seed);
    updateAllergy(a, allergy, { reaction: 'Anaphylaxis' }, dr);
    updateAllergy(b, allergy, { reaction: 'Rash' }, nurse);
    send(a, b); // b sees both and resolves; a goes on editing without seeing b
    const c = conflictsOf(b, 'allergies', allergy)[0];
    resolveConflict(b, 'allergies', allergy, 'reaction', c.candidates.find((x) => x.value === 'Rash')!.id, nurse);
    updateAllergy(a, allergy, { reaction: 'Anaphylaxis, ICU stay' }, dr);
    send(a, b);
    send(b, a);
    const open = conflictsOf(a, 'allergies', allergy);
    expect(open).toHaveLength(1);
    expect(open[0].candidates.map((x) => x.value).sort()).toEqual(['Anaphylaxis, ICU stay', 'Rash']);
  });

  test('a value written by a client without edit history is flagged, not hidden', () => {
    const { seed, allergy } = seedChart();
    updateAllergy(seed, allergy, { reaction: 'Rash' }, dr);
    const old = seed.getMap('allergies').get(allergy) as Y.Map<unknown>;
    old.set('reaction', 'Swelling'); // an older client's plain write
    const [conflict] = conflictsOf(seed, 'allergies', allergy);
    expect(conflict.candidates.map((x) => x.value).sort()).toEqual(['Rash', 'Swelling']);
    resolveConflict(seed, 'allergies', allergy, 'reaction', conflict.candidates.find((x) => x.value === 'Swelling')!.id, dr);
    expect(conflictsOf(seed, 'allergies', allergy)).toEqual([]);
    expect(listAllergies(seed)[0].reaction).toBe('Swelling');
  });

  test('resolving with a value that is no longer current is refused', () => {
    const { seed, allergy } = seedChart();
    expect(() => resolveConflict(seed, 'allergies', allergy, 'reaction', 'nope', dr)).toThrow(/nothing to resolve/);
    expect(() => resolveConflict(seed, 'allergies', allergy, 'category', 'nope', dr)).toThrow(/cannot be edited/);
  });
});

describe.each([
  ['first device first', true],
  ['second device first', false]
])('problems: status changed differently while apart (%s)', (_label, firstFirst) => {
  test('flagged with both values and resolvable', () => {
    const { seed, problem } = seedChart();
    const a = copyOf(seed);
    const b = copyOf(seed);
    updateCondition(a, problem, { clinicalStatus: 'resolved', abatementDate: '2026-11-20' }, dr);
    updateCondition(b, problem, { clinicalStatus: 'remission' }, nurse);
    const merged = firstFirst ? mergeInto(a, b, seed) : mergeInto(b, a, seed);
    const [status] = conflictsOf(merged, 'conditions', problem);
    expect(status.field).toBe('clinicalStatus');
    expect(status.candidates.map((x) => x.value).sort()).toEqual(['remission', 'resolved']);
    expect(listConditions(merged)[0].abatementDate).toBe('2026-11-20');
    resolveConflict(merged, 'conditions', problem, 'clinicalStatus', status.candidates.find((x) => x.value === 'resolved')!.id, dr);
    expect(conflictsOf(merged, 'conditions', problem)).toEqual([]);
    expect(listConditions(merged)[0].clinicalStatus).toBe('resolved');
  });
});

test('fieldHeads and conflictOf are pure: newest first, ties by id', () => {
  const e = (id: string, value: string, at: string, supersedes: string[] = []): FieldEdit => ({ id, field: 'reaction', value, by: 'x', byId: '', at, supersedes, kind: 'edit' });
  const edits = [e('a', 'Rash', '2026-01-01T00:00:00Z'), e('b', 'Hives', '2026-01-02T00:00:00Z'), e('c', 'Itch', '2026-01-02T00:00:00Z')];
  expect(fieldHeads(edits, 'reaction').map((h) => h.id)).toEqual(['c', 'b', 'a']);
  expect(conflictOf(fieldHeads(edits, 'reaction'))?.shown.id).toBe('c');
  expect(fieldHeads([...edits, e('d', 'Itch', '2026-01-03T00:00:00Z', ['a', 'b', 'c'])], 'reaction').map((h) => h.id)).toEqual(['d']);
});

function collectionKeys(doc: Y.Doc, id: string): IterableIterator<string> {
  return (doc.getMap('allergies').get(id) as Y.Map<unknown>).keys();
}
