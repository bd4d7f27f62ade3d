import { z } from 'zod';

/**
 * A "running late" notice from the clinician to everyone in a visit's
 * waiting room. The clinician picks a number of minutes and the words are
 * built here, so no free text (which could name the patient or the reason
 * for the delay) is stored, logged or shown. Pure, shared by server and app.
 */
export const RUNNING_LATE_CHOICES = [5, 10, 15, 20, 30, 45, 60] as const;
export const RUNNING_LATE_MAX_MINUTES = 120;

export const runningLateSchema = z.object({
  visitId: z.uuid(),
  /** Minutes late, in steps of five; null withdraws the notice (the clinician is ready). */
  minutes: z
    .number('Choose how many minutes late')
    .int('Choose a whole number of minutes')
    .min(5, 'At least 5 minutes')
    .max(RUNNING_LATE_MAX_MINUTES, `At most ${RUNNING_LATE_MAX_MINUTES} minutes`)
    .multipleOf(5, 'Choose minutes in steps of 5')
    .nullable()
});
export type RunningLateInput = z.infer<typeof runningLateSchema>;

/** The notice as stored and as the waiting room receives it. */
export interface RunningLate {
  minutes: number;
  /** ISO time the clinician sent it, so the waiting room can say how long ago. */
  sentAt: string;
}

export const runningLateAnswerSchema = z.object({ minutes: z.number().int().min(5).max(RUNNING_LATE_MAX_MINUTES), sentAt: z.iso.datetime() });

/** What the waiting room shows. */
export function runningLateText(minutes: number): string {
  if (minutes >= 60) {
    const hours = minutes / 60;
    return `Your clinician is running about ${Number.isInteger(hours) ? `${hours} hour${hours === 1 ? '' : 's'}` : `${minutes} minutes`} late. Please keep this page open.`;
  }
  return `Your clinician is running about ${minutes} minutes late. Please keep this page open.`;
}
