import { z } from 'zod';
import { holdsTime, type Appointment, type AppointmentType } from '../scheduling/appointment';
import type { Availability } from '../scheduling/availability';
import { addDays } from '../scheduling/calendar';
import { freeSlots } from '../scheduling/slots';
import { dayOf } from '../scheduling/time-zone';

/**
 * Patients booking their own appointments: which appointment types a clinic
 * opens to it, and the window it offers (no sooner than `minNoticeHours`
 * from now, no further than `maxDaysAhead` days). Nothing is open until the
 * clinic says so (the admin console sets it; the server checks every
 * booking against it). The free times are the front desk's: each active
 * provider's working hours (availability.ts) minus blocked time and the
 * appointments that hold their time, on a grid of the type's own length.
 */

export const SELF_BOOKING_LIMITS = {
  minNoticeHours: { min: 0, max: 14 * 24 },
  maxDaysAhead: { min: 1, max: 180 }
} as const;

export interface SelfBookingPolicy {
  /** Appointment types (ids in the schedule document) patients may book themselves. */
  typeIds: string[];
  minNoticeHours: number;
  maxDaysAhead: number;
}

export const DEFAULT_SELF_BOOKING: SelfBookingPolicy = { typeIds: [], minNoticeHours: 2, maxDaysAhead: 30 };

const { minNoticeHours: notice, maxDaysAhead: ahead } = SELF_BOOKING_LIMITS;

export const selfBookingPolicySchema = z
  .object({
    typeIds: z.array(z.string().min(1).max(100), { error: 'Choose the appointment types patients may book' }).max(50, 'Too many appointment types'),
    minNoticeHours: z
      .number({ error: 'The notice must be a number of hours' })
      .int('The notice must be a whole number of hours')
      .min(notice.min, `The notice must be at least ${notice.min} hours`)
      .max(notice.max, `The notice must be at most ${notice.max} hours`),
    maxDaysAhead: z
      .number({ error: 'How far ahead must be a number of days' })
      .int('How far ahead must be a whole number of days')
      .min(ahead.min, `Patients must be able to book at least ${ahead.min} day ahead`)
      .max(ahead.max, `Patients can book at most ${ahead.max} days ahead`)
  })
  .strict()
  .transform((p): SelfBookingPolicy => ({ ...p, typeIds: [...new Set(p.typeIds)].sort() }));

/** The instants a booking may start between, for this policy at `now` (ms). */
export function bookingWindow(policy: Pick<SelfBookingPolicy, 'minNoticeHours' | 'maxDaysAhead'>, now: number): { from: number; to: number } {
  return { from: now + policy.minNoticeHours * 3_600_000, to: now + policy.maxDaysAhead * 86_400_000 };
}

const DAY = 86_400_000;

export interface OfferedSlot {
  start: string;
  end: string;
  providerId: string;
}

export interface SlotContext {
  /** The active providers' availability (a provider without working hours offers nothing). */
  availability: readonly Availability[];
  appointments: readonly Appointment[];
  type: Pick<AppointmentType, 'minutes'>;
  policy: SelfBookingPolicy;
  /** The clinic's time zone: which day a slot is listed under. */
  timeZone: string;
  now: number;
  /** The patient booking: times they already hold an appointment are not offered. */
  patientId: string;
  /** An appointment being moved: its own time counts as free. */
  ignoreId?: string;
}

