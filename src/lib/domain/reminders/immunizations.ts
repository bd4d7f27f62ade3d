import { immunizationSchedule, vaccineByCvx } from '../immunization-schedule';
import type { Reminder, ReminderContext } from './types';

/**
 * Immunization reminders: the items of the schedule in
 * domain/immunization-schedule.ts that are due or could not be evaluated.
 * The same module gives the immunizations card its "next dose due", so the
 * card and the reminders never disagree.
 */
export function immunizationReminders(ctx: ReminderContext): Reminder[] {
  const out: Reminder[] = [];
  for (const item of immunizationSchedule({ birthDate: ctx.birthDate, immunizations: ctx.immunizations, now: ctx.now })) {
    const base = { id: `cdc-${item.group}`, category: 'immunization' as const, title: item.title, source: item.source };
    if (item.status === 'not-evaluated') out.push({ ...base, status: 'not-evaluated', reason: item.reason });
    if (item.status === 'due') {
      const vaccine = vaccineByCvx(item.suggestedCvx);
      out.push({
        ...base,
        status: 'due',
        level: item.overdue ? 'warn' : 'info',
        overdue: item.overdue,
        detail: `${item.dueDate >= ctx.now.slice(0, 10) ? 'Due now' : `${item.overdue ? 'Overdue' : 'Due'} since ${item.dueDate}`}. ${item.detail}.`,
        action: { kind: 'immunize', cvx: item.suggestedCvx, label: `Record ${vaccine?.name ?? 'vaccine'}` }
      });
    }
  }
  return out;
}
