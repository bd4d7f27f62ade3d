import { parseDocName } from '../domain/doc-names';

/**
 * Which patients' documents a device keeps, for clinics too big to carry
 * whole (20,000 patients is 40,000 documents and hundreds of megabytes).
 *
 * A device keeps its panel:
 * - patients seen in the last `seenMonths` months (an encounter this device
 *   holds, or a past appointment in the clinic schedule);
 * - patients scheduled in the next `scheduledDays` days (the schedule
 *   document, which every device holds);
 * - patients on the user's own lists and registries;
 * - charts opened on this device in the last `openedDays` days (opened
 *   online on demand, then kept).
 * Clinic-wide documents (schedule, templates, registries, tasks, fees) are
 * always kept. Everything else is fetched on demand (search on the server,
 * open a chart online: `pullDocs`) and evicted once it falls out of the
 * panel, never while it holds edits the server has not confirmed, and never
 * while it is open.
 *
 * The panel is a device-side storage choice, not an access rule: the server
 * still decides, per document, what the user may read.
 */
export interface PanelPolicy {
  seenMonths: number;
  scheduledDays: number;
  openedDays: number;
}

export const DEFAULT_PANEL_POLICY: PanelPolicy = { seenMonths: 18, scheduledDays: 14, openedDays: 30 };

/** What the device knows about one patient, for the panel decision. All times ISO 8601. */
export interface PatientFacts {
  patientId: string;
  /** Latest encounter or past appointment. */
  lastSeenAt?: string;
  /** Earliest future appointment. */
  nextAppointmentAt?: string;
  /** On one of the user's lists or registries. */
  onMyList?: boolean;
  /** Last opened on this device. */
  openedAt?: string;
}

const DAY = 86_400_000;

function monthsBefore(now: Date, months: number): number {
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.getTime();
}

/** Why a patient is in the panel (the first reason that holds), or null when not. */
export function panelReason(f: PatientFacts, now: Date, policy: PanelPolicy = DEFAULT_PANEL_POLICY): 'scheduled' | 'seen' | 'list' | 'opened' | null {
  const t = now.getTime();
  if (f.nextAppointmentAt) {
    const at = Date.parse(f.nextAppointmentAt);
    if (at >= t - DAY && at <= t + policy.scheduledDays * DAY) return 'scheduled';
  }
  if (f.lastSeenAt && Date.parse(f.lastSeenAt) >= monthsBefore(now, policy.seenMonths)) return 'seen';
  if (f.onMyList) return 'list';
  if (f.openedAt && Date.parse(f.openedAt) >= t - policy.openedDays * DAY) return 'opened';
  return null;
}

/** The patient ids of the panel. */
export function panelOf(facts: Iterable<PatientFacts>, now: Date, policy: PanelPolicy = DEFAULT_PANEL_POLICY): Set<string> {
  const out = new Set<string>();
  for (const f of facts) if (panelReason(f, now, policy)) out.add(f.patientId);
  return out;
}

/** The patient a document belongs to, or null for a clinic-wide document (or a name this policy does not know). */
export function patientOfDoc(name: string): string | null {
  const parsed = parseDocName(name);
  return parsed && 'patientId' in parsed ? parsed.patientId : null;
}

/**
 * Which changed documents a catch-up fetches: clinic-wide ones always,
 * a patient's only when the patient is in the panel or the device already
 * holds that document (a held copy is kept current until it is evicted).
 */
export function catchUpFilter(panel: ReadonlySet<string>, held: ReadonlySet<string>): (name: string) => boolean {
  return (name) => {
    const patientId = patientOfDoc(name);
    return patientId === null || panel.has(patientId) || held.has(name);
  };
}

/** Held documents to evict: a patient's document outside the panel, with no unconfirmed edit, not open. */
export function toEvict(held: Iterable<string>, panel: ReadonlySet<string>, keep: { pending: ReadonlySet<string>; open: ReadonlySet<string> }): string[] {
  const out: string[] = [];
  for (const name of held) {
    const patientId = patientOfDoc(name);
    if (patientId === null || panel.has(patientId)) continue;
    if (keep.pending.has(name) || keep.open.has(name)) continue;
    out.push(name);
  }
  return out.sort();
}
