import { describe, expect, it, test } from 'vitest';
import * as Y from 'yjs';
import { anchorAt, applyTextChange, diffText, insertAtAnchor, shiftCaret } from './text-binding';
import { withSeparator } from '../domain/dictation';

test.each([
  ['', 'abc', { index: 0, remove: 0, insert: 'abc' }],
  ['abc', 'abXc', { index: 2, remove: 0, insert: 'X' }],
  ['abc', 'ac', { index: 1, remove: 1, insert: '' }],
  ['hello world', 'hello there world', { index: 6, remove: 0, insert: 'there ' }],
  ['aaa', 'aa', { index: 2, remove: 1, insert: '' }]
])('diffText(%j, %j)', (a, b, expected) => expect(diffText(a, b)).toEqual(expected));

test('applying a textarea change edits instead of replacing, so a concurrent insert survives', () => {
  const a = new Y.Doc();
  a.getText('t').insert(0, 'Patient reports cough.');
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  applyTextChange(a.getText('t'), 'Patient reports dry cough.');
  b.getText('t').insert(b.getText('t').length, ' No fever.');
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  expect(a.getText('t').toString()).toBe('Patient reports dry cough. No fever.');
  expect(b.getText('t').toString()).toBe(a.getText('t').toString());
});

test.each([
  [[{ retain: 2 }, { insert: 'XX' }], 5, 7],
  [[{ retain: 5 }, { insert: 'XX' }], 2, 2],
  [[{ delete: 3 }], 5, 2],
  [[{ retain: 1 }, { delete: 10 }], 5, 1],
  // A colleague's text at exactly the caret goes after it (their run, then ours stays whole).
  [[{ insert: 'abc' }], 0, 0],
  [[{ retain: 5 }, { insert: 'abc' }], 5, 5]
])('shiftCaret(%j, %d) → %d', (delta, pos, expected) => expect(shiftCaret(delta, pos)).toBe(expected));

test('two people typing at the same spot keep their words whole', () => {
  // Replays what two textareas do: each keystroke is a local edit at the
  // typist's caret; the other's keystroke arrives and moves the caret.
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'));
  const typist = (doc: Y.Doc) => {
    let caret = 0;
    doc.getText('t').observe((e, tr) => {
      if (tr.origin === 'remote') caret = shiftCaret(e.delta, caret);
    });
    return (ch: string) => {
      doc.getText('t').insert(caret, ch);
      caret += ch.length;
    };
  };
  const typeA = typist(a);
  const typeB = typist(b);
  const wa = 'Chest X-ray. ';
  const wb = 'SpO2 93%. ';
  for (let i = 0; i < Math.max(wa.length, wb.length); i++) {
    if (i < wa.length) typeA(wa[i]);
    if (i < wb.length) typeB(wb[i]);
  }
  const text = a.getText('t').toString();
  expect(text).toBe(b.getText('t').toString());
  expect(text).toContain(wa);
  expect(text).toContain(wb);
});

describe('insertAtAnchor', () => {
  it('inserts where the caret was, even after a colleague typed before it', () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'Fever. Vomiting.');
    const anchor = anchorAt(text, 6);
    text.insert(0, 'Day 2. ');
    const end = insertAtAnchor(text, anchor, 'Cough.', withSeparator);
    expect(text.toString()).toBe('Day 2. Fever. Cough. Vomiting.');
    expect(end).toBe(20);
  });

  it('appends at the end without an anchor', () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'Fever.');
    insertAtAnchor(text, null, 'Cough.', withSeparator);
    expect(text.toString()).toBe('Fever. Cough.');
  });
});
