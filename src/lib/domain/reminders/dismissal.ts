import type { Reminder } from './types';

/**
 * A reminder someone set aside, with why, who and when. It stays set aside
 * until `until` (then the reminder, if still due, shows again) or until
 * someone reinstates it.
 */
export interface Dismissal {
  id: string;
  reminderId: string;
  reason: string;
  dismissedBy: string;
  dismissedAt: string;
  until: string;
  status: 'active' | 'withdrawn';
}

/** Minimum length of a dismissal reason: "n/a" is not a reason. */
export const MIN_DISMISS_REASON = 4;

/** How long a dismissal of a rule holds before the reminder is offered again: a year, the usual preventive visit cycle. */
export const DISMISS_DAYS = 365;

export interface RemindersView {
  /** Due and ordered reminders not set aside, most urgent first. */
  active: Reminder[];
  /** Rules that could not be judged from the chart; never hidden by a dismissal. */
  notEvaluated: Reminder[];
  dismissed: { reminder: Reminder; dismissal: Dismissal }[];
}

const RANK = { danger: 0, warn: 1, info: 2 } as const;

/** Splits evaluated reminders into what to show, what is set aside and what could not be evaluated. */
export function applyDismissals(reminders: readonly Reminder[], dismissals: readonly Dismissal[], now: string): RemindersView {
  const view: RemindersView = { active: [], notEvaluated: [], dismissed: [] };
  for (const r of reminders) {
    if (r.status === 'not-evaluated') {
      view.notEvaluated.push(r);
      continue;
    }
    const d = dismissals
      .filter((x) => x.reminderId === r.id && x.status === 'active' && x.until > now)
      .sort((a, b) => b.dismissedAt.localeCompare(a.dismissedAt))[0];
    if (d) view.dismissed.push({ reminder: r, dismissal: d });
    else view.active.push(r);
  }
  const rank = (r: Reminder) => (r.status === 'due' ? RANK[r.level] : 3);
  view.active.sort((a, b) => rank(a) - rank(b));
  return view;
}
