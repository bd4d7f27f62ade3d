import type { Appointment } from '../scheduling/appointment';
import { addDays } from '../scheduling/calendar';
import { localDay } from './counting-rules';
import type { ReportingDiagnosis, ReportingVisit } from './reporting-record';

/**
 * The clinic dashboard's figures over a window of days, from what the
 * device holds: visits per day by kind, the no-show rate per week, how long
 * patients wait from booking to appointment, and the most frequent
 * diagnoses. Pure: the dashboard service reads the documents, this counts.
 *
 * - A visit's kind follows its FHIR Encounter class: ambulatory and
 *   emergency are "in person", virtual is "video", home is "home". Visits
 *   in error or cancelled are not counted.
 * - No-show rate = no-shows ÷ (no-shows + attended) among appointments that
 *   started in the window (attended: checked in, in progress or finished);
 *   cancelled and still-booked appointments are neither. This is the
 *   definition used in outpatient scheduling studies (e.g. Dantas et al.,
 *   "No-shows in appointment scheduling – a systematic literature review",
 *   Health Policy 2018), which leave cancellations out of the denominator.
 * - Waiting time is calendar days from the day an appointment was booked to
 *   its day (both in the clinic's time zone), for appointments in the window
 *   that were not cancelled.
 * - The provider filter keeps that provider's appointments, and the visits
 *   and problems they charted (the chart stamps the user's display name).
 */

export interface DashboardWindow {
  /** First and last day shown, YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  timeZone: string;
}

export interface DashboardProvider {
  id: string;
  name: string;
}

export interface DashboardInput {
  visits: readonly ReportingVisit[];
  diagnoses: readonly ReportingDiagnosis[];
  appointments: readonly Appointment[];
}

export const VISIT_KINDS = ['in-person', 'video', 'home'] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];

export const WAIT_BUCKETS = ['same-day', '1-2', '3-7', '8-14', '15-30', 'over-30'] as const;
export type WaitBucket = (typeof WAIT_BUCKETS)[number];

export interface DashboardStats {
  days: string[];
  visitsPerDay: Record<VisitKind, number[]>;
  totalVisits: number;
  /** Monday-started weeks (first day of each) that overlap the window. */
  weeks: string[];
  noShowsPerWeek: { noShows: number; attended: number; rate: number | null }[];
  noShowRate: number | null;
  noShows: number;
  attended: number;
  waiting: Record<WaitBucket, number>;
  /** Median days from booking to appointment; null with no appointments. */
  medianWaitDays: number | null;
  topDiagnoses: { label: string; count: number }[];
}

export function visitKind(v: Pick<ReportingVisit, 'class'>): VisitKind {
  return v.class === 'virtual' ? 'video' : v.class === 'home' ? 'home' : 'in-person';
}

export function waitBucket(days: number): WaitBucket {
  if (days <= 0) return 'same-day';
  if (days <= 2) return '1-2';
  if (days <= 7) return '3-7';
  if (days <= 14) return '8-14';
  if (days <= 30) return '15-30';
  return 'over-30';
}

function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) out.push(d);
  return out;
}

/** Monday of the ISO week holding the day. */
export function weekOf(day: string): string {
  const js = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((js + 6) % 7));
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

const ATTENDED = new Set(['checked-in', 'in-progress', 'finished']);

export function dashboardStats(input: DashboardInput, window: DashboardWindow, provider: DashboardProvider | null = null): DashboardStats {
  const { from, to, timeZone } = window;
  const days = dayRange(from, to);
  const index = new Map(days.map((d, i) => [d, i]));
  const inWindow = (day: string | null): day is string => !!day && day >= from && day <= to;

  const visitsPerDay: Record<VisitKind, number[]> = { 'in-person': days.map(() => 0), video: days.map(() => 0), home: days.map(() => 0) };
  let totalVisits = 0;
  for (const v of input.visits) {
    if (v.status === 'cancelled' || v.status === 'entered-in-error') continue;
    if (provider && v.createdBy !== provider.name) continue;
    const day = localDay(v.start, timeZone);
    if (!inWindow(day)) continue;
    visitsPerDay[visitKind(v)][index.get(day)!]++;
    totalVisits++;
  }

  const weeks = [...new Set(days.map(weekOf))];
  const perWeek = weeks.map(() => ({ noShows: 0, attended: 0 }));
  const waits: number[] = [];
  const waiting = Object.fromEntries(WAIT_BUCKETS.map((b) => [b, 0])) as Record<WaitBucket, number>;
  for (const a of input.appointments) {
    if (provider && a.providerId !== provider.id) continue;
    const day = localDay(a.start, timeZone);
    if (!inWindow(day)) continue;
    const w = perWeek[weeks.indexOf(weekOf(day))];
    if (a.state.status === 'no-show') w.noShows++;
    else if (ATTENDED.has(a.state.status)) w.attended++;
    if (a.state.status === 'cancelled') continue;
    const booked = localDay(a.createdAt, timeZone);
    if (!booked) continue;
    const wait = Math.max(0, daysBetween(booked, day));
    waits.push(wait);
    waiting[waitBucket(wait)]++;
  }
  const noShows = perWeek.reduce((s, w) => s + w.noShows, 0);
  const attended = perWeek.reduce((s, w) => s + w.attended, 0);
  const rate = (n: number, of: number) => (of === 0 ? null : n / of);

  const counts = new Map<string, number>();
  for (const d of input.diagnoses) {
    if (d.verificationStatus === 'entered-in-error' || d.verificationStatus === 'refuted') continue;
    if (provider && d.recordedBy !== provider.name) continue;
    if (!inWindow(d.recordedDate.slice(0, 10))) continue;
    const label = d.text.trim() || d.codes[0] || '';
    if (!label) continue;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const topDiagnoses = [...counts].map(([label, count]) => ({ label, count })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)).slice(0, 8);

  waits.sort((a, b) => a - b);
  const medianWaitDays = waits.length === 0 ? null : waits.length % 2 ? waits[(waits.length - 1) / 2] : (waits[waits.length / 2 - 1] + waits[waits.length / 2]) / 2;

  return {
    days,
    visitsPerDay,
    totalVisits,
    weeks,
    noShowsPerWeek: perWeek.map((w) => ({ ...w, rate: rate(w.noShows, w.noShows + w.attended) })),
    noShowRate: rate(noShows, noShows + attended),
    noShows,
    attended,
    waiting,
    medianWaitDays,
    topDiagnoses
  };
}
