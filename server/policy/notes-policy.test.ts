import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Author } from './policy-types';
import { desk, doctor, doctor2, importer, liveDoc, NOW, nurse, seed, write, ymap, ytext } from './test-factories';

/**
 * Visit notes through the write policy alone: the note's shape, who signs,
 * a signature that never changes, and addenda; each verdict exact (rule,
 * action, place, message) and each correction read back from the stored note.
 */

const EARLIER = '2026-12-04T09:00:00.000Z';
const SIG = { byId: 'u-doc', by: 'Dr Amani', at: EARLIER, text: { subjective: 'Feels well.', objective: '', assessment: '', plan: '' } };
const ADD = { id: 'a1', text: 'Home readings reviewed.', by: 'Dr Amani', byId: 'u-doc', at: EARLIER };

function noteMap(fields: Record<string, unknown> = {}): Y.Map<unknown> {
  const all: Record<string, unknown> = { subjective: ytext('Feels well.'), objective: ytext(''), assessment: ytext(''), plan: ytext(''), status: 'draft', ...fields };
  for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
  return ymap(all);
}

const encounter = (note: unknown, extra: Record<string, unknown> = {}) =>
  ymap({ id: 'e1', resourceType: 'Encounter', class: 'ambulatory', type: 'Visit', reason: 'Cough', start: EARLIER, status: 'in-progress', createdAt: EARLIER, createdBy: 'Dr Amani', note, ...extra });

/** A visit with its note; `imported` gives it a source id, so an import may write to it. */
function visit(note: Record<string, unknown> = {}, imported = false) {
  const live = liveDoc();
  seed(live, (doc) => doc.getMap('encounters').set('e1', encounter(noteMap(note), imported ? { sourceId: 'ext-1' } : {})));
  return live;
}

const signedVisit = (extra: Record<string, unknown> = {}) => visit({ status: 'signed', signature: SIG, signedBy: 'Dr Amani', signedAt: EARLIER, ...extra });

const noteOf = (doc: Y.Doc) => (doc.getMap('encounters').get('e1') as Y.Map<unknown>).get('note') as Y.Map<unknown>;
const setNote = (fields: Record<string, unknown>) => (doc: Y.Doc) => {
  for (const [k, v] of Object.entries(fields)) noteOf(doc).set(k, v);
};
const stored = (live: ReturnType<typeof liveDoc>) => noteOf(live.doc).toJSON();
const messages = (o: ReturnType<typeof write>) => o.verdict!.violations.map((v) => v.message);

