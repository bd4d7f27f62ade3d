/**
 * What a check returns. One Alert per finding; the UI shows severity, title,
 * action and the cited source, and the CDS Hooks adapter maps each to a card.
 */
import type { Route, Severity } from './pack-schema';

export const ALERT_KINDS = ['drug-drug', 'drug-allergy', 'duplicate-therapy', 'dose-range', 'not-checked'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertSource {
  citation: string;
  url?: string;
}

export interface InvolvedItem {
  role: 'order' | 'active-medication' | 'allergy';
  /** What the clinician sees: the order or allergy text as recorded. */
  name: string;
  /** Pack ingredient ids this item resolved to (empty when unresolved). */
  ingredients: string[];
  /** The RxNorm code the item carried, if any. */
  rxcui?: string;
}

/** A patient-specific modifying factor a rule weighed (PDDI-CDS context factors). */
export interface AlertFactor {
  label: string;
  present: boolean;
  detail?: string;
}

export interface Alert {
  kind: AlertKind;
  severity: Severity;
  title: string;
  detail: string;
  mechanism?: string;
  action: string;
  source: AlertSource;
  ruleId: string;
  involved: InvolvedItem[];
  factors?: AlertFactor[];
  /**
   * false: shown, not interrupting. The prescribe page lists such alerts
   * collapsed under "Also noted (no action needed)" and never asks for an
   * override reason. Absent = interrupting as its severity says.
   */
  interrupt?: false;
}

/** Whether an alert belongs in the interrupting list (everything not marked `interrupt: false`). */
export function isInterruptive(a: Pick<Alert, 'interrupt'>): boolean {
  return a.interrupt !== false;
}

const RANK: Record<Severity, number> = { contraindicated: 0, serious: 1, moderate: 2, minor: 3, info: 4 };

/** Most severe first; stable within a severity. */
export function sortAlerts(alerts: Alert[]): Alert[] {
  return alerts
    .map((a, i) => [a, i] as const)
    .sort(([a, i], [b, j]) => RANK[a.severity] - RANK[b.severity] || i - j)
    .map(([a]) => a);
}

export function moreSevere(a: Severity, b: Severity): Severity {
  return RANK[a] <= RANK[b] ? a : b;
}

export type { Route, Severity };
