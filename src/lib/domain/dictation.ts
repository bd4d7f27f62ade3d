/**
 * Dictation into a note section, as a pure state machine: what the screen
 * shows and which actions it offers follow from the state alone, so the
 * browser's speech recognizer (an adapter) and the component stay thin.
 *
 * idle → listening → review → inserted | discarded
 *
 * Speech never goes straight into the note: whatever the recognizer heard
 * (interim and final words) waits in a review box the clinician edits, then
 * inserts or discards. A recognizer error keeps any words already heard for
 * review, so a dropped connection loses nothing that was said.
 */

/** Why dictation cannot run, or stopped. `not-allowed` covers the browser's `service-not-allowed` too. */
export const DICTATION_ERRORS = ['not-allowed', 'network', 'no-speech', 'audio-capture', 'language-not-supported', 'offline', 'other'] as const;
export type DictationError = (typeof DICTATION_ERRORS)[number];

export type DictationState =
  | { status: 'idle' }
  | { status: 'listening'; final: string; interim: string }
  | { status: 'review'; text: string; error: DictationError | null }
  | { status: 'failed'; error: DictationError }
  | { status: 'inserted'; text: string }
  | { status: 'discarded' };

export type DictationEvent =
  | { type: 'start' }
  /** The recognizer's whole transcript so far, split into settled and still-changing words. */
  | { type: 'result'; final: string; interim: string }
  /** The recognizer stopped (the clinician pressed Stop, or it ended by itself). */
  | { type: 'end' }
  | { type: 'error'; error: DictationError }
  | { type: 'edit'; text: string }
  | { type: 'insert' }
  | { type: 'discard' };

export const IDLE: DictationState = { status: 'idle' };

/** The words heard so far, as one text: settled words then the ones still changing. */
export function heardText(final: string, interim: string): string {
  return joinWords(final, interim);
}

function joinWords(a: string, b: string): string {
  const x = a.trim();
  const y = b.trim();
  return x && y ? `${x} ${y}` : x || y;
}

/**
 * The next state. An event that makes no sense in a state leaves it as it
 * is (a late `result` after Discard must not reopen the box).
 */
export function dictationStep(state: DictationState, event: DictationEvent): DictationState {
  switch (event.type) {
    case 'start':
      // A fresh start from any resting state; while listening it is ignored.
      return state.status === 'listening' || state.status === 'review' ? state : { status: 'listening', final: '', interim: '' };
    case 'result':
      return state.status === 'listening' ? { status: 'listening', final: event.final, interim: event.interim } : state;
    case 'end':
      return state.status === 'listening' ? { status: 'review', text: heardText(state.final, state.interim), error: null } : state;
    case 'error': {
      if (state.status !== 'listening') return state;
      const text = heardText(state.final, state.interim);
      return text ? { status: 'review', text, error: event.error } : { status: 'failed', error: event.error };
    }
    case 'edit':
      return state.status === 'review' ? { ...state, text: event.text } : state;
    case 'insert':
      if (state.status !== 'review') return state;
      return state.text.trim() ? { status: 'inserted', text: state.text.trim() } : { status: 'discarded' };
    case 'discard':
      return state.status === 'listening' || state.status === 'review' || state.status === 'failed' ? { status: 'discarded' } : state;
  }
}

/**
 * The browser's `SpeechRecognitionErrorEvent.error` code, as the app names
 * it (codes per the Web Speech API draft, section 5.1.4). `aborted` is the
 * app's own abort and is not an error to show: null.
 */
export function dictationErrorOf(code: string): DictationError | null {
  switch (code) {
    case 'aborted':
      return null;
    case 'not-allowed':
    case 'service-not-allowed':
      return 'not-allowed';
    case 'network':
      return 'network';
    case 'no-speech':
      return 'no-speech';
    case 'audio-capture':
      return 'audio-capture';
    case 'language-not-supported':
      return 'language-not-supported';
    default:
      return 'other';
  }
}

/** One recognition result as the recognizer lists it: its best alternative and whether it is settled. */
export interface HeardResult {
  transcript: string;
  isFinal: boolean;
}

/** Splits the recognizer's cumulative result list into settled and still-changing words. */
export function transcriptOf(results: readonly HeardResult[]): { final: string; interim: string } {
  let final = '';
  let interim = '';
  for (const r of results) {
    if (r.isFinal) final = joinWords(final, r.transcript);
    else interim = joinWords(interim, r.transcript);
  }
  return { final, interim };
}

/** Default regions for the app's languages when the browser names none (the recognizer wants a BCP-47 tag with a region). */
const DEFAULT_REGION: Record<string, string> = { en: 'en-US', es: 'es-ES', fr: 'fr-FR', pt: 'pt-BR', sw: 'sw-KE' };

/**
 * The recognizer's language: the app's current language, in the regional
 * variant the browser prefers when it lists one (a clinician in Kenya with
 * `en-KE` first gets `en-KE`), else the default region.
 */
export function recognitionLanguage(appLanguage: string, browserLanguages: readonly string[]): string {
  const base = appLanguage.toLowerCase();
  const preferred = browserLanguages.find((l) => l.toLowerCase().split('-')[0] === base && l.includes('-'));
  return preferred ?? DEFAULT_REGION[base] ?? appLanguage;
}

/**
 * Where text lands when inserted into a section holding `current`: after it,
 * on its own separation (a space after text on the same line, nothing after
 * a newline or in an empty section).
 */
export function withSeparator(before: string, insert: string): string {
  if (before === '' || /\s$/.test(before)) return insert;
  return ` ${insert}`;
}
