import * as Y from 'yjs';
import type { z } from 'zod';
import type { Actor } from '../domain/chart';
import { AppError } from '../domain/errors';
import {
  APPOINTMENT_MODES,
  APPOINTMENT_STATUSES,
  appointmentTypeSchema,
  availabilitySchema,
  bookingInputSchema,
  cancelInputSchema,
  endOf,
  findConflicts,
  holdsTime,
  rescheduleInputSchema,
  transition,
  type Appointment,
  type AppointmentEvent,
  type AppointmentState,
  type AppointmentType,
  type Availability,
  type BookingInput,
  type Conflict,
  type Provider,
  type RescheduleInput,
  isTimeZone,
  providerSchema
} from '../domain/scheduling';
import { metaOf, migrate, newId, nowIso, str, SCHEMA_VERSION } from './schema';

/**
 * Typed access to a clinic's `schedule:<clinicId>` document, so the front
 * desk can book, move and cancel while offline. Each appointment is a Y.Map
 * of flat fields in the `appointments` map (keyed by id): two devices that
 * change different fields of one appointment both keep their change, and
 * two devices that book the same slot while apart both keep their booking —
 * `scheduleConflicts` then shows the double booking instead of losing one.
 * Availability and appointment types are whole JSON values per key: edited
 * rarely, by one person, so last writer wins is enough.
 */

type Entry = Y.Map<unknown>;

export function scheduleDocName(clinicId: string): string {
  return `schedule:${clinicId}`;
}

function appointmentsOf(doc: Y.Doc): Y.Map<Entry> {
  return doc.getMap('appointments') as Y.Map<Entry>;
}
function availabilityOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('availability');
}
function typesOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('appointmentTypes');
}
function providersOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap('providers');
}

/** `timeZone` is the clinic's: it decides which day an appointment is shown on. */
export function initScheduleDoc(doc: Y.Doc, clinicId: string, timeZone?: string): void {
  if (timeZone !== undefined && !isTimeZone(timeZone)) throw new AppError('invalid', 'Unknown time zone');
  doc.transact(() => {
    const meta = metaOf(doc);
    if (meta.get('schemaVersion') === undefined) meta.set('schemaVersion', SCHEMA_VERSION);
    meta.set('kind', 'schedule');
    meta.set('clinicId', clinicId);
    if (timeZone !== undefined) meta.set('timeZone', timeZone);
  }, 'local');
}

/** True once the document was set up as a schedule (by the server's seed or the first desk to open it). */
export function isScheduleDoc(doc: Y.Doc): boolean {
  return metaOf(doc).get('kind') === 'schedule';
}

/** The clinic's time zone; UTC when none is stored or it is not one this device knows. */
export function scheduleTimeZone(doc: Y.Doc): string {
  const tz = metaOf(doc).get('timeZone');
  return typeof tz === 'string' && isTimeZone(tz) ? tz : 'UTC';
}

// ── Providers ────────────────────────────────────────────────────────────

export function setProvider(doc: Y.Doc, provider: Provider): void {
  const parsed = providerSchema.safeParse(provider);
  if (!parsed.success) throw invalid('provider', parsed.error);
  migrate(doc);
  doc.transact(() => providersOf(doc).set(parsed.data.id, parsed.data), 'local');
}

