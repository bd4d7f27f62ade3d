import { AppError } from '$lib/domain/errors';
import type { GuestKind } from '$lib/domain/telehealth/participants';
import { m } from '$lib/paraglide/messages';
import { UNREACHABLE_MESSAGE } from '$lib/services/api-client';
import type { MediaProblem } from '$lib/telehealth/media-errors';

/**
 * Texts the patient's screens build from what the server or the browser
 * says, in the page's language. Each is a function, called where it is
 * shown, so switching language re-words a message already on screen.
 */
export type Text = () => string;

/**
 * The join endpoints answer in English (the server does not know the
 * patient's language); their few answers are recognised by code and a
 * fixed phrase and said again in the page's language. Anything else gets
 * a plain "try again, or call the clinic".
 */
export function joinErrorText(error: unknown): Text {
  if (!(error instanceof AppError)) return () => m.error_generic();
  const said = error.message;
  switch (error.code) {
    case 'not-found':
      return () => m.error_link_invalid();
    case 'invalid':
      return /date of birth/i.test(said) ? () => m.error_birth_date_required() : () => m.error_generic();
    case 'forbidden': {
      if (/locked/i.test(said)) return () => m.error_link_locked();
      const left = /(\d+)\s+tr(y|ies)\s+left/i.exec(said);
      return left ? () => m.error_birth_date_mismatch({ count: Number(left[1]) }) : () => m.error_generic();
    }
    case 'rate-limited':
      return () => m.error_too_many_tries();
    case 'timeout':
      return () => m.error_unreachable();
    case 'unavailable':
      if (/not configured/i.test(said)) return () => m.join_video_not_configured();
      if (/confirm your details/i.test(said)) return () => m.error_cannot_confirm_online();
      return () => m.error_unreachable();
    default:
      return said === UNREACHABLE_MESSAGE ? () => m.error_unreachable() : () => m.error_generic();
  }
}

export function mediaProblemText(problem: MediaProblem): string {
  switch (problem) {
    case 'blocked':
      return m.perm_blocked();
    case 'missing':
      return m.perm_missing();
    case 'busy':
      return m.perm_busy();
    case 'insecure':
      return m.perm_insecure();
    default:
      return m.perm_unknown();
  }
}

export function guestKindText(kind: GuestKind): string {
  return kind === 'interpreter' ? m.guest_interpreter() : kind === 'family' ? m.guest_family() : m.guest_caregiver();
}

/** The fixed names the call gives people (a clinician's own name is left as it is). */
const CALL_NAMES: Record<string, Text> = {
  You: () => m.call_you(),
  Patient: () => m.call_patient(),
  Clinician: () => m.call_clinician(),
  Guest: () => m.call_guest(),
  Participant: () => m.call_participant(),
  Interpreter: () => m.guest_interpreter(),
  'Family member': () => m.guest_family(),
  Caregiver: () => m.guest_caregiver()
};

export function callNameText(label: string): string {
  return CALL_NAMES[label]?.() ?? label;
}
