import type * as Y from 'yjs';
import * as sched from '../chart/schedule-doc';
import * as months from '../chart/schedule-months';
import type { Actor } from '../domain/chart';
import { monthsBetween, type DocAccess } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import {
  dayBoard,
  dayOf,
  firstAvailable,
  freeSlots,
  type Appointment,
  type AppointmentType,
  type Availability,
  type BookingInput,
  type DayBoard,
  type Provider,
  type Slot
} from '../domain/scheduling';
import type { Connection, LiveDoc } from '../sync/live-doc';
import { reportError } from './report-error';

/** The booking grid: quarter hours, whatever the appointment's length. */
export const SLOT_STEP_MINUTES = 15;

/**
 * The clinic's appointment book open on screen. Every intent goes through
 * the typed accessors of lib/chart (which validate and refuse with an
 * AppError), is stored encrypted at once and syncs when online. `version`
 * ticks on every change, local or merged from another device, so views
 * recompute the day (and its double bookings) from the document.
 */
export class LiveSchedule {
  #version = $state(0);
  #connection = $state<Connection>('offline');
  readonly #live: LiveDoc;
  readonly #months = new Map<string, LiveDoc>();
  readonly #book: months.MonthlyBook;
  readonly #actor: Actor;
  readonly #release: (doc: LiveDoc) => Promise<void>;
  readonly #openMonth: ((month: string) => Promise<LiveDoc | null>) | null;
  readonly #opening = new Map<string, Promise<void>>();
  readonly #cleanup: (() => void)[] = [];
  readonly access: DocAccess;
  #closed = false;

  /**
   * `live` is the book's settings (`schedule:<clinicId>`), `monthDocs` the
   * months it opened with (the device's window); `openMonth` fetches and
   * opens another month when someone goes there (null when it cannot).
   */
  constructor(
    live: LiveDoc,
    access: DocAccess,
    actor: Actor,
    release: (doc: LiveDoc) => Promise<void>,
    monthDocs: ReadonlyMap<string, LiveDoc> = new Map(),
    openMonth: ((month: string) => Promise<LiveDoc | null>) | null = null
  ) {
    this.#live = live;
    this.access = access;
    this.#actor = actor;
    this.#release = release;
    this.#openMonth = openMonth;
    const docs = new Map<string, Y.Doc>();
    this.#book = { settings: live.doc, months: docs, month: (m) => docs.get(m) };
    const bump = () => this.#version++;
    live.doc.on('update', bump);
    this.#connection = live.connection;
    this.#cleanup.push(() => live.doc.off('update', bump), live.onConnection((c) => (this.#connection = c)));
    for (const [m, d] of monthDocs) this.#adopt(m, d);
  }

  #adopt(month: string, live: LiveDoc): void {
    this.#months.set(month, live);
    (this.#book.months as Map<string, Y.Doc>).set(month, live.doc);
    const bump = () => this.#version++;
    live.doc.on('update', bump);
    this.#cleanup.push(() => live.doc.off('update', bump));
    this.#version++;
  }

