/**
 * Plain-language messages for camera and microphone failures. Browsers
 * report them as DOMExceptions with a name; the name is all we read.
 */
export type MediaProblem = 'blocked' | 'missing' | 'busy' | 'insecure' | 'unknown';

export function mediaProblemOf(error: unknown): MediaProblem {
  const name = error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error) ? String((error as { name: unknown }).name) : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'blocked';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'missing';
  if (name === 'NotReadableError' || name === 'AbortError' || name === 'TrackStartError') return 'busy';
  if (name === 'TypeError') return 'insecure';
  return 'unknown';
}

export const MEDIA_PROBLEM_TEXT: Record<MediaProblem, string> = {
  blocked: 'Your browser is not allowing this page to use your camera or microphone.',
  missing: 'We could not find a camera or microphone on this device.',
  busy: 'Your camera or microphone is being used by another app. Close other video apps and try again.',
  insecure: 'This page cannot use your camera here. Open the link from your message again.',
  unknown: 'Your camera or microphone could not be started.'
};
