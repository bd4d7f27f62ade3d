import * as Y from 'yjs';
import type { z } from 'zod';
import type { Actor } from '../domain/chart';
import { monthOfStart } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import {
  bookingInputSchema,
  cancelInputSchema,
  endOf,
  findConflicts,
  rescheduleInputSchema,
  type Appointment,
  type AppointmentEvent,
  type BookingInput,
  type Conflict,
  type RescheduleInput
} from '../domain/scheduling';
import * as sched from './schedule-doc';
import { migrate, newId, nowIso } from './schema';

/**
 * The appointment book as several documents (doc-names.ts): the book itself,
 * `schedule:<clinicId>`, keeps the settings (time zone, providers, hours,
 * appointment types); each `schedule:<clinicId>:<YYYY-MM>` keeps the
 * appointments that start in that month (UTC). A device holds only the
 * months it works in, so the book on a device stops growing with the years.
 *
 * Moving an appointment into another month is recorded in both: the new
 * month gets the appointment under the same id (so video links, visits and
 * the patient's portal keep pointing at it), the old entry keeps its
 * history and gains `movedTo: <YYYY-MM>`, which every reader skips. Two
 * devices that move one appointment apart into two months leave two copies;
 * a reader that holds both shows the one edited last.
 *
 * A book written before months keeps its appointments in the book itself
 * until the server splits it (server/sync/schedule-split.ts); readers take
 * those too, a month's copy winning over the book's. Once the book is
 * marked split, readers skip the book's own appointments (the server
 * carries any later edit to them into the months).
 */
export interface MonthlyBook {
  /** `schedule:<clinicId>`: the settings, and any appointments not yet split into months. */
  readonly settings: Y.Doc;
  /** The months loaded, by `YYYY-MM`. */
  readonly months: ReadonlyMap<string, Y.Doc>;
  /** The document of a month, when it is loaded; the caller opens months before writing to them. */
  month(month: string): Y.Doc | undefined;
}

/** A book held in memory (tests, the server's readers): every month asked for is created. */
export function memoryBook(settings: Y.Doc, months: Map<string, Y.Doc> = new Map()): MonthlyBook & { months: Map<string, Y.Doc> } {
  return {
    settings,
    months,
    month(m: string) {
      let d = months.get(m);
      if (!d) months.set(m, (d = new Y.Doc()));
      return d;
    }
  };
}

/** Sets up a month's document (kind, clinic, month, layout version); harmless on one already set up. */
export function initMonthDoc(doc: Y.Doc, clinicId: string, month: string): void {
  const meta = doc.getMap('meta');
  if (meta.get('kind') === 'schedule' && meta.get('month') === month) return;
  doc.transact(() => {
    meta.set('kind', 'schedule');
    meta.set('clinicId', clinicId);
    meta.set('month', month);
  }, 'local');
  migrate(doc);
}

/** Every appointment the loaded documents hold, optionally only those overlapping [from, to) or of one provider; sorted by start. */
export function bookAppointments(book: MonthlyBook, filter: { from?: string; to?: string; providerId?: string } = {}): Appointment[] {
  const byId = new Map<string, Appointment>();
  if (!isSplit(book.settings)) for (const a of sched.listAppointments(book.settings, filter)) byId.set(a.id, a);
  const fromMonths = new Set<string>();
  for (const doc of book.months.values()) {
    for (const a of sched.listAppointments(doc, filter)) {
      const seen = byId.get(a.id);
      // The book's own copy (not yet split) gives way to a month's; between two months, the one edited last.
      if (!seen || !fromMonths.has(a.id) || a.updatedAt > seen.updatedAt) byId.set(a.id, a);
      fromMonths.add(a.id);
    }
  }
  return [...byId.values()].sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
}