  /** The months open now. */
  get openMonths(): string[] {
    void this.#version;
    return [...this.#months.keys()].sort();
  }

  /**
   * Opens the months a day (or range) falls in that are not open yet: a
   * month outside the device's window is fetched from the server, so this
   * needs the network; offline it leaves them closed and says so.
   */
  async showMonths(wanted: readonly string[]): Promise<{ missing: string[] }> {
    const missing: string[] = [];
    for (const m of wanted) {
      if (this.#months.has(m) || this.#closed) continue;
      if (!this.#openMonth) {
        missing.push(m);
        continue;
      }
      let p = this.#opening.get(m);
      if (!p) {
        const open = this.#openMonth;
        p = open(m).then((live) => {
          if (!live) return;
          if (this.#closed || this.#months.has(m)) void this.#release(live);
          else this.#adopt(m, live);
        });
        this.#opening.set(m, p);
        void p.finally(() => this.#opening.delete(m));
      }
      await p.catch((err: unknown) => reportError('Opening a month of the appointment book', err));
      if (!this.#months.has(m)) missing.push(m);
    }
    return { missing };
  }

  /**
   * Opens the months a clinic day falls in (it spans at most two UTC months,
   * whatever the time zone); the booking and reschedule forms call this
   * before offering free times, so a month outside the window is fetched
   * first and its appointments counted.
   */
  showDay(day: string): Promise<{ missing: string[] }> {
    return this.showMonths(monthsOfDay(day));
  }

  /** Whether every month a clinic day falls in is open here (free times are only offered for such a day). */
  dayOpen(day: string): boolean {
    void this.#version;
    return monthsOfDay(day).every((m) => this.#months.has(m));
  }

  get version(): number {
    return this.#version;
  }
  get connection(): Connection {
    return this.#connection;
  }
  get canEdit(): boolean {
    return this.access === 'write';
  }

  // Reads: each touches `version` so a $derived over them recomputes after any change.
  get ready(): boolean {
    void this.#version;
    return sched.isScheduleDoc(this.#live.doc);
  }
  get timeZone(): string {
    void this.#version;
    return sched.scheduleTimeZone(this.#live.doc);
  }
  get providers(): Provider[] {
    void this.#version;
    return sched.listProviders(this.#live.doc);
  }
  get types(): AppointmentType[] {
    void this.#version;
    return sched.listAppointmentTypes(this.#live.doc);
  }
  today(now = Date.now()): string {
    return dayOf(now, this.timeZone);
  }
  board(day: string, providerId?: string): DayBoard {
    void this.#version;
    return dayBoard(months.bookAppointments(this.#book), this.providers, day, this.timeZone, providerId);
  }
  appointment(id: string): Appointment | null {
    void this.#version;
    return months.readBookAppointment(this.#book, id);
  }
  availability(providerId: string): Availability | null {
    void this.#version;
    return sched.readAvailability(this.#live.doc, providerId);
  }

  /**
   * Free slots for one provider and type on a day, on the quarter-hour grid;
   * none in the past. `ignoring` leaves one appointment out (the one being
   * rescheduled frees its own time).
   */
  slots(providerId: string, typeOrMinutes: string | number, day: string, opts: { ignoring?: string; now?: number } = {}): Slot[] {
    void this.#version;
    const availability = this.availability(providerId);
    const minutes = typeof typeOrMinutes === 'number' ? typeOrMinutes : this.types.find((t) => t.id === typeOrMinutes)?.minutes;
    // A month not open here could hold appointments on that day: no free times until it is opened (showDay).
    if (!availability || !minutes || !this.dayOpen(day)) return [];
    const others = months.bookAppointments(this.#book).filter((a) => a.id !== opts.ignoring);
    return freeSlots(availability, others, day, { minutes }, { stepMinutes: SLOT_STEP_MINUTES, notBefore: opts.now ?? Date.now() });
  }

  /**
   * The next free slot from now for one provider and type, on the same
   * quarter-hour grid, skipping times the patient (when given) is already
   * booked with anyone. Null when nothing is free in the next 60 days.
   */
  firstAvailable(providerId: string, typeId: string, opts: { patientId?: string; now?: number } = {}): Slot | null {
    void this.#version;
    const availability = this.availability(providerId);
    const type = this.types.find((t) => t.id === typeId);
    if (!availability || !type) return null;
    return firstAvailable(availability, months.bookAppointments(this.#book), type, opts.now ?? Date.now(), {
      stepMinutes: SLOT_STEP_MINUTES,
      patientId: opts.patientId || undefined
    });
  }

  // Intents.
  book(input: BookingInput, opts: { allowOverlap?: boolean } = {}): string {
    this.#assertWritable();
    return months.bookInto(this.#book, input, this.#actor, opts);
  }
  reschedule(id: string, start: string, providerId?: string): void {
    this.#assertWritable();
    months.rescheduleIn(this.#book, id, { start, providerId }, this.#actor);
  }
  cancel(id: string, reason: string): void {
    this.#assertWritable();
    months.cancelIn(this.#book, id, reason, this.#actor);
  }
  checkIn(id: string): void {
    this.#assertWritable();
    months.eventIn(this.#book, id, { type: 'check-in' }, this.#actor);
  }
  noShow(id: string): void {
    this.#assertWritable();
    months.eventIn(this.#book, id, { type: 'no-show' }, this.#actor);
  }
  setAvailability(a: Availability): void {
    this.#assertWritable();
    sched.setAvailability(this.#live.doc, a);
  }
  setType(t: AppointmentType): void {
    this.#assertWritable();
    sched.setAppointmentType(this.#live.doc, t);
  }
  setProvider(p: Provider): void {
    this.#assertWritable();
    sched.setProvider(this.#live.doc, p);
  }

  /** Resolves once every change so far is stored (encrypted) on this device. */
  async saved(): Promise<void> {
    await Promise.all([this.#live.persisted(), ...[...this.#months.values()].map((m) => m.persisted())]);
  }

  /** Disconnects and destroys the document once its edits are stored. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#cleanup.splice(0)) c();
    for (const live of [this.#live, ...this.#months.values()]) this.#release(live).catch((err: unknown) => reportError('Closing the appointment book', err));
  }

  #assertWritable(): void {
    if (this.access !== 'write') throw new AppError('forbidden', 'Your role may view the appointment book but not change it');
  }
}

/** The UTC months a clinic day (`YYYY-MM-DD`) can touch in any time zone: the day before to the day after, around its noon. */
export function monthsOfDay(day: string): string[] {
  const around = Date.parse(`${day}T12:00:00Z`);
  if (Number.isNaN(around)) return [];
  return monthsBetween(around - 86_400_000, around + 86_400_000);
}
