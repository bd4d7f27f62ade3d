import { expect, test } from 'vitest';
import * as Y from 'yjs';
import { applyTextChange, diffText, shiftCaret } from './text-binding';

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
  [[{ insert: 'abc' }], 0, 3]
])('shiftCaret(%j, %d) → %d', (delta, pos, expected) => expect(shiftCaret(delta, pos)).toBe(expected));
