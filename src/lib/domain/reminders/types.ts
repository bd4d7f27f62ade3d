import type { Condition } from '../chart';
import type { Immunization, Observation, Procedure, Report } from '../clinical';
import type { AllergyInput, MedicationInput } from '../drugs';
import type { OrderRecord } from '../orders';

/**
 * Decision-support reminders: what a rule says about one patient today.
 * A rule that applies and is met says nothing; one that applies and is not
 * met gives a `due` reminder; one that cannot be judged from the chart (no
 * birth date, sex not recorded, no BMI) gives `not-evaluated` with the
 * reason, so a gap in the record is never read as "nothing due".
 */

export interface ReminderSource {
  citation: string;
  url?: string;
}

/** What acting on a reminder means: the screen turns it into a link or a prefilled form. */
export type ReminderAction =
  | { kind: 'order'; code: string; label: string }
  | { kind: 'immunize'; cvx: string; label: string }
  | { kind: 'record-vitals'; label: string }
  | { kind: 'review'; label: string }
  /**
   * Start a prescription: a drug of the drug pack by its id with a suggested
   * product and dose, which the prescribe screen fills in for the prescriber
   * to check, change and sign (the drug checks run as for any prescription).
   */
  | { kind: 'prescribe'; label: string; drugId: string; strength: string; form: string; dose: { value: number; unit: string }; frequency: 'once-daily'; supplyDays: number };

export const REMINDER_CATEGORIES = ['preventive', 'immunization', 'vitals'] as const;
export type ReminderCategory = (typeof REMINDER_CATEGORIES)[number];

interface ReminderBase {
  /** Stable key: a dismissal refers to it. Vitals reminders name the reading, so a new abnormal reading is new. */
  id: string;
  category: ReminderCategory;
  title: string;
  source: ReminderSource;
}

export type Reminder = ReminderBase &
  (
    | { status: 'due'; detail: string; overdue: boolean; level: 'info' | 'warn' | 'danger'; action?: ReminderAction }
    /** Due, but an active or draft order for it is already in the chart. */
    | { status: 'ordered'; detail: string; orderId: string }
    | { status: 'not-evaluated'; reason: string }
  );

/** What the rules read: the patient's age and sex and their chart, all plain data. */
export interface ReminderContext {
  birthDate: string;
  /** Administrative gender as registered: female, male, other, unknown. */
  gender: string;
  /** Today, ISO date or time. */
  now: string;
  /** Date of death when recorded: no reminders are raised for a deceased patient. */
  deceasedDate?: string;
  conditions: readonly Condition[];
  observations: readonly Observation[];
  reports: readonly Report[];
  procedures: readonly Procedure[];
  immunizations: readonly Immunization[];
  orders: readonly OrderRecord[];
  /** The chart's active medications (stopped, completed and entered-in-error ones left out), as the drug checks read them. */
  medications: readonly MedicationInput[];
  /** Active recorded allergies (entered-in-error and refuted ones left out). */
  allergies: readonly AllergyInput[];
}

/** One rule: null when it does not apply or is met. */
export type ReminderRule = (ctx: ReminderContext) => Reminder | null;