/** The document that holds an appointment (the month's, else the book's not yet split), or null. */
export function docOfAppointment(book: MonthlyBook, id: string): Y.Doc | null {
  let found: { doc: Y.Doc; at: string } | null = null;
  for (const doc of book.months.values()) {
    const a = sched.readAppointment(doc, id);
    if (a && (!found || a.updatedAt >= found.at)) found = { doc, at: a.updatedAt };
  }
  if (found) return found.doc;
  return !isSplit(book.settings) && sched.readAppointment(book.settings, id) ? book.settings : null;
}

export function readBookAppointment(book: MonthlyBook, id: string): Appointment | null {
  const doc = docOfAppointment(book, id);
  return doc ? sched.readAppointment(doc, id) : null;
}

export function bookConflicts(book: MonthlyBook): Conflict[] {
  return findConflicts(bookAppointments(book));
}

function clinicOf(book: MonthlyBook): string {
  const id = book.settings.getMap('meta').get('clinicId');
  return typeof id === 'string' ? id : '';
}

function monthDocOrThrow(book: MonthlyBook, month: string): Y.Doc {
  const doc = book.month(month);
  if (!doc) throw new AppError('unavailable', 'That month of the appointment book is not open on this device. Open its days while online, then book.');
  return doc;
}

function invalid(what: string, err: z.ZodError): AppError {
  return new AppError(
    'invalid',
    `The ${what} is not valid`,
    err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
  );
}

/** Books into the month the appointment starts in; refuses a double booking the loaded months show (AppError 'conflict'). */
export function bookInto(book: MonthlyBook, input: BookingInput, actor: Actor, options: sched.BookOptions = {}): string {
  const parsed = bookingInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('appointment', parsed.error);
  const b = parsed.data;
  const type = sched.typeOrThrow(book.settings, b.typeId);
  const id = options.id ?? newId();
  const end = endOf(b.start, type);
  if (!options.allowOverlap) sched.refuseOverlap(bookAppointments(book, { from: b.start, to: end }), { id, providerId: b.providerId, patientId: b.patientId, start: b.start, end });
  const doc = monthDocOrThrow(book, monthOfStart(b.start));
  initMonthDoc(doc, clinicOf(book), monthOfStart(b.start));
  const now = nowIso();
  sched.writeAppointment(doc, id, { ...b, mode: type.mode, end, status: 'booked', createdAt: now, createdBy: actor.name }, actor, now);
  return id;
}

/**
 * Moves a booked appointment to a new start (same length), optionally to
 * another provider. Within its month it is an edit; into another month the
 * appointment is copied there under its id and the old entry marked
 * `movedTo` (both written by this device, so both sync).
 */
export function rescheduleIn(book: MonthlyBook, id: string, input: RescheduleInput, actor: Actor, options: Omit<sched.BookOptions, 'id'> = {}): void {
  const parsed = rescheduleInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('new time', parsed.error);
  const from = docOfAppointment(book, id);
  if (!from) throw new AppError('not-found', 'That appointment does not exist.');
  const current = sched.readOrThrow(from, id);
  sched.decide(current, { type: 'reschedule' }, actor);
  const minutes = (Date.parse(current.end) - Date.parse(current.start)) / 60_000;
  const start = parsed.data.start;
  const end = endOf(start, { minutes });
  const providerId = parsed.data.providerId ?? current.providerId;
  if (!options.allowOverlap) sched.refuseOverlap(bookAppointments(book, { from: start, to: end }), { id, providerId, patientId: current.patientId, start, end });
  const month = monthOfStart(start);
  const to = monthDocOrThrow(book, month);
  if (to === from) {
    sched.rescheduleAppointment(from, id, { start, providerId }, actor, { allowOverlap: true });
    return;
  }
  initMonthDoc(to, clinicOf(book), month);
  const fields = sched.appointmentFields(from, id)!;
  delete fields.movedTo;
  const now = nowIso();
  sched.writeAppointment(to, id, { ...fields, start, end, providerId, movedFrom: from === book.settings ? '' : monthOfStart(current.start) }, actor, now);
  sched.updateAppointmentFields(from, id, { movedTo: month }, actor);
}