/** Every slot a patient may book, by clinic day, sorted by start then provider. */
export function offeredSlots(ctx: SlotContext): { day: string; slots: OfferedSlot[] }[] {
  const { from, to } = bookingWindow(ctx.policy, ctx.now);
  // Only what can touch the window, as numbers, grouped by provider: a clinic's book holds years of appointments.
  const held = ctx.appointments
    .filter((a) => a.id !== ctx.ignoreId && holdsTime(a))
    .map((a) => ({ a, start: Date.parse(a.start), end: Date.parse(a.end) }))
    .filter((x) => x.end > from - DAY && x.start < to + DAY);
  const busy = held.filter((x) => x.a.patientId === ctx.patientId);
  const byProvider = new Map<string, typeof held>();
  for (const x of held) {
    const list = byProvider.get(x.a.providerId) ?? [];
    list.push(x);
    byProvider.set(x.a.providerId, list);
  }
  const first = dayOf(from, ctx.timeZone);
  const last = dayOf(to, ctx.timeZone);
  const byDay = new Map<string, OfferedSlot[]>();
  for (let day = first, i = 0; day <= last && i <= SELF_BOOKING_LIMITS.maxDaysAhead.max + 1; day = addDays(day, 1), i++) {
    // The day in any zone lies within a day and a half either side of its UTC midnight.
    const noon = Date.parse(`${day}T12:00:00Z`);
    for (const av of ctx.availability) {
      const near = (byProvider.get(av.providerId) ?? []).filter((x) => x.end > noon - 1.5 * DAY && x.start < noon + 1.5 * DAY).map((x) => x.a);
      for (const s of freeSlots(av, near, day, ctx.type, { notBefore: from })) {
        const start = Date.parse(s.start);
        const end = Date.parse(s.end);
        if (start > to) continue;
        if (busy.some((b) => b.start < end && start < b.end)) continue;
        // Working hours lie within their own day (availability.ts), so a slot is listed under the day it was cut from.
        const list = byDay.get(day) ?? [];
        list.push({ start: s.start, end: s.end, providerId: av.providerId });
        byDay.set(day, list);
      }
    }
  }
  return [...byDay.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([day, slots]) => ({ day, slots: dedupe(slots).sort((x, y) => x.start.localeCompare(y.start) || x.providerId.localeCompare(y.providerId)) }));
}

function dedupe(slots: OfferedSlot[]): OfferedSlot[] {
  const seen = new Set<string>();
  return slots.filter((s) => {
    const k = `${s.start}|${s.providerId}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export type SlotProblem = 'outside-window' | 'not-offered' | 'taken' | 'patient-busy';

/**
 * Why a patient may not book `start` with `availability`'s provider, or
 * null when they may: outside the clinic's window, not one of the times the
 * provider is open for (off the grid, outside hours, blocked), taken by an
 * appointment, or a time the patient already holds elsewhere.
 */
export function slotProblem(ctx: Omit<SlotContext, 'availability'> & { availability: Availability | null }, start: string): SlotProblem | null {
  const at = Date.parse(start);
  const { from, to } = bookingWindow(ctx.policy, ctx.now);
  if (!(at >= from && at <= to)) return 'outside-window';
  if (!ctx.availability) return 'not-offered';
  const day = dayOf(at, ctx.availability.timeZone);
  const grid = freeSlots(ctx.availability, [], day, ctx.type, { notBefore: from });
  if (!grid.some((s) => Date.parse(s.start) === at)) return 'not-offered';
  const appointments = ctx.appointments.filter((a) => a.id !== ctx.ignoreId);
  const end = at + ctx.type.minutes * 60_000;
  const overlapping = appointments.filter((a) => holdsTime(a) && Date.parse(a.start) < end && at < Date.parse(a.end));
  if (overlapping.some((a) => a.providerId === ctx.availability!.providerId)) return 'taken';
  if (overlapping.some((a) => a.patientId === ctx.patientId)) return 'patient-busy';
  return null;
}

/** A patient may move or cancel a booked appointment that has not started yet. */
export function patientMayChange(a: Pick<Appointment, 'state' | 'start'>, now: number): boolean {
  return a.state.status === 'booked' && Date.parse(a.start) > now;
}

/** The "Join" button shows from this long before a video appointment's start until its end. */
export const JOIN_OPENS_MINUTES = 15;

/** A video appointment that is about to start or running, and not cancelled, finished or missed. */
export function patientMayJoin(a: Pick<Appointment, 'state' | 'start' | 'end' | 'mode'>, now: number): boolean {
  if (a.mode !== 'video') return false;
  if (!['booked', 'checked-in', 'in-progress'].includes(a.state.status)) return false;
  return now >= Date.parse(a.start) - JOIN_OPENS_MINUTES * 60_000 && now < Date.parse(a.end);
}
