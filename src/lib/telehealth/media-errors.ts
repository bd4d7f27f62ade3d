/**
 * Camera and microphone failures, sorted into the few kinds a person can
 * act on (the words are in messages/, see mediaProblemText). Browsers
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
