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

describe('what a refused change says, state by state', () => {
  test.each<[NoteLifecycle, NoteAction, string]>([
    ['draft', 'add-addendum', 'Addenda are added to signed notes; edit the draft instead'],
    ['signed', 'edit-text', 'This note is signed and cannot be changed; add an addendum'],
    ['signed', 'sign', 'This note is already signed'],
    ['amended', 'edit-text', 'This note is signed and cannot be changed; add an addendum'],
    ['amended', 'sign', 'This note is already signed'],
    ['entered-in-error', 'edit-text', 'This note was entered in error and cannot be changed'],
    ['entered-in-error', 'sign', 'This note was entered in error and cannot be changed'],
    ['entered-in-error', 'add-addendum', 'This note was entered in error and cannot be changed'],
    ['entered-in-error', 'enter-in-error', 'This note was entered in error and cannot be changed']
  ])('%s --%s--> “%s”', (from, action, message) => {
    const err = new NoteTransitionError(from, action);
    expect(err.message).toBe(message);
    expect(err.name).toBe('NoteTransitionError');
    expect(err.code).toBe('conflict');
    expect(() => transition(from, action)).toThrow(message);
  });
});

describe('entered-in-error reasons', () => {
  test('are required: blank or spaces only is refused with a field error', () => {
    for (const blank of ['', ' ', '\t\n ']) {
      let thrown: unknown;
      try {
        errorReason(blank);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({ code: 'invalid', message: 'Say why the note was recorded in error', details: [{ path: 'reason', message: 'Required' }] });
    }
  });

  test('are trimmed and kept to 500 characters', () => {
    expect(errorReason('  Wrong patient\n')).toBe('Wrong patient');
    expect(errorReason('r'.repeat(500))).toBe('r'.repeat(500));
    expect(errorReason(` ${'r'.repeat(501)} `)).toBe('r'.repeat(500));
    expect(errorReason('x')).toBe('x');
  });
});

describe('addendum text', () => {
  test('is required', () => {
    let thrown: unknown;
    try {
      addendumText('   ');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'invalid', message: 'The addendum is empty', details: [{ path: 'text', message: 'Required' }] });
  });

  test('is trimmed, and 20,000 characters is the most kept whole', () => {
    expect(addendumText('  Seen again. ')).toBe('Seen again.');
    expect(addendumText('a'.repeat(20_000))).toHaveLength(20_000);
    expect(addendumText(` ${'a'.repeat(20_000)} `)).toHaveLength(20_000);
    let thrown: unknown;
    try {
      addendumText('a'.repeat(20_001));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'invalid', message: 'The addendum is too long', details: [{ path: 'text', message: 'At most 20,000 characters' }] });
  });
});

test('the states and actions are exactly the FHIR-shaped four of each', async () => {
  const { NOTE_STATES, NOTE_ACTIONS } = await import('./note-state');
  expect(NOTE_STATES).toEqual(['draft', 'signed', 'amended', 'entered-in-error']);
  expect(NOTE_ACTIONS).toEqual(['edit-text', 'sign', 'add-addendum', 'enter-in-error']);
});
