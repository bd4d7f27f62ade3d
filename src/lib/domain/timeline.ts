import type { Allergy, Condition, Encounter, NoteSection } from './chart';
import type { CarePlan, Immunization, Medication, Observation, Procedure, Report } from './clinical';
import { normalizeForSearch } from './patient';
import { formatReading, readingOf, VITALS } from './vitals';

/**
 * The whole chart as one chronological list: every visit, problem, allergy,
 * medication, observation, immunization, procedure, report and care plan
 * becomes one or more dated events, newest first. Pure, so the timeline view,
 * the benchmarks and the tests share one model. Entries marked
 * entered-in-error stay in the model (flagged) so a reviewer can show them;
 * the default filter leaves them out.
 */

export const TIMELINE_KINDS = [
  'encounter',
  'condition',
  'allergy',
  'medication',
  'observation',
  'immunization',
  'procedure',
  'report',
  'carePlan'
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export const TIMELINE_KIND_LABEL: Record<TimelineKind, string> = {
  encounter: 'Visits',
  condition: 'Problems',
  allergy: 'Allergies',
  medication: 'Medications',
  observation: 'Observations',
  immunization: 'Immunizations',
  procedure: 'Procedures',
  report: 'Reports',
  carePlan: 'Care plans'
};

export interface TimelineEvent {
  /** Unique within the timeline: `<kind>:<entry id>[:<phase>]`. */
  key: string;
  kind: TimelineKind;
  /** Chart entry id the event comes from. */
  entryId: string;
  /** ISO date or date-time; events without a usable date sort last. */
  at: string;
  title: string;
  detail: string;
  /** Short status word shown beside the title (`signed`, `resolved`, `stopped` …); empty when unremarkable. */
  status: string;
  inError: boolean;
  /** Normalized title, detail and status, for text filtering. */
  search: string;
}

/** What the chart holds, as the typed readers return it. */
export interface TimelineSources {
  encounters?: readonly Encounter[];
  /** Plain text of each visit's note sections, by encounter id (signed notes and drafts). */
  notes?: ReadonlyMap<string, Partial<Record<NoteSection, string>>>;
  conditions?: readonly Condition[];
  allergies?: readonly Allergy[];
  medications?: readonly Medication[];
  observations?: readonly Observation[];
  immunizations?: readonly Immunization[];
  procedures?: readonly Procedure[];
  reports?: readonly Report[];
  carePlans?: readonly CarePlan[];
}

const NOTE_PREVIEW = 160;

function event(kind: TimelineKind, entryId: string, at: string, title: string, detail: string, status: string, inError: boolean, phase = '', tags = ''): TimelineEvent {
  return {
    key: `${kind}:${entryId}${phase ? ':' + phase : ''}`,
    kind,
    entryId,
    at,
    title: title || '(untitled)',
    detail,
    status,
    inError,
    search: normalizeForSearch(`${title} ${detail} ${status} ${tags}`)
  };
}

/** UCUM codes shown the way a clinician writes them (mm[Hg] → mmHg). */
const UNIT_DISPLAY: Record<string, string> = Object.fromEntries(Object.values(VITALS).map((v) => [v.unit, v.display]));

function quantityText(q: { value: number; unit?: string; comparator?: string } | undefined): string {
  if (!q) return '';
  const unit = q.unit ? UNIT_DISPLAY[q.unit] ?? q.unit : '';
  return `${q.comparator ?? ''}${q.value}${unit ? (unit.startsWith('/') || unit === '%' ? unit : ' ' + unit) : ''}`;
}

/** The value of an observation as one short string: quantity, coded value, text or, for a panel, its components. */
export function observationValueText(o: Pick<Observation, 'valueQuantity' | 'valueCodeableConcept' | 'valueString' | 'valueBoolean' | 'valueInteger' | 'component'>): string {
  if (o.valueQuantity) return quantityText(o.valueQuantity);
  if (o.valueCodeableConcept) return o.valueCodeableConcept.text;
  if (o.valueString !== undefined) return o.valueString;
  if (o.valueInteger !== undefined) return String(o.valueInteger);
  if (o.valueBoolean !== undefined) return o.valueBoolean ? 'yes' : 'no';
  if (o.component?.length) {
    return o.component.map((c) => `${c.code.text}: ${observationValueText(c)}`).join('; ');
  }
  return '';
}

function notePreview(note: Partial<Record<NoteSection, string>> | undefined): string {
  if (!note) return '';
  const text = [note.subjective, note.assessment, note.plan, note.objective].filter((s) => s && s.trim()).join(' · ');
  return text.length > NOTE_PREVIEW ? text.slice(0, NOTE_PREVIEW - 1) + '…' : text;
}

/** Merges every collection into events, newest first (ties by key, so the order is stable across devices). */
export function buildTimeline(src: TimelineSources): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const e of src.encounters ?? []) {
    const note = src.notes?.get(e.id);
    const status = e.status === 'entered-in-error' ? 'entered in error' : e.note.status === 'signed' ? 'signed' : note && Object.values(note).some((t) => t?.trim()) ? 'draft note' : '';
    out.push(event('encounter', e.id, e.start, e.type || 'Visit', [e.reason, notePreview(note)].filter(Boolean).join(' — '), status, e.status === 'entered-in-error'));
  }
  for (const c of src.conditions ?? []) {
    const inError = c.verificationStatus === 'entered-in-error';
    const code = c.code.coding?.find((x) => x.code)?.code ?? '';
    out.push(event('condition', c.id, c.onsetDate || c.recordedDate || c.createdAt, c.code.text, code ? `Onset · ${code}` : 'Onset', inError ? 'entered in error' : c.clinicalStatus === 'active' ? '' : c.clinicalStatus, inError));
    if (c.abatementDate) out.push(event('condition', c.id, c.abatementDate, c.code.text, 'Resolved', inError ? 'entered in error' : 'resolved', inError, 'resolved'));
  }
  for (const a of src.allergies ?? []) {
    const inError = a.verificationStatus === 'entered-in-error';
    const detail = [a.reaction, a.severity, a.criticality === 'high' ? 'high criticality' : ''].filter(Boolean).join(' · ');
    out.push(event('allergy', a.id, a.recordedDate || a.createdAt, a.code.text, detail, inError ? 'entered in error' : a.clinicalStatus === 'active' ? '' : a.clinicalStatus, inError));
  }
  for (const m of src.medications ?? []) {
    const inError = m.status === 'entered-in-error';
    out.push(event('medication', m.id, m.authoredOn || m.createdAt, m.medicationCodeableConcept.text, m.dosageText, m.status === 'active' ? '' : m.status.replace(/-/g, ' '), inError));
  }
  for (const o of src.observations ?? []) {
    const inError = o.status === 'entered-in-error';
    const reading = o.category === 'vital-signs' ? readingOf(o) : undefined;
    const value = reading ? formatReading(reading) : observationValueText(o);
    out.push(event('observation', o.id, o.effectiveDateTime || o.issued || o.createdAt, o.code.text, value, inError ? 'entered in error' : '', inError, '', o.category));
  }
  for (const i of src.immunizations ?? []) {
    const inError = i.status === 'entered-in-error';
    out.push(event('immunization', i.id, i.occurrenceDateTime, i.vaccineCode.text, i.lotNumber ? `Lot ${i.lotNumber}` : '', i.status === 'completed' ? '' : i.status.replace(/-/g, ' '), inError));
  }
  for (const p of src.procedures ?? []) {
    const inError = p.status === 'entered-in-error';
    out.push(event('procedure', p.id, p.performedPeriod.start || p.createdAt, p.code.text, (p.reasonCode ?? []).map((r) => r.text).join(', '), p.status === 'completed' ? '' : p.status.replace(/-/g, ' '), inError));
  }
  for (const r of src.reports ?? []) {
    const inError = r.status === 'entered-in-error';
    const results = r.result.length ? `${r.result.length} result${r.result.length === 1 ? '' : 's'}` : '';
    out.push(event('report', r.id, r.effectiveDateTime || r.issued || r.createdAt, r.code.text, [results, r.conclusion].filter(Boolean).join(' · '), r.status === 'final' ? '' : r.status, inError));
  }
  for (const p of src.carePlans ?? []) {
    const inError = p.status === 'entered-in-error';
    const title = p.category.map((c) => c.text).filter(Boolean).join(', ') || 'Care plan';
    out.push(event('carePlan', p.id, p.period.start || p.createdAt, title, p.activity.map((a) => a.code.text).join(', '), p.status === 'active' ? '' : p.status, inError));
  }
  return out.sort(compareEvents);
}