export function cancelIn(book: MonthlyBook, id: string, reason: string, actor: Actor): void {
  const parsed = cancelInputSchema.safeParse({ reason });
  if (!parsed.success) throw invalid('cancellation', parsed.error);
  eventIn(book, id, { type: 'cancel', reason: parsed.data.reason }, actor);
}

/** Any other life-cycle step, in the document that holds the appointment. */
export function eventIn(book: MonthlyBook, id: string, event: Exclude<AppointmentEvent, { type: 'reschedule' }>, actor: Actor): void {
  const doc = docOfAppointment(book, id);
  if (!doc) throw new AppError('not-found', 'That appointment does not exist.');
  sched.applyAppointmentEvent(doc, id, event, actor);
}

/** Whether the server has split this book into months (its own appointments are then history, which readers skip). */
export function isSplit(settings: Y.Doc): boolean {
  return typeof settings.getMap('meta').get('splitIntoMonths') === 'string';
}

/**
 * Splits a book written before months, losing nothing: every appointment in
 * the book document is carried into the month it starts in when that month
 * does not hold it, or holds an older edit of it (same id, the later
 * `updatedAt` wins); then the book is marked split (`meta.splitIntoMonths`),
 * and from then on readers take appointments from the months only. The
 * book's entries are kept, never removed: a device that still holds the old
 * book and edits (or books into) it offline sends its edit to the book, and
 * running this again carries that edit into the month (Yjs would drop an
 * edit to a removed entry). Fields are set one by one, so an edit made
 * meanwhile to another field of the month's copy stays. An entry whose
 * start cannot be read stays where it is. Returns the months written, how
 * many appointments were carried, and how many stayed.
 */
export function splitIntoMonths(settings: Y.Doc, monthDoc: (month: string) => Y.Doc, clinicId: string, now = nowIso()): { months: string[]; moved: number; kept: number } {
  const byMonth = new Map<string, [string, Record<string, unknown>][]>();
  let kept = 0;
  for (const id of sched.appointmentIds(settings)) {
    const fields = sched.appointmentFields(settings, id);
    let month: string | null = null;
    try {
      month = typeof fields?.start === 'string' ? monthOfStart(fields.start) : null;
    } catch {
      month = null;
    }
    if (!fields || month === null) {
      kept++;
      continue;
    }
    const list = byMonth.get(month) ?? [];
    list.push([id, fields]);
    byMonth.set(month, list);
  }
  const written: string[] = [];
  let moved = 0;
  for (const [month, entries] of [...byMonth].sort(([a], [b]) => a.localeCompare(b))) {
    const target = monthDoc(month);
    const appointments = target.getMap('appointments');
    const carry = entries.filter(([id, fields]) => {
      const there = appointments.get(id);
      if (!(there instanceof Y.Map)) return true;
      const at = there.get('updatedAt');
      return typeof fields.updatedAt === 'string' && (typeof at !== 'string' || fields.updatedAt > at);
    });
    if (carry.length === 0) continue;
    initMonthDoc(target, clinicId, month);
    // One transaction a month; the copy keeps the last edit's stamp (carrying is not an edit).
    target.transact(() => {
      for (const [id, fields] of carry) {
        let e = appointments.get(id);
        if (!(e instanceof Y.Map)) {
          e = new Y.Map<unknown>();
          appointments.set(id, e);
        }
        const entry = e as Y.Map<unknown>;
        for (const [k, v] of Object.entries(fields)) if (v !== undefined && k !== 'movedTo') entry.set(k, v);
        // The book's edit starts in this month: the copy here is the live one again.
        if (entry.has('movedTo')) entry.delete('movedTo');
      }
    }, 'local');
    written.push(month);
    moved += carry.length;
  }
  if (!isSplit(settings)) settings.transact(() => settings.getMap('meta').set('splitIntoMonths', now), 'local');
  return { months: written, moved, kept };
}
