import type { Observation, Report } from '../clinical';
import { isLaboratory } from '../lab-results';
import { resultReleasedAt, type ResultReleasePolicy } from '../result-release';
import { needsReview, reviewOf } from '../result-review';

/**
 * Which lab results the clinic's release policy (result-release.ts) still
 * holds back from the patient's own record, on `now`. Pure: the server
 * applies it before the record, the summary or the whole-record download
 * leaves for a patient, and tells the patient only how many are waiting.
 *
 * - Only laboratory results are held; vital signs and home readings never.
 * - The clock starts when the result reached the chart (`createdAt`), not
 *   when the sample was taken: a result that arrives late still gets the
 *   clinician's window.
 * - A result brought in from a past record and older than the review
 *   window is on nobody's review list (result-review.ts `needsReview`):
 *   it is released as of its time in the chart, or it would be held for ever.
 * - A DiagnosticReport is held while any of its results is held (its
 *   conclusion speaks about them); a report with no results is released.
 */
function isHeld(policy: ResultReleasePolicy, o: Observation, now: Date): boolean {
  if (!isLaboratory(o)) return false;
  const recordedAt = o.createdAt || o.effectiveDateTime;
  const review = reviewOf(o);
  const reviewedAt = review?.reviewedAt ?? (needsReview(o, now.toISOString()) ? null : recordedAt);
  const released = resultReleasedAt(policy, { recordedAt, reviewedAt });
  return released === null || Date.parse(released) > now.getTime();
}

/** Chart entry ids (observations and reports) not yet released to the patient. */
export function heldResultIds(policy: ResultReleasePolicy, observations: readonly Observation[], reports: readonly Report[], now: Date): Set<string> {
  const ids = new Set<string>();
  if (policy.mode === 'immediate') return ids;
  for (const o of observations) if (isHeld(policy, o, now)) ids.add(o.id);
  const heldObservations = new Set(ids);
  for (const r of reports) if (r.result.some((id) => heldObservations.has(id))) ids.add(r.id);
  return ids;
}
