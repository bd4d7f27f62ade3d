import { describe, expect, test } from 'vitest';
import {
  addendumText,
  canTransition,
  errorReason,
  forbiddenTransitions,
  NoteTransitionError,
  transition,
  type NoteAction,
  type NoteLifecycle
} from './note-state';

describe('allowed transitions', () => {
  test.each<[NoteLifecycle, NoteAction, NoteLifecycle]>([
    ['draft', 'edit-text', 'draft'],
    ['draft', 'sign', 'signed'],
    ['draft', 'enter-in-error', 'entered-in-error'],
    ['signed', 'add-addendum', 'amended'],
    ['signed', 'enter-in-error', 'entered-in-error'],
    ['amended', 'add-addendum', 'amended'],
    ['amended', 'enter-in-error', 'entered-in-error']
  ])('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toBe(to);
    expect(canTransition(from, action)).toBe(true);
  });
});

describe('forbidden transitions throw a typed error', () => {
  test('the list is exactly what the allowed table leaves out', () => {
    expect(forbiddenTransitions()).toEqual([
      ['draft', 'add-addendum'],
      ['signed', 'edit-text'],
      ['signed', 'sign'],
      ['amended', 'edit-text'],
      ['amended', 'sign'],
      ['entered-in-error', 'edit-text'],
      ['entered-in-error', 'sign'],
      ['entered-in-error', 'add-addendum'],
      ['entered-in-error', 'enter-in-error']
    ]);
  });

  test.each(forbiddenTransitions())('%s --%s--> refused', (from, action) => {
    let thrown: unknown;
    try {
      transition(from, action);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(NoteTransitionError);
    const err = thrown as NoteTransitionError;
    expect(err).toMatchObject({ code: 'conflict', from, action });
    expect(err.message.length).toBeGreaterThan(10);
    expect(canTransition(from, action)).toBe(false);
  });
});

test('a signed note is never re-signed: the message says so', () => {
  expect(() => transition('signed', 'sign')).toThrow(/already signed/);
  expect(() => transition('amended', 'edit-text')).toThrow(/addendum/);
});

test('reasons and addenda must say something', () => {
  expect(() => errorReason('  ')).toThrow(/why/);
  expect(errorReason(' Wrong patient ')).toBe('Wrong patient');
  expect(() => addendumText('')).toThrow(/empty/);
  expect(() => addendumText('x'.repeat(20_001))).toThrow(/too long/);
});
