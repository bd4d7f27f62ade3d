import { describe, expect, it } from 'vitest';
import { dictationErrorOf, dictationStep, IDLE, recognitionLanguage, transcriptOf, withSeparator, type DictationEvent, type DictationState } from './dictation';

const run = (events: DictationEvent[], from: DictationState = IDLE) => events.reduce(dictationStep, from);

describe('dictation state machine', () => {
  it('idle → listening → review → inserted, with interim words kept when the recognizer stops', () => {
    const listening = run([{ type: 'start' }, { type: 'result', final: 'Cough for', interim: 'three' }]);
    expect(listening).toEqual({ status: 'listening', final: 'Cough for', interim: 'three' });
    const review = dictationStep(listening, { type: 'end' });
    expect(review).toEqual({ status: 'review', text: 'Cough for three', error: null });
    const edited = dictationStep(review, { type: 'edit', text: 'Cough for three days. ' });
    expect(dictationStep(edited, { type: 'insert' })).toEqual({ status: 'inserted', text: 'Cough for three days.' });
  });

  it('Discard from review or while listening drops the text', () => {
    const review = run([{ type: 'start' }, { type: 'result', final: 'no fever', interim: '' }, { type: 'end' }]);
    expect(review.status).toBe('review');
    expect(dictationStep(review, { type: 'discard' })).toEqual({ status: 'discarded' });
    expect(run([{ type: 'start' }, { type: 'result', final: 'x', interim: '' }, { type: 'discard' }])).toEqual({ status: 'discarded' });
  });

  it('a result arriving after Discard or Insert does not reopen the box', () => {
    const discarded = run([{ type: 'start' }, { type: 'discard' }]);
    expect(dictationStep(discarded, { type: 'result', final: 'late', interim: '' })).toEqual({ status: 'discarded' });
    const inserted = run([{ type: 'start' }, { type: 'result', final: 'a', interim: '' }, { type: 'end' }, { type: 'insert' }]);
    expect(dictationStep(inserted, { type: 'result', final: 'late', interim: '' })).toEqual({ status: 'inserted', text: 'a' });
    expect(dictationStep(inserted, { type: 'end' })).toEqual({ status: 'inserted', text: 'a' });
  });

  it('inserting an emptied review box inserts nothing', () => {
    const review = run([{ type: 'start' }, { type: 'result', final: 'um', interim: '' }, { type: 'end' }, { type: 'edit', text: '   ' }]);
    expect(dictationStep(review, { type: 'insert' })).toEqual({ status: 'discarded' });
  });

  it('an error with words heard goes to review and keeps them; with none it fails', () => {
    const withWords = run([{ type: 'start' }, { type: 'result', final: 'BP 140', interim: 'over' }, { type: 'error', error: 'network' }]);
    expect(withWords).toEqual({ status: 'review', text: 'BP 140 over', error: 'network' });
    expect(run([{ type: 'start' }, { type: 'error', error: 'no-speech' }])).toEqual({ status: 'failed', error: 'no-speech' });
    // The end event that follows an error does not undo it.
    expect(run([{ type: 'start' }, { type: 'error', error: 'not-allowed' }, { type: 'end' }])).toEqual({ status: 'failed', error: 'not-allowed' });
  });

  it('start is ignored while listening or reviewing, and restarts from failed', () => {
    const listening = run([{ type: 'start' }, { type: 'result', final: 'a', interim: '' }]);
    expect(dictationStep(listening, { type: 'start' })).toBe(listening);
    const review = dictationStep(listening, { type: 'end' });
    expect(dictationStep(review, { type: 'start' })).toBe(review);
    expect(run([{ type: 'start' }, { type: 'error', error: 'no-speech' }, { type: 'start' }])).toEqual({ status: 'listening', final: '', interim: '' });
  });

  it.each<[DictationState, DictationEvent]>([
    [IDLE, { type: 'insert' }],
    [IDLE, { type: 'edit', text: 'x' }],
    [IDLE, { type: 'end' }],
    [IDLE, { type: 'error', error: 'network' }],
    [{ status: 'failed', error: 'network' }, { type: 'insert' }]
  ])('%o ignores %o', (state, event) => {
    expect(dictationStep(state, event)).toBe(state);
  });
});

describe('recognizer error codes', () => {
  it.each([
    ['not-allowed', 'not-allowed'],
    ['service-not-allowed', 'not-allowed'],
    ['network', 'network'],
    ['no-speech', 'no-speech'],
    ['audio-capture', 'audio-capture'],
    ['language-not-supported', 'language-not-supported'],
    ['bad-grammar', 'other'],
    ['something-new', 'other'],
    ['aborted', null]
  ])('%s → %s', (code, expected) => {
    expect(dictationErrorOf(code)).toBe(expected);
  });
});

describe('transcript and language', () => {
  it('splits the cumulative results into settled and changing words', () => {
    expect(
      transcriptOf([
        { transcript: 'headache since', isFinal: true },
        { transcript: ' Monday', isFinal: true },
        { transcript: 'worse in', isFinal: false }
      ])
    ).toEqual({ final: 'headache since Monday', interim: 'worse in' });
    expect(transcriptOf([])).toEqual({ final: '', interim: '' });
  });

  it('uses the app language, in the region the browser prefers', () => {
    expect(recognitionLanguage('sw', ['en-GB', 'sw-TZ'])).toBe('sw-TZ');
    expect(recognitionLanguage('sw', ['en-GB'])).toBe('sw-KE');
    expect(recognitionLanguage('fr', ['fr', 'en-US'])).toBe('fr-FR');
    expect(recognitionLanguage('en', ['en-KE'])).toBe('en-KE');
    expect(recognitionLanguage('pt', [])).toBe('pt-BR');
  });

  it('separates inserted text from the word before it', () => {
    expect(withSeparator('', 'Cough')).toBe('Cough');
    expect(withSeparator('Fever.', 'Cough')).toBe(' Cough');
    expect(withSeparator('Fever.\n', 'Cough')).toBe('Cough');
    expect(withSeparator('Fever. ', 'Cough')).toBe('Cough');
  });
});
