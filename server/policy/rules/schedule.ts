import { monthOfStart, parseDocName } from '../../../src/lib/domain/doc-names';
import type { DocContext, RuleInput, RuleOutput } from '../policy-types';
import { locate, valueOf } from '../node-values';

/**
 * Rules for the appointment book split by month (doc-names.ts):
 * `schedule:<clinicId>` keeps the book's settings, `schedule:<clinicId>:<YYYY-MM>`
 * the appointments that start in that month (UTC). Readers load only the
 * months they show, so an appointment filed in the wrong month would vanish
 * from every screen; the server refuses it instead.
 *
 * - `schedule.month` (refuse): an appointment in a month's document starts
 *   in that month, and says when it starts.
 * - `schedule.settings` (refuse): providers, hours and appointment types live
 *   in the book's settings document, never in a month.
 *
 * The clinic is bound by the name itself (the ACL opens a month only to the
 * staff of the clinic it names, and `meta.identity` keeps `meta.clinicId`
 * that clinic's).
 */

/** The month a `schedule:` document holds, or null for the settings document (and any other kind). */
export function monthOfDoc(doc: DocContext): string | null {
  if (doc.kind !== 'schedule') return null;
  const parsed = parseDocName(doc.name);
  return parsed && 'month' in parsed && parsed.month ? parsed.month : null;
}

export function scheduleMonthRule(input: RuleInput): RuleOutput {
  const month = monthOfDoc(input.doc);
  const { change } = input;
  if (month === null || change.after === null) return {};
  const start = valueOf(change.after, 'start');
  let inMonth = false;
  try {
    inMonth = typeof start === 'string' && monthOfStart(start) === month;
  } catch {
    inMonth = false;
  }
  if (inMonth) return {};
  return {
    violations: [
      { rule: 'schedule.month', action: 'refuse', at: locate(change.root, change.key, ['start']), message: "An appointment is kept in the month it starts in; this month's book does not take it" }
    ]
  };
}

export function scheduleSettingsRule(input: RuleInput): RuleOutput {
  if (monthOfDoc(input.doc) === null) return {};
  return {
    violations: [
      { rule: 'schedule.settings', action: 'refuse', at: locate(input.change.root, input.change.key), message: "Providers, hours and appointment types are kept in the book's settings, not in a month" }
    ]
  };
}