const KIND_RANK = Object.fromEntries(TIMELINE_KINDS.map((k, i) => [k, i])) as Record<TimelineKind, number>;
const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** Newest first; undated last; at one moment the visit first, then by kind and title; finally by key, so every device shows one order. */
export function compareEvents(a: TimelineEvent, b: TimelineEvent): number {
  if (!a.at !== !b.at) return a.at ? -1 : 1;
  return cmp(b.at, a.at) || KIND_RANK[a.kind] - KIND_RANK[b.kind] || cmp(a.title, b.title) || cmp(a.key, b.key);
}

export interface TimelineFilter {
  /** Kinds to show; empty or absent shows every kind. */
  kinds?: readonly TimelineKind[];
  /** Every word must start a word of the title, detail or status (case and accents ignored). */
  text?: string;
  /** Inclusive bounds, YYYY-MM-DD. */
  from?: string;
  to?: string;
  includeInError?: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Checks the filter a person typed; a date bound that is not YYYY-MM-DD is a mistake worth saying. */
export function filterProblems(f: TimelineFilter): string[] {
  const problems: string[] = [];
  if (f.from && !DATE.test(f.from)) problems.push('“From” must be a date (YYYY-MM-DD)');
  if (f.to && !DATE.test(f.to)) problems.push('“To” must be a date (YYYY-MM-DD)');
  if (f.from && f.to && DATE.test(f.from) && DATE.test(f.to) && f.from > f.to) problems.push('“From” is after “To”');
  return problems;
}

/** The events a filter keeps, in timeline order. Invalid date bounds are ignored (see filterProblems). */
export function filterTimeline(events: readonly TimelineEvent[], f: TimelineFilter): TimelineEvent[] {
  const kinds = f.kinds && f.kinds.length > 0 && f.kinds.length < TIMELINE_KINDS.length ? new Set(f.kinds) : null;
  const words = normalizeForSearch(f.text ?? '')
    .split(/[^a-z0-9.]+/)
    .filter(Boolean);
  const from = f.from && DATE.test(f.from) ? f.from : '';
  // Compare on the date part, so an event at 14:00 on the last day is inside the range.
  const to = f.to && DATE.test(f.to) ? f.to : '';
  return events.filter((e) => {
    if (e.inError && !f.includeInError) return false;
    if (kinds && !kinds.has(e.kind)) return false;
    if (from || to) {
      const day = e.at.slice(0, 10);
      if (!day) return false;
      if (from && day < from) return false;
      if (to && day > to) return false;
    }
    return words.every((w) => hasWordStarting(e.search, w));
  });
}

function hasWordStarting(haystack: string, word: string): boolean {
  let i = haystack.indexOf(word);
  while (i !== -1) {
    if (i === 0 || !/[a-z0-9]/.test(haystack[i - 1])) return true;
    i = haystack.indexOf(word, i + 1);
  }
  return false;
}

/** Counts per kind, for the filter chips. */
export function countByKind(events: readonly TimelineEvent[]): Record<TimelineKind, number> {
  const counts = Object.fromEntries(TIMELINE_KINDS.map((k) => [k, 0])) as Record<TimelineKind, number>;
  for (const e of events) counts[e.kind]++;
  return counts;
}

/**
 * The rows a fixed-row-height list must render to fill its viewport:
 * `[start, end)` with `overscan` extra rows on each side, so a fast scroll
 * never shows a blank band. Rendering only these keeps a 20-year chart as
 * cheap to scroll as a short one.
 */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 6): { start: number; end: number } {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count - 1, first) - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}
