import { AppError } from './errors';

/**
 * The life of a visit note, as a pure state machine. The chart model asks
 * it before every change to a note, so the rules live in one place:
 *
 *   draft ──sign──► signed ──add-addendum──► amended ──add-addendum──► amended
 *     │               │                         │
 *     └───────────────┴──enter-in-error─────────┴──► entered-in-error (final)
 *
 * The states follow FHIR R4 Composition.status (preliminary, final,
 * amended, entered-in-error: https://hl7.org/fhir/R4/valueset-composition-status.html)
 * and the documentation-integrity rules of the AHIMA "Amendments in the
 * Electronic Health Record" practice brief: once authenticated (signed) the
 * original entry is never altered; corrections are separate, dated,
 * signed addenda; an entry recorded on the wrong patient is retracted with
 * a reason and stays readable.
 */

export const NOTE_STATES = ['draft', 'signed', 'amended', 'entered-in-error'] as const;
export type NoteLifecycle = (typeof NOTE_STATES)[number];

export const NOTE_ACTIONS = ['edit-text', 'sign', 'add-addendum', 'enter-in-error'] as const;
export type NoteAction = (typeof NOTE_ACTIONS)[number];

/** What a note becomes after each allowed action; absent means forbidden. */
const TRANSITIONS: Record<NoteLifecycle, Partial<Record<NoteAction, NoteLifecycle>>> = {
  draft: { 'edit-text': 'draft', sign: 'signed', 'enter-in-error': 'entered-in-error' },
  signed: { 'add-addendum': 'amended', 'enter-in-error': 'entered-in-error' },
  amended: { 'add-addendum': 'amended', 'enter-in-error': 'entered-in-error' },
  'entered-in-error': {}
};

const REFUSALS: Record<NoteLifecycle, Partial<Record<NoteAction, string>>> = {
  draft: { 'add-addendum': 'Addenda are added to signed notes; edit the draft instead' },
  signed: { 'edit-text': 'This note is signed and cannot be changed; add an addendum', sign: 'This note is already signed' },
  amended: { 'edit-text': 'This note is signed and cannot be changed; add an addendum', sign: 'This note is already signed' },
  'entered-in-error': {}
};

/** A change the note's state does not allow; `from` and `action` say which. */
export class NoteTransitionError extends AppError {
  constructor(
    readonly from: NoteLifecycle,
    readonly action: NoteAction
  ) {
    super('conflict', REFUSALS[from][action] ?? 'This note was entered in error and cannot be changed');
    this.name = 'NoteTransitionError';
  }
}

/** True when `action` is allowed on a note in state `from`. */
export function canTransition(from: NoteLifecycle, action: NoteAction): boolean {
  return TRANSITIONS[from][action] !== undefined;
}

/** The state after `action`; throws NoteTransitionError when it is forbidden. */
export function transition(from: NoteLifecycle, action: NoteAction): NoteLifecycle {
  const to = TRANSITIONS[from][action];
  if (to === undefined) throw new NoteTransitionError(from, action);
  return to;
}

/** Every forbidden (state, action) pair, for tests and documentation. */
export function forbiddenTransitions(): [NoteLifecycle, NoteAction][] {
  return NOTE_STATES.flatMap((s) => NOTE_ACTIONS.filter((a) => !canTransition(s, a)).map((a): [NoteLifecycle, NoteAction] => [s, a]));
}

/** A reason for entered-in-error: required, trimmed, bounded. Throws AppError('invalid'). */
export function errorReason(reason: string): string {
  const why = reason.trim();
  if (!why) throw new AppError('invalid', 'Say why the note was recorded in error', [{ path: 'reason', message: 'Required' }]);
  return why.slice(0, 500);
}

/** An addendum's text: required and bounded. Throws AppError('invalid'). */
export function addendumText(text: string): string {
  const t = text.trim();
  if (!t) throw new AppError('invalid', 'The addendum is empty', [{ path: 'text', message: 'Required' }]);
  if (t.length > 20_000) throw new AppError('invalid', 'The addendum is too long', [{ path: 'text', message: 'At most 20,000 characters' }]);
  return t;
}