describe('the shape of a note', () => {
  const newVisit = (note: unknown, by: Author = doctor) => write(liveDoc(), by, (doc) => doc.getMap('encounters').set('e1', encounter(note)));

  it('admits a well-formed draft and a well-formed signed note (positive controls)', () => {
    expect(newVisit(noteMap()).violations).toEqual([]);
    expect(newVisit(noteMap({ status: 'signed', signature: SIG, signedBy: 'Dr Amani', signedAt: EARLIER })).violations).toEqual([]);
    expect(newVisit(noteMap({ status: undefined })).violations).toEqual([]);
    expect(newVisit(noteMap({ status: 'signed', signature: { byId: SIG.byId, by: SIG.by, at: SIG.at } })).violations).toEqual([]);
  });

  it.each([
    ['a note that is text, not a map', 'Feels well.', 'a note must be a map'],
    ['a note that is a list', ['Feels well.'], 'a note must be a map'],
    ['a subjective section that is plain text', noteMap({ subjective: 'x' }), 'the subjective section must be shared text'],
    ['an objective section that is a map', () => noteMap({ objective: new Y.Map() }), 'the objective section must be shared text'],
    ['an assessment section that is a number', noteMap({ assessment: 3 }), 'the assessment section must be shared text'],
    ['a plan section that is plain text', noteMap({ plan: 'x' }), 'the plan section must be shared text'],
    ['a status that is neither draft nor signed', noteMap({ status: 'final' }), 'a note is draft or signed'],
    ['a status that is a number', noteMap({ status: 1 }), 'a note is draft or signed'],
    ['signed without a signature', noteMap({ status: 'signed' }), 'a signed note carries its signature'],
    ['a signature that is text', noteMap({ status: 'signed', signature: 'Dr Amani' }), 'a signed note carries its signature'],
    ['a signature that is a list', noteMap({ status: 'signed', signature: [SIG] }), 'a signed note carries its signature'],
    ['a signature without the signer’s id', noteMap({ status: 'signed', signature: { by: 'Dr Amani', at: EARLIER } }), 'a signed note carries its signature'],
    ['a signature without the signer’s name', noteMap({ status: 'signed', signature: { byId: 'u-doc', at: EARLIER } }), 'a signed note carries its signature'],
    ['a signature without a time', noteMap({ status: 'signed', signature: { byId: 'u-doc', by: 'Dr Amani' } }), 'a signed note carries its signature'],
    ['signed text that is text', noteMap({ status: 'signed', signature: { ...SIG, text: 'all of it' } }), 'the signed text is sections of text'],
    ['signed text with a section that is a number', noteMap({ status: 'signed', signature: { ...SIG, text: { subjective: 'x', plan: 2 } } }), 'the signed text is sections of text']
  ])('refuses %s', (_what, note, problem) => {
    const o = newVisit(typeof note === 'function' ? note() : note);
    expect(o.kind).toBe('refused');
    expect(o.violations).toEqual(['refuse:note.shape@encounters/e1/note']);
    expect(messages(o)).toEqual([`Not a valid note: ${problem}`]);
  });

  it('judges a malformed note from any writer, the import too', () => {
    const o = newVisit(noteMap({ status: 'final' }), importer);
    expect(o.violations).toEqual(['refuse:note.shape@encounters/e1/note']);
  });

  it('a visit without a note is not judged here', () => {
    const o = write(liveDoc(), doctor, (doc) => doc.getMap('encounters').set('e1', ymap({ id: 'e1', resourceType: 'Encounter', class: 'ambulatory' })));
    expect(o.violations).toEqual([]);
  });

  it('a replaced note is refused as a replacement only, whatever it holds', () => {
    const live = signedVisit();
    const o = write(live, doctor, (doc) => (doc.getMap('encounters').get('e1') as Y.Map<unknown>).set('note', noteMap({ status: 'final', 'addendum:x': 'x' })));
    expect(o.violations).toEqual(['refuse:record.no-replace@encounters/e1/note']);
  });
});

describe('a note replaced', () => {
  it('by a plain value: refused as a replacement and as no note', () => {
    const o = write(signedVisit(), doctor, (doc) => (doc.getMap('encounters').get('e1') as Y.Map<unknown>).set('note', 'Feels well.'));
    expect(o.violations).toEqual(['refuse:record.no-replace@encounters/e1/note', 'refuse:note.shape@encounters/e1/note']);
  });

  it('a note kept as a plain value by an older app may become a map, which is judged as a note', () => {
    const live = liveDoc();
    seed(live, (doc) => doc.getMap('encounters').set('e1', encounter('legacy text')));
    const bad = write(live, doctor, (doc) => (doc.getMap('encounters').get('e1') as Y.Map<unknown>).set('note', noteMap({ status: 'final' })));
    expect(bad.violations).toEqual(['refuse:note.shape@encounters/e1/note']);
    const ok = write(live, doctor, (doc) => (doc.getMap('encounters').get('e1') as Y.Map<unknown>).set('note', noteMap()));
    expect(ok.violations).toEqual([]);
  });
});

