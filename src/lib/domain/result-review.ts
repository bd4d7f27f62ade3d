import { z } from 'zod';
import type { Observation } from './clinical';
import { isLaboratory, resultRow } from './lab-results';
import type { OrderRecord } from './orders';

/**
 * Lab results waiting for a clinician to look at them: a result that came
 * back (a point-of-care test, an order's result, a laboratory report that
 * arrived) is not done with until the ordering or responsible clinician
 * has seen it. Recording who reviewed it and when closes the loop; the
 * Joint Commission's National Patient Safety Goal NPSG.02.03.01 ("report
 * critical results of tests on a timely basis") and the AHRQ PSNet primer
 * "Missed or delayed follow-up of test results" are the reasons abnormal
 * results come first.
 *
 * Results brought in from a past record (an import of years of history)
 * are not new to anybody: only those taken within REVIEW_WINDOW_DAYS of
 * now are listed. Results entered in Outpost are always listed until
 * reviewed.
 */

export const REVIEW_WINDOW_DAYS = 30;

/** How a review is stored on the observation: all three fields or none. */
export const resultReviewSchema = z.object({
  reviewedAt: z.string().min(1),
  reviewedBy: z.string().min(1),
  reviewedById: z.string().min(1)
});
export type ResultReview = z.infer<typeof resultReviewSchema>;

/** The review recorded on a result, if any (a half-written one counts as none). */
export function reviewOf(o: Observation): ResultReview | null {
  const parsed = resultReviewSchema.safeParse(o);
  return parsed.success ? parsed.data : null;
}

export const reviewItemSchema = z.object({
  patientId: z.string(),
  observationId: z.string(),
  name: z.string(),
  value: z.string(),
  unit: z.string(),
  /** 'danger' and 'warn' are abnormal; 'normal' includes results with no range. */
  level: z.enum(['danger', 'warn', 'normal']),
  flagLabel: z.string(),
  at: z.string(),
  /** The clinician responsible: the order's requester, else whoever entered the result. */
  responsible: z.string(),
  responsibleId: z.string().optional()
});
export type ReviewItem = z.infer<typeof reviewItemSchema>;

const LEVEL_RANK = { danger: 0, warn: 1, normal: 2 } as const;

const when = (o: Observation) => o.effectiveDateTime || o.createdAt;

/** Whether a result still waits for review on `now` (ISO). */
export function needsReview(o: Observation, now: string): boolean {
  if (!isLaboratory(o) || reviewOf(o)) return false;
  if (!o.sourceId) return true;
  const at = Date.parse(when(o));
  return Number.isFinite(at) && Date.parse(now) - at <= REVIEW_WINDOW_DAYS * 86_400_000;
}

function practitionerId(reference: string | undefined): string | undefined {
  const m = /^Practitioner\/(.+)$/.exec(reference ?? '');
  return m ? m[1] : undefined;
}

/** One chart's results waiting for review, as worklist rows. */
export function resultsToReview(patientId: string, observations: readonly Observation[], orders: readonly OrderRecord[], now: string): ReviewItem[] {
  const byId = new Map(orders.map((o) => [o.id, o]));
  return observations
    .filter((o) => needsReview(o, now))
    .map((o) => {
      const row = resultRow(o);
      const order = o.basedOn?.map((id) => byId.get(id)).find((x) => x?.requester);
      const level = row.flag.status === 'abnormal' ? row.flag.level : 'normal';
      return {
        patientId,
        observationId: o.id,
        name: row.name,
        value: row.value,
        unit: row.unit,
        level,
        flagLabel: row.flag.status === 'abnormal' ? row.flag.label : '',
        at: when(o),
        responsible: order?.requester?.display ?? o.createdBy,
        responsibleId: practitionerId(order?.requester?.reference)
      };
    });
}

/** Abnormal first (critical before merely out of range), then the user's own, then newest first. */
export function orderReviewList(items: readonly ReviewItem[], me: { id: string; name: string }): ReviewItem[] {
  return [...items].sort((a, b) => LEVEL_RANK[a.level] - LEVEL_RANK[b.level] || Number(isMine(b, me)) - Number(isMine(a, me)) || b.at.localeCompare(a.at));
}

/** The user is the responsible clinician (by id when the order names one, else by name). */
export function isMine(i: ReviewItem, me: { id: string; name: string }): boolean {
  return i.responsibleId ? i.responsibleId === me.id : i.responsible === me.name;
}
