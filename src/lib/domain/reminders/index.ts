import { SCHEDULE_COVERAGE } from '../immunization-schedule';
import { immunizationReminders } from './immunizations';
import { MEDICATION_COVERAGE, MEDICATION_RULES } from './medications';
import { PREVENTIVE_COVERAGE, PREVENTIVE_RULES } from './preventive';
import type { Reminder, ReminderContext } from './types';
import { vitalsReminders } from './vitals';

export * from './types';
export { applyDismissals, DISMISS_DAYS, MIN_DISMISS_REASON, type Dismissal, type RemindersView } from './dismissal';

/** Every reminder for one patient today: preventive care (medicines included), immunizations and abnormal vitals. Pure. */
export function evaluateReminders(ctx: ReminderContext): Reminder[] {
  if (ctx.deceasedDate) return [];
  const preventive = [...PREVENTIVE_RULES, ...MEDICATION_RULES].map((rule) => rule(ctx)).filter((r): r is Reminder => r !== null);
  return [...vitalsReminders(ctx), ...immunizationReminders(ctx), ...preventive];
}

/** What the reminders check and what they do not, for the screen. */
export const REMINDER_COVERAGE = [PREVENTIVE_COVERAGE, MEDICATION_COVERAGE, SCHEDULE_COVERAGE, 'Abnormal vitals use the adult ranges of the vitals card.'] as const;