describe('who signs a note', () => {
  const sign = (by: Author, extra: Record<string, unknown> = {}) => {
    const id = by.kind === 'user' ? by.userId : '';
    return setNote({ status: 'signed', signature: { ...SIG, byId: id, by: by.name, at: EARLIER }, signedBy: by.name, signedAt: EARLIER, ...extra });
  };

  it('a nurse editing a draft note is not signing it', () => {
    const live = visit();
    const o = write(live, nurse, (doc) => {
      (noteOf(doc).get('plan') as Y.Text).insert(0, 'Fluids.');
      noteOf(doc).set('status', 'draft');
    });
    expect(o.violations).toEqual([]);
    expect(stored(live)).toMatchObject({ plan: 'Fluids.', status: 'draft' });
  });

  it('a clinician signs: kept as written', () => {
    const live = visit();
    const o = write(live, doctor, sign(doctor));
    expect(o.violations).toEqual([]);
    expect(stored(live)).toMatchObject({ status: 'signed', signature: SIG, signedBy: 'Dr Amani', signedAt: EARLIER });
  });

  it.each([
    ['a nurse', nurse],
    ['the front desk', desk]
  ])('%s signs: back to draft, the refused signature kept beside it', (_who, by) => {
    const live = visit();
    const o = write(live, by, sign(by));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual(['correct:note.sign-role@encounters/e1/note/signature']);
    expect(messages(o)).toEqual(['Only a clinician signs a visit note']);
    const id = by.kind === 'user' ? by.userId : '';
    const refusedSig = { byId: id, at: NOW, reason: 'Signed by a user who is not a clinician; refused by the server' };
    expect(o.verdict!.corrections).toEqual([
      { root: 'encounters', key: 'e1', path: ['note', 'status'], value: 'draft' },
      { root: 'encounters', key: 'e1', path: ['note', 'signature'], value: undefined },
      { root: 'encounters', key: 'e1', path: ['note', 'signedBy'], value: undefined },
      { root: 'encounters', key: 'e1', path: ['note', 'signedAt'], value: undefined },
      { root: 'encounters', key: 'e1', path: ['note', 'signatureRefused'], value: refusedSig }
    ]);
    expect(stored(live)).toEqual({ subjective: 'Feels well.', objective: '', assessment: '', plan: '', status: 'draft', signatureRefused: refusedSig });
  });

  it('a nurse’s bare status change to signed: only what she wrote is removed', () => {
    const live = visit();
    const o = write(live, nurse, setNote({ status: 'signed', signature: { byId: 'u-nurse', by: 'Nurse Njeri', at: EARLIER } }));
    expect(o.verdict!.corrections.map((c) => c.path.join('.'))).toEqual(['note.status', 'note.signature', 'note.signatureRefused']);
    expect(stored(live)).toMatchObject({ status: 'draft' });
    expect('signature' in stored(live)).toBe(false);
  });

  it('an import signing a note is not held to the role rule', () => {
    const live = visit({}, true);
    const o = write(live, importer, sign(nurse));
    expect(o.violations).toEqual([]);
  });
});

describe('a signed note’s signature', () => {
  it('text typed into a section after signing is allowed', () => {
    const live = signedVisit();
    const o = write(live, doctor, (doc) => (noteOf(doc).get('plan') as Y.Text).insert(0, 'Review in a week.'));
    expect(o.violations).toEqual([]);
    expect(stored(live)).toMatchObject({ plan: 'Review in a week.', status: 'signed' });
  });

  it.each([
    ['status', 'draft', doctor],
    ['signature', { ...SIG, text: { subjective: 'Rewritten.' } }, doctor],
    ['signature', { ...SIG, byId: 'u-doc2', by: 'Dr Baraka' }, doctor2],
    ['signedBy', 'Dr Baraka', doctor2],
    ['signedAt', '2026-12-04T09:30:00.000Z', doctor],
    ['status', 'draft', nurse]
  ])('a write to %s is undone', (field, value, by) => {
    const live = signedVisit();
    const o = write(live, by, setNote({ [field]: value }));
    expect(o.kind).toBe('accepted');
    expect(o.violations).toEqual([`correct:note.signature-frozen@encounters/e1/note/${field}`]);
    expect(messages(o)).toEqual(['A signed note keeps its signature; corrections are addenda']);
    expect(stored(live)).toEqual({ subjective: 'Feels well.', objective: '', assessment: '', plan: '', status: 'signed', signature: SIG, signedBy: 'Dr Amani', signedAt: EARLIER });
  });

  it('every frozen field written at once is put back, each reported', () => {
    const live = signedVisit();
    const o = write(live, doctor2, setNote({ status: 'draft', signature: { ...SIG, byId: 'u-doc2', by: 'Dr Baraka' }, signedBy: 'Dr Baraka', signedAt: '2026-12-04T09:30:00.000Z' }));
    expect(o.violations).toEqual(['status', 'signature', 'signedBy', 'signedAt'].map((f) => `correct:note.signature-frozen@encounters/e1/note/${f}`));
    expect(stored(live)).toMatchObject({ status: 'signed', signature: SIG, signedBy: 'Dr Amani', signedAt: EARLIER });
  });

  it('a signed note whose signer fields were never written: a new one is removed again', () => {
    const live = visit({ status: 'signed', signature: SIG });
    const o = write(live, doctor, setNote({ signedBy: 'Dr Amani' }));
    expect(o.violations).toEqual(['correct:note.signature-frozen@encounters/e1/note/signedBy']);
    expect('signedBy' in stored(live)).toBe(false);
  });
});

