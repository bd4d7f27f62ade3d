import { describe, expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import {
  addAddendum,
  addEncounter,
  initChartDoc,
  listEncounters,
  markEnteredInError,
  noteLifecycle,
  noteSection,
  reviewLateEdits,
  signedNote,
  signNote
} from './chart-doc';
import { unsignedNotes } from './note-worklist';
import { NoteTransitionError } from '../domain/note-state';

const dr = { id: 'u1', name: 'Dr. Okafor' };
const nurse = { id: 'u2', name: 'Nurse Reyes' };
const pid = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

function chartWithVisit() {
  const doc = new Y.Doc();
  initChartDoc(doc, pid);
  const enc = addEncounter(doc, { reason: 'Cough' }, dr);
  noteSection(doc, enc, 'subjective').insert(0, 'Three days of cough.');
  return { doc, enc };
}

function copyOf(d: Y.Doc): Y.Doc {
  const c = new Y.Doc();
  Y.applyUpdate(c, Y.encodeStateAsUpdate(d));
  return c;
}

function send(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

describe('signing and addenda', () => {
  test('signing keeps who, when and the text signed', () => {
    const { doc, enc } = chartWithVisit();
    expect(noteLifecycle(doc, enc)).toBe('draft');
    signNote(doc, enc, dr);
    expect(noteLifecycle(doc, enc)).toBe('signed');
    const s = signedNote(doc, enc)!;
    expect(s.signature).toMatchObject({ by: 'Dr. Okafor', byId: 'u1' });
    expect(s.record.subjective).toBe('Three days of cough.');
    expect(s.lateEdits).toEqual([]);
    expect(listEncounters(doc)[0].note).toMatchObject({ status: 'signed', signedBy: 'Dr. Okafor' });
  });

  test('an addendum after signing has its own text, author and time; the record is unchanged', () => {
    const { doc, enc } = chartWithVisit();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T10:00:00Z'));
    signNote(doc, enc, dr);
    vi.setSystemTime(new Date('2026-11-30T11:00:00Z'));
    addAddendum(doc, enc, 'Chest X-ray clear.', nurse);
    vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
    addAddendum(doc, enc, 'Called patient with result.', dr);
    vi.useRealTimers();
    expect(noteLifecycle(doc, enc)).toBe('amended');
    const s = signedNote(doc, enc)!;
    expect(s.addenda.map((a) => [a.text, a.by])).toEqual([
      ['Chest X-ray clear.', 'Nurse Reyes'],
      ['Called patient with result.', 'Dr. Okafor']
    ]);
    expect(s.record.subjective).toBe('Three days of cough.');
  });

  test('forbidden steps throw NoteTransitionError', () => {
    const { doc, enc } = chartWithVisit();
    expect(() => addAddendum(doc, enc, 'Too early', dr)).toThrow(NoteTransitionError);
    signNote(doc, enc, dr);
    expect(() => signNote(doc, enc, nurse)).toThrow(/already signed/);
    expect(() => addAddendum(doc, enc, '  ', dr)).toThrow(/empty/);
    markEnteredInError(doc, 'encounters', enc, 'Wrong patient', dr);
    expect(noteLifecycle(doc, enc)).toBe('entered-in-error');
    expect(() => addAddendum(doc, enc, 'More', dr)).toThrow(NoteTransitionError);
    expect(() => markEnteredInError(doc, 'encounters', enc, 'Again', dr)).toThrow(NoteTransitionError);
  });

  test('a draft can be entered in error with a reason', () => {
    const { doc, enc } = chartWithVisit();
    markEnteredInError(doc, 'encounters', enc, 'Duplicate visit', dr);
    expect(listEncounters(doc)[0]).toMatchObject({ status: 'entered-in-error', enteredInErrorReason: 'Duplicate visit' });
  });

  test('addenda written on two devices while apart are both kept', () => {
    const { doc, enc } = chartWithVisit();
    signNote(doc, enc, dr);
    const a = copyOf(doc);
    const b = copyOf(doc);
    addAddendum(a, enc, 'From the doctor.', dr);
    addAddendum(b, enc, 'From the nurse.', nurse);
    send(a, b);
    send(b, a);
    expect(signedNote(a, enc)!.addenda.map((x) => x.text).sort()).toEqual(['From the doctor.', 'From the nurse.']);
    expect(signedNote(a, enc)).toEqual(signedNote(b, enc));
  });
});

/**
 * Two devices sign the same note while apart. Which signature Yjs keeps for
 * concurrent writes of one map key depends only on the writers' client ids
 * (the higher id's write wins), and client ids are random, so each ordering
 * is pinned here with fixed ids and checked on its own.
 */
describe.each([
  {
    label: 'the lower client id signs first (the later signer is kept)',
    doctorDevice: 1,
    nurseDevice: 2,
    kept: { by: 'Nurse Reyes', byId: 'u2', at: '2026-11-30T10:05:00.000Z' },
    plan: 'Fluids.',
    lateEdits: []
  },
  {
    label: 'the higher client id signs first (the earlier signer is kept)',
    doctorDevice: 2,
    nurseDevice: 1,
    kept: { by: 'Dr. Okafor', byId: 'u1', at: '2026-11-30T10:00:00.000Z' },
    plan: '',
    lateEdits: [{ section: 'plan', text: 'Fluids.' }]
  }
])('two devices signing while apart: $label', ({ doctorDevice, nurseDevice, kept, plan, lateEdits }) => {
  test('both end with one whole signature, never one signer with the other time', () => {
    const doc = new Y.Doc();
    doc.clientID = 100;
    initChartDoc(doc, pid);
    const enc = addEncounter(doc, { reason: 'Cough' }, dr);
    noteSection(doc, enc, 'subjective').insert(0, 'Three days of cough.');
    const a = new Y.Doc();
    a.clientID = doctorDevice;
    Y.applyUpdate(a, Y.encodeStateAsUpdate(doc));
    const b = new Y.Doc();
    b.clientID = nurseDevice;
    Y.applyUpdate(b, Y.encodeStateAsUpdate(doc));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-30T10:00:00Z'));
      signNote(a, enc, dr);
      vi.setSystemTime(new Date('2026-11-30T10:05:00Z'));
      noteSection(b, enc, 'plan').insert(0, 'Fluids.');
      signNote(b, enc, nurse);
    } finally {
      vi.useRealTimers();
    }
    send(a, b);
    send(b, a);
    for (const d of [a, b]) {
      const s = signedNote(d, enc)!;
      expect(s.signature).toMatchObject(kept);
      expect(s.record).toMatchObject({ subjective: 'Three days of cough.', plan });
      // Text the other device signed differently is not silently taken as the record.
      expect(s.lateEdits).toEqual(lateEdits);
      expect(listEncounters(d)[0].note).toMatchObject({ status: 'signed', signedBy: kept.by, signedAt: kept.at });
      expect(noteLifecycle(d, enc)).toBe('signed');
    }
    expect(signedNote(a, enc)).toEqual(signedNote(b, enc));
  });
});

describe('text typed on a device that had not seen the signature', () => {
  function lateTyping() {
    const { doc, enc } = chartWithVisit();
    const away = copyOf(doc);
    signNote(doc, enc, dr);
    noteSection(away, enc, 'plan').insert(0, 'Start inhaler.');
    send(away, doc);
    return { doc, enc };
  }

  test('the signed text stays the record and the late text is flagged', () => {
    const { doc, enc } = lateTyping();
    expect(noteSection(doc, enc, 'plan').toString()).toBe('Start inhaler.');
    const s = signedNote(doc, enc)!;
    expect(s.record.plan).toBe('');
    expect(s.lateEdits).toEqual([{ section: 'plan', text: 'Start inhaler.' }]);
  });

  test('reviewing clears the flag until the text changes again', () => {
    const { doc, enc } = lateTyping();
    addAddendum(doc, enc, 'Start inhaler.', dr);
    reviewLateEdits(doc, enc, dr);
    expect(signedNote(doc, enc)!.lateEdits).toEqual([]);
    expect(signedNote(doc, enc)!.reviewed?.by).toBe('Dr. Okafor');
    noteSection(doc, enc, 'plan').insert(0, 'More. ');
    expect(signedNote(doc, enc)!.lateEdits.map((l) => l.section)).toEqual(['plan']);
  });

  test('a note signed before signed text was kept reads its live text as the record', () => {
    const { doc, enc } = chartWithVisit();
    signNote(doc, enc, dr);
    const note = (doc.getMap('encounters').get(enc) as Y.Map<unknown>).get('note') as Y.Map<unknown>;
    note.delete('signature');
    const s = signedNote(doc, enc)!;
    expect(s.signature.by).toBe('Dr. Okafor');
    expect(s.record.subjective).toBe('Three days of cough.');
    expect(s.lateEdits).toEqual([]);
  });
});

describe('drafts worklist', () => {
  test('lists unsigned notes, not signed or entered-in-error ones; flags late text for the signer', () => {
    const { doc, enc } = chartWithVisit();
    const second = addEncounter(doc, { reason: 'Rash' }, nurse);
    const third = addEncounter(doc, { reason: 'Duplicate' }, dr);
    markEnteredInError(doc, 'encounters', third, 'Duplicate', dr);
    // A visit that arrived finished from a past record has no note to sign.
    const past = addEncounter(doc, { reason: 'Imported visit', start: '2019-05-01T09:00:00Z' }, dr);
    (doc.getMap('encounters').get(past) as Y.Map<unknown>).set('status', 'finished');
    expect(unsignedNotes(doc, pid).map((w) => [w.encounterId, w.kind]).sort()).toEqual(
      [
        [enc, 'draft'],
        [second, 'draft']
      ].sort()
    );
    const away = copyOf(doc);
    signNote(doc, enc, dr);
    noteSection(away, enc, 'plan').insert(0, 'Late.');
    send(away, doc);
    expect(unsignedNotes(doc, pid).map((w) => [w.encounterId, w.kind])).toEqual([
      [second, 'draft'],
      [enc, 'late-edits']
    ]);
    const [draft] = unsignedNotes(doc, pid);
    expect(draft).toMatchObject({ patientId: pid, reason: 'Rash', startedBy: 'Nurse Reyes' });
  });
});