/** Every provider (active first, then by name); entries that do not validate are skipped. */
export function listProviders(doc: Y.Doc): Provider[] {
  const out: Provider[] = [];
  providersOf(doc).forEach((v) => {
    const parsed = providerSchema.safeParse(v);
    if (parsed.success) out.push(parsed.data);
  });
  return out.sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

function invalid(what: string, err: z.ZodError): AppError {
  return new AppError(
    'invalid',
    `The ${what} is not valid`,
    err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
  );
}

// ── Availability and appointment types ──────────────────────────────────

export function setAvailability(doc: Y.Doc, availability: Availability): void {
  const parsed = availabilitySchema.safeParse(availability);
  if (!parsed.success) throw invalid('availability', parsed.error);
  migrate(doc);
  doc.transact(() => availabilityOf(doc).set(parsed.data.providerId, parsed.data), 'local');
}

/** A provider's availability; null when none is set or what is stored does not validate (written by a newer or broken client). */
export function readAvailability(doc: Y.Doc, providerId: string): Availability | null {
  const parsed = availabilitySchema.safeParse(availabilityOf(doc).get(providerId));
  return parsed.success ? parsed.data : null;
}

export function setAppointmentType(doc: Y.Doc, type: AppointmentType): void {
  const parsed = appointmentTypeSchema.safeParse(type);
  if (!parsed.success) throw invalid('appointment type', parsed.error);
  migrate(doc);
  doc.transact(() => typesOf(doc).set(parsed.data.id, parsed.data), 'local');
}

export function listAppointmentTypes(doc: Y.Doc): AppointmentType[] {
  const out: AppointmentType[] = [];
  typesOf(doc).forEach((v) => {
    const parsed = appointmentTypeSchema.safeParse(v);
    if (parsed.success) out.push(parsed.data);
  });
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export function typeOrThrow(doc: Y.Doc, typeId: string): AppointmentType {
  const parsed = appointmentTypeSchema.safeParse(typesOf(doc).get(typeId));
  if (!parsed.success) throw new AppError('not-found', 'That appointment type does not exist.');
  return parsed.data;
}

// ── Appointments ─────────────────────────────────────────────────────────

export interface BookOptions {
  /** Book even though it overlaps an existing appointment (a deliberate double booking). */
  allowOverlap?: boolean;
  id?: string;
}

/**
 * Books an appointment. Refuses a double booking this device can already
 * see (AppError 'conflict'); one made on another device while offline shows
 * up after the merge in `scheduleConflicts`.
 */
export function addAppointment(doc: Y.Doc, input: BookingInput, actor: Actor, options: BookOptions = {}): string {
  const parsed = bookingInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('appointment', parsed.error);
  const b = parsed.data;
  const type = typeOrThrow(doc, b.typeId);
  const id = options.id ?? newId();
  const end = endOf(b.start, type);
  if (!options.allowOverlap) refuseOverlap(listAppointments(doc, { from: b.start, to: end }), { id, providerId: b.providerId, patientId: b.patientId, start: b.start, end });
  migrate(doc);
  const now = nowIso();
  writeAppointment(doc, id, { ...b, mode: type.mode, end, status: 'booked', createdAt: now, createdBy: actor.name }, actor, now);
  return id;
}

/** Writes a new appointment entry (every field at once, then the edit stamp); the caller has validated it. */
export function writeAppointment(doc: Y.Doc, id: string, fields: Record<string, unknown>, actor: Actor, now = nowIso()): void {
  doc.transact(() => {
    const e = new Y.Map<unknown>();
    appointmentsOf(doc).set(id, e);
    for (const [k, v] of Object.entries({ id, ...fields })) e.set(k, v);
    touch(e, actor, now);
  }, 'local');
}

/** Every stored field of an appointment entry, as plain values (to copy it into another month's document). */
export function appointmentFields(doc: Y.Doc, id: string): Record<string, unknown> | null {
  const e = appointmentsOf(doc).get(id);
  return e instanceof Y.Map ? e.toJSON() : null;
}

/** Sets fields of an existing appointment entry and stamps the edit. */
export function updateAppointmentFields(doc: Y.Doc, id: string, fields: Record<string, unknown>, actor: Actor): void {
  const e = appointmentsOf(doc).get(id);
  if (!(e instanceof Y.Map)) throw new AppError('not-found', 'That appointment does not exist.');
  doc.transact(() => {
    for (const [k, v] of Object.entries(fields)) e.set(k, v);
    touch(e, actor);
  }, 'local');
}

/** The ids of the appointment entries held in this document (whatever their content). */
export function appointmentIds(doc: Y.Doc): string[] {
  return [...appointmentsOf(doc).keys()];
}

/** The month an entry was moved to (a reschedule into another month, schedule-months.ts), if any. */
export function movedTo(doc: Y.Doc, id: string): string | null {
  const e = appointmentsOf(doc).get(id);
  const m = e instanceof Y.Map ? e.get('movedTo') : undefined;
  return typeof m === 'string' && m ? m : null;
}

/** Moves an appointment to a new start (same length), optionally to another provider. Only a booked appointment moves. */
export function rescheduleAppointment(doc: Y.Doc, id: string, input: RescheduleInput, actor: Actor, options: Omit<BookOptions, 'id'> = {}): void {
  const parsed = rescheduleInputSchema.safeParse(input);
  if (!parsed.success) throw invalid('new time', parsed.error);
  const current = readOrThrow(doc, id);
  decide(current, { type: 'reschedule' }, actor);
  const minutes = (Date.parse(current.end) - Date.parse(current.start)) / 60_000;
  const start = parsed.data.start;
  const end = endOf(start, { minutes });
  const providerId = parsed.data.providerId ?? current.providerId;
  if (!options.allowOverlap) refuseOverlap(listAppointments(doc, { from: start, to: end }), { id, providerId, patientId: current.patientId, start, end });
  const e = appointmentsOf(doc).get(id)!;
  doc.transact(() => {
    e.set('start', start);
    e.set('end', end);
    e.set('providerId', providerId);
    touch(e, actor);
  }, 'local');
}

export function cancelAppointment(doc: Y.Doc, id: string, reason: string, actor: Actor): void {
  const parsed = cancelInputSchema.safeParse({ reason });
  if (!parsed.success) throw invalid('cancellation', parsed.error);
  applyAppointmentEvent(doc, id, { type: 'cancel', reason: parsed.data.reason }, actor);
}

export function checkIn(doc: Y.Doc, id: string, actor: Actor): void {
  applyAppointmentEvent(doc, id, { type: 'check-in' }, actor);
}

export function markNoShow(doc: Y.Doc, id: string, actor: Actor): void {
  applyAppointmentEvent(doc, id, { type: 'no-show' }, actor);
}

/** Any life-cycle step (start, finish, …) through the pure state machine; a refused step is AppError 'conflict' with its reason. */
export function applyAppointmentEvent(doc: Y.Doc, id: string, event: Exclude<AppointmentEvent, { type: 'reschedule' }>, actor: Actor): void {
  const next = decide(readOrThrow(doc, id), event, actor);
  const e = appointmentsOf(doc).get(id)!;
  doc.transact(() => {
    e.set('status', next.status);
    if (next.status !== 'booked') {
      e.set('statusAt', next.at);
      e.set('statusBy', next.by);
    }
    if (next.status === 'cancelled') e.set('cancelReason', next.reason);
    touch(e, actor);
  }, 'local');
}

export function readAppointment(doc: Y.Doc, id: string): Appointment | null {
  const e = appointmentsOf(doc).get(id);
  return e instanceof Y.Map && !movedOut(e) ? toAppointment(id, e) : null;
}

/** An entry left behind when its appointment moved to another month: the appointment lives there now. */
function movedOut(e: Entry): boolean {
  const m = e.get('movedTo');
  return typeof m === 'string' && m !== '';
}

/** All appointments, optionally only those overlapping [from, to) (UTC ISO) or of one provider; sorted by start. */
export function listAppointments(doc: Y.Doc, filter: { from?: string; to?: string; providerId?: string } = {}): Appointment[] {
  const out: Appointment[] = [];
  appointmentsOf(doc).forEach((e, id) => {
    if (!(e instanceof Y.Map) || movedOut(e)) return;
    const a = toAppointment(id, e);
    if (!a) return;
    if (filter.providerId && a.providerId !== filter.providerId) return;
    if (filter.from && a.end <= filter.from) return;
    if (filter.to && a.start >= filter.to) return;
    out.push(a);
  });
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
}

/** Double bookings in the whole schedule, including those that only appeared when two offline devices merged. */
export function scheduleConflicts(doc: Y.Doc): Conflict[] {
  return findConflicts(listAppointments(doc));
}

// ── Helpers ──────────────────────────────────────────────────────────────

function touch(e: Entry, actor: Actor, now = nowIso()): void {
  e.set('updatedAt', now);
  e.set('updatedBy', actor.name);
}

export function readOrThrow(doc: Y.Doc, id: string): Appointment {
  const a = readAppointment(doc, id);
  if (!a) throw new AppError('not-found', 'That appointment does not exist.');
  return a;
}

export function decide(current: Appointment, event: AppointmentEvent, actor: Actor): AppointmentState {
  const r = transition(current.state, event, actor.name, nowIso());
  if (!r.ok) throw new AppError('conflict', r.reason);
  return r.state;
}

/** Refuses (AppError 'conflict') a candidate time that overlaps one of `nearby` for the same provider or patient. */
export function refuseOverlap(nearby: readonly Appointment[], candidate: Pick<Appointment, 'id' | 'providerId' | 'patientId' | 'start' | 'end'>): void {
  const probe: Appointment = { ...candidate, typeId: '', mode: 'in-person', state: { status: 'booked' }, createdAt: '', createdBy: '', updatedAt: '', updatedBy: '' };
  const others = nearby.filter((a) => a.id !== candidate.id && a.end > candidate.start && a.start < candidate.end && holdsTime(a));
  const clash = findConflicts([...others, probe]).find((c) => c.first === candidate.id || c.second === candidate.id);
  if (clash) {
    const who = clash.kind === 'provider' ? 'The provider' : 'The patient';
    throw new AppError('conflict', `${who} already has an appointment at that time.`);
  }
}

/** Builds the domain value from stored fields; null when a required field is missing or mistyped (a partial write from an older client). */
function toAppointment(id: string, e: Entry): Appointment | null {
  const start = str(e, 'start');
  const end = str(e, 'end');
  const providerId = str(e, 'providerId');
  if (!start || !end || !providerId || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) return null;
  const mode = str(e, 'mode');
  return {
    id,
    providerId,
    patientId: str(e, 'patientId'),
    typeId: str(e, 'typeId'),
    mode: (APPOINTMENT_MODES as readonly string[]).includes(mode) ? (mode as Appointment['mode']) : 'in-person',
    start,
    end,
    state: stateOf(e),
    createdAt: str(e, 'createdAt'),
    createdBy: str(e, 'createdBy'),
    updatedAt: str(e, 'updatedAt'),
    updatedBy: str(e, 'updatedBy')
  };
}

function stateOf(e: Entry): AppointmentState {
  const raw = str(e, 'status', 'booked');
  const status = (APPOINTMENT_STATUSES as readonly string[]).includes(raw) ? (raw as AppointmentState['status']) : 'booked';
  if (status === 'booked') return { status };
  const stamp = { at: str(e, 'statusAt'), by: str(e, 'statusBy') };
  if (status === 'cancelled') return { status, reason: str(e, 'cancelReason'), ...stamp };
  return { status, ...stamp };
}