describe('addenda', () => {
  it('a valid addendum on a signed note is kept', () => {
    const live = signedVisit();
    const o = write(live, doctor, setNote({ 'addendum:a1': ADD }));
    expect(o.violations).toEqual([]);
    expect(stored(live)['addendum:a1']).toEqual(ADD);
  });

  it('an addendum written with the signature is kept', () => {
    const live = visit();
    const o = write(live, doctor, setNote({ status: 'signed', signature: SIG, 'addendum:a1': ADD }));
    expect(o.violations).toEqual([]);
  });

  it.each([
    ['a draft', doctor],
    ['a draft, from an import', importer]
  ])('an addendum on %s is refused', (_what, by) => {
    const live = visit({}, true);
    const o = write(live, by, setNote({ 'addendum:a1': ADD }));
    expect(o.kind).toBe('refused');
    expect(o.violations).toEqual(['refuse:note.addendum@encounters/e1/note/addendum:a1']);
    expect(messages(o)).toEqual(['Addenda are added to a signed note only']);
  });

  it.each([
    ['another id', { ...ADD, id: 'a2' }],
    ['no id', { ...ADD, id: undefined }],
    ['text that is not text', { ...ADD, text: 5 }],
    ['no time', { text: ADD.text, id: 'a1', by: 'Dr Amani', byId: 'u-doc' }],
    ['a time that is a number', { ...ADD, at: 5 }],
    ['not a record', 'Home readings reviewed.'],
    ['a list', [ADD]]
  ])('an addendum with %s is refused', (_what, value) => {
    const live = signedVisit();
    const o = write(live, doctor, setNote({ 'addendum:a1': value }));
    expect(o.kind).toBe('refused');
    expect(o.violations).toContain('refuse:note.addendum@encounters/e1/note/addendum:a1');
    expect(o.verdict!.violations.find((v) => v.rule === 'note.addendum')!.message).toBe('An addendum carries its id, text, author and time');
  });

  it('an addendum never changes once written; leaving it alone is fine', () => {
    const live = signedVisit({ 'addendum:a1': ADD });
    const o = write(live, doctor, setNote({ 'addendum:a1': { ...ADD, text: 'Changed.' } }));
    expect(o.violations).toEqual(['refuse:note.addendum@encounters/e1/note/addendum:a1']);
    expect(messages(o)).toEqual(['An addendum never changes once written']);
    expect(stored(live)['addendum:a1']).toEqual(ADD);
    const ok = write(live, doctor, setNote({ 'addendum:a2': { ...ADD, id: 'a2' }, 'addendum:a1': { ...ADD } }));
    expect(ok.violations).toEqual([]);
  });

  it('other note fields are not addenda', () => {
    const live = visit();
    const o = write(live, doctor, setNote({ reviewedBy: 'Dr Amani', reviewedAt: EARLIER }));
    expect(o.violations).toEqual([]);
  });
});
