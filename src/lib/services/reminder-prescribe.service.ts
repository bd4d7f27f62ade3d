import type * as Y from 'yjs';
import { reminderContextOf } from '../chart/reminder-context';
import { evaluateReminders, type Reminder, type ReminderAction } from '../domain/reminders';
import { drugById, emptyDraft, FREQUENCIES, unitForForm, type PrescriptionDraft } from './prescribe.service';

/**
 * Prescribing from a reminder: "Prescribe atorvastatin 20 mg" on a chart's
 * reminder opens the prescribe screen with ?reminder=<rule id>. The screen
 * evaluates the rules again against the chart as it stands and fills the
 * form from the reminder's suggestion; the URL names only the rule, never
 * the patient's data or the drug, so a crafted link cannot prefill anything
 * a rule does not suggest for this chart.
 */

export type PrescribeAction = Extract<ReminderAction, { kind: 'prescribe' }>;

/** The prescribe form filled from a reminder's suggestion; null when the drug is not in the pack. */
export function reminderDraft(action: PrescribeAction): PrescriptionDraft | null {
  const drug = drugById(action.drugId);
  if (!drug) return null;
  const route = drug.routes[0] ?? 'oral';
  const daily = FREQUENCIES[action.frequency].frequency;
  return {
    ...emptyDraft(),
    drugId: drug.id,
    strength: action.strength,
    form: action.form,
    route,
    doseValue: action.dose.value,
    doseUnit: action.dose.unit,
    frequency: action.frequency,
    durationDays: action.supplyDays,
    quantity: action.dose.value * daily * action.supplyDays,
    quantityUnit: unitForForm(action.form),
    refills: 0
  };
}

export type ReminderPrefill = { ok: true; reminder: Reminder; draft: PrescriptionDraft } | { ok: false; reason: 'not-due' | 'unknown-drug' };

/** The reminder a ?reminder= link names, if it is still due for this chart and suggests a prescription, with the form it fills. */
export function reminderPrefill(docs: { chartDoc: Y.Doc; patientDoc: Y.Doc }, reminderId: string, now = new Date().toISOString()): ReminderPrefill {
  const reminder = evaluateReminders(reminderContextOf(docs.chartDoc, docs.patientDoc, now)).find((r) => r.id === reminderId);
  if (!reminder || reminder.status !== 'due' || reminder.action?.kind !== 'prescribe') return { ok: false, reason: 'not-due' };
  const draft = reminderDraft(reminder.action);
  if (!draft) return { ok: false, reason: 'unknown-drug' };
  return { ok: true, reminder, draft };
}
