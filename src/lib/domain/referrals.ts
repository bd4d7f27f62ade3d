import { z } from 'zod';

/**
 * Referrals sent from a chart (the Refer/transfer flow, chart/transfer-outbox-doc.ts)
 * are followed until they are closed: the specialist's reply arrives (a
 * record from the destination clinic, received after the referral was sent)
 * or the patient comes back for a visit. One still open past its due date
 * becomes a task for the clinicians (services/referral-tasks.ts).
 *
 * The due date is the clinic's follow-up interval, REFERRAL_REPLY_DAYS after
 * sending: a working default of this app (four weeks, a common turnaround
 * for a routine outpatient referral), not a clinical standard.
 */
export const REFERRAL_REPLY_DAYS = 28;

export const referralFactSchema = z.object({
  /** The transfer entry's id in the chart. */
  id: z.string(),
  destinationName: z.string(),
  /** When it was sent (delivered to the destination or held there for review). */
  sentAt: z.string(),
  closedBy: z.enum(['', 'reply', 'visit']),
  closedAt: z.string()
});
export type ReferralFact = z.infer<typeof referralFactSchema>;

interface SentReferral {
  id: string;
  destinationName: string;
  sentAt: string;
}

/** How a sent referral was closed, from what the chart received and the visits it records since. */
export function referralFact(r: SentReferral, replies: readonly { sourceName: string; receivedAt: string }[], visitStarts: readonly string[]): ReferralFact {
  const dest = r.destinationName.trim().toLowerCase();
  const reply = replies.filter((x) => x.receivedAt > r.sentAt && x.sourceName.trim().toLowerCase() === dest).map((x) => x.receivedAt).sort()[0];
  const visit = visitStarts.filter((s) => s > r.sentAt).sort()[0];
  const first = [reply ? { by: 'reply' as const, at: reply } : null, visit ? { by: 'visit' as const, at: visit } : null].filter((x) => x !== null).sort((a, b) => a.at.localeCompare(b.at))[0];
  return { id: r.id, destinationName: r.destinationName, sentAt: r.sentAt, closedBy: first?.by ?? '', closedAt: first?.at ?? '' };
}

/** The date a reply is due (YYYY-MM-DD). */
export function referralDueDate(sentAt: string): string {
  return new Date(Date.parse(sentAt) + REFERRAL_REPLY_DAYS * 86_400_000).toISOString().slice(0, 10);
}

/** Open and past its due date on `today`. */
export function isReferralOverdue(r: ReferralFact, today: string): boolean {
  return r.closedBy === '' && referralDueDate(r.sentAt) < today;
}

/** The id of the task an overdue referral raises: one per referral, the same on every device, so two devices raising it at once write one task. */
export function referralTaskId(referralId: string): string {
  return `referral-${referralId}`;
}

/** A task an overdue referral raises, with its fixed id. */
export interface ReferralTaskDraft {
  id: string;
  patientId: string;
  referral: ReferralFact;
  dueDate: string;
}

/** Overdue, open referrals across patients that have no task yet (by the fixed id). */
export function referralTasksToRaise(referralsByPatient: ReadonlyMap<string, readonly ReferralFact[]>, existingTaskIds: ReadonlySet<string>, today: string): ReferralTaskDraft[] {
  const out: ReferralTaskDraft[] = [];
  for (const [patientId, list] of referralsByPatient) {
    for (const r of list) {
      if (!isReferralOverdue(r, today) || existingTaskIds.has(referralTaskId(r.id))) continue;
      out.push({ id: referralTaskId(r.id), patientId, referral: r, dueDate: referralDueDate(r.sentAt) });
    }
  }
  return out.sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id));
}
