import { z } from 'zod';

/**
 * When a clinic releases a test result to the patient's own record (the
 * patient portal reads this policy; the admin console sets it).
 *
 * - `immediate` (the default): the result is visible to the patient as soon
 *   as it is in the chart. The US information-blocking rule (21st Century
 *   Cures Act, 45 CFR 171.103, in force since 2021-04-05) makes delaying a
 *   patient's access to their own results an information-blocking practice
 *   unless an exception applies, so no delay is the default.
 * - `after-review`: visible once a clinician has recorded a review of it
 *   (result-review.ts). Clinics outside that rule often choose this so that
 *   a worrying result is explained first (the "preventing harm" exception,
 *   45 CFR 171.201, covers individual cases there).
 * - `after-days`: visible after a reviewed result or after N days, whichever
 *   comes first, so a result nobody reviewed is never held back for ever.
 *   N is 1 to RESULT_RELEASE_MAX_DAYS.
 */

export const RESULT_RELEASE_MODES = ['immediate', 'after-review', 'after-days'] as const;
export type ResultReleaseMode = (typeof RESULT_RELEASE_MODES)[number];

/** A held result is released after at most this many days (two weeks: longer would be a delay the patient cannot see the reason for). */
export const RESULT_RELEASE_MAX_DAYS = 14;

export type ResultReleasePolicy = { mode: 'immediate' } | { mode: 'after-review' } | { mode: 'after-days'; days: number };

export const DEFAULT_RESULT_RELEASE: ResultReleasePolicy = { mode: 'immediate' };

/** The policy as sent by the console and checked by the server; `days` only with `after-days`. */
export const resultReleaseSchema = z
  .object({
    mode: z.enum(RESULT_RELEASE_MODES, { error: 'Choose when results are released: immediate, after-review or after-days' }),
    days: z
      .number({ error: 'The number of days must be a number' })
      .int('The number of days must be a whole number')
      .min(1, 'Results are held for at least 1 day')
      .max(RESULT_RELEASE_MAX_DAYS, `Results are held for at most ${RESULT_RELEASE_MAX_DAYS} days`)
      .nullable()
      .optional()
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.mode === 'after-days' && (v.days === undefined || v.days === null)) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'Say after how many days results are released' });
    }
    if (v.mode !== 'after-days' && v.days !== undefined && v.days !== null) {
      ctx.addIssue({ code: 'custom', path: ['days'], message: 'A number of days goes only with "after-days"' });
    }
  })
  .transform((v): ResultReleasePolicy => (v.mode === 'after-days' ? { mode: 'after-days', days: v.days! } : { mode: v.mode }));

/**
 * When the patient may see a result under this policy: its time in the
 * chart, its review (if any), the policy. Null: not yet (held for a review).
 */
export function resultReleasedAt(policy: ResultReleasePolicy, result: { recordedAt: string; reviewedAt?: string | null }): string | null {
  if (policy.mode === 'immediate') return result.recordedAt;
  if (policy.mode === 'after-review') return result.reviewedAt ?? null;
  const byDays = new Date(Date.parse(result.recordedAt) + policy.days * 86_400_000).toISOString();
  if (!result.reviewedAt) return byDays;
  return result.reviewedAt < byDays ? result.reviewedAt : byDays;
}
