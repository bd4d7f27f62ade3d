import { z } from 'zod';
import { initScheduleDoc, isScheduleDoc, listAppointmentTypes, listProviders, readAvailability, scheduleTimeZone } from '../../src/lib/chart/schedule-doc';
import { bookAppointments, bookInto, cancelIn, readBookAppointment, rescheduleIn } from '../../src/lib/chart/schedule-months';
import { AppError } from '../../src/lib/domain/errors';
import { portalRefusal, type PortalRefusalCode } from '../../src/lib/domain/portal-refusals';
import { loadStoredBook, monthsAround, type StoredBook } from '../sync/stored-book';
import { isUuid } from '../../src/lib/domain/doc-names';
import {
  offeredSlots,
  patientMayChange,
  patientMayJoin,
  selfBookingPolicySchema,
  slotProblem,
  type SelfBookingPolicy,
  type SlotProblem
} from '../../src/lib/domain/portal/self-booking';
import { findConflicts, type Appointment, type AppointmentType, type Availability } from '../../src/lib/domain/scheduling';
import { parseReadable } from '../admin/admin-security-routes';
import { requireAdmin } from '../admin/admin-guard';
import { readJson } from '../http/body';
import { requireUser, type RequestContext, type Route } from '../http/context';
import { sendJson } from '../http/errors';
import type { PatientJoinIssuer } from '../telehealth/patient-join';
import type { Audit, SessionUser, SyncService } from '../types';
import type { BookingRequestKind, BookingStore } from './booking-store';
import { isPatientSession } from './patient-gate';
import type { PortalStore } from './portal-store';
import { PortalWriteLimiter } from './write-limiter';

/**
 * Patients book, move and cancel their own appointments, and open the join
 * page of a video appointment, over HTTP; the clinic decides what is open.
 *
 * Administrators: GET/POST /api/admin/clinic/self-booking (which appointment
 * types patients may book, how soon and how far ahead; audited).
 *
 * Patient accounts, for a record they hold a live grant to (else 403,
 * audited): GET …/booking (the open types and their appointments),
 * GET …/slots?type= (free times by day, computed here from the clinic's
 * `schedule:` document: providers' working hours, blocked time, booked
 * appointments), POST …/appointments (book), …/appointments/:id/reschedule,
 * …/appointments/:id/cancel and …/appointments/:id/join.
 *
 * Every write carries the device's own `id`; a request seen before is
 * answered as it was the first time and nothing is written again. The
 * server writes into the schedule document itself ('system' origin), one
 * write at a time per clinic, after checking everything again: a type not
 * open to patients, a time not offered, a time already taken (409), another
 * patient's appointment or one already past are refused with a reason the
 * patient can read. A front-desk device that booked the same time while
 * offline merges later: both appointments stay, and the schedule screen
 * shows the double booking (conflicts.ts); the patient's list says that the
 * clinic will confirm the time.
 */
export interface BookingRouteDeps {
  audit: Audit;
  store: BookingStore;
  portal: Pick<PortalStore, 'grant'>;
  sync: Pick<SyncService, 'readState' | 'applyServerUpdate'>;
  /** Null when video is not configured on this server. */
  join: PatientJoinIssuer | null;
  now?: () => number;
  /** Bounds new writes per account (write-limiter.ts); one is made when not given. */
  limiter?: PortalWriteLimiter;
}

const R = '/api/portal/records/:patientId';

/** Routes a patient session may call (the patient gate lets these through). */
export const BOOKING_PATIENT_ROUTES = [
  `GET ${R}/booking`,
  `GET ${R}/slots`,
  `POST ${R}/appointments`,
  `POST ${R}/appointments/:appointmentId/reschedule`,
  `POST ${R}/appointments/:appointmentId/cancel`,
  `POST ${R}/appointments/:appointmentId/join`
] as const;

const BODY_LIMIT = 4 * 1024;
const requestId = z.uuid({ error: 'Each request needs its own id (a UUID made on the device)' });
const instant = z.iso.datetime({ offset: true, error: 'Give the time as an ISO date and time' }).transform((s) => new Date(s).toISOString());
const providerId = z.string({ error: 'Choose a time with a provider' }).min(1, 'Choose a time with a provider').max(100);

const bookSchema = z
  .object({ id: requestId, typeId: z.string({ error: 'Choose the kind of appointment' }).min(1, 'Choose the kind of appointment').max(100), start: instant, providerId })
  .strict();
const rescheduleSchema = z.object({ id: requestId, start: instant, providerId }).strict();
const cancelSchema = z.object({ id: requestId, reason: z.string().trim().max(300, 'Keep the reason under 300 characters').optional() }).strict();


const PROBLEM: Record<SlotProblem, PortalRefusalCode> = {
  'outside-window': 'booking.outside-window',
  'not-offered': 'booking.not-offered',
  taken: 'booking.taken',
  'patient-busy': 'booking.patient-busy'
};

interface Book {
  doc: StoredBook;
  types: AppointmentType[];
  appointments: Appointment[];
  timeZone: string;
  availability: Availability[];
  providerNames: Map<string, string>;
}

/** The months online booking reads: the last one (appointments still changeable) through a year ahead (further than any self-booking window). */
const BOOKING_MONTHS = { before: 1, after: 12 };

function readBook(book: StoredBook): Book {
  const doc = book.settings;
  const providers = listProviders(doc);
  return {
    doc: book,
    types: listAppointmentTypes(doc),
    appointments: bookAppointments(book),
    timeZone: scheduleTimeZone(doc),
    availability: providers.filter((p) => p.active).flatMap((p) => readAvailability(doc, p.id) ?? []),
    providerNames: new Map(providers.map((p) => [p.id, p.name]))
  };
}

export function bookingRoutes(deps: BookingRouteDeps): Route[] {
  const { audit, store } = deps;
  const now = deps.now ?? Date.now;
  const limiter = deps.limiter ?? new PortalWriteLimiter({ audit, now });
  /** One schedule write at a time per clinic: the check and the write see the same book. */
  const queues = new Map<string, Promise<unknown>>();
  function serial<T>(clinicId: string, work: () => Promise<T>): Promise<T> {
    const next = (queues.get(clinicId) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(clinicId, tail);
    void tail.then(() => {
      if (queues.get(clinicId) === tail) queues.delete(clinicId);
    });
    return next;
  }

  function grantFor(ctx: RequestContext) {
    const user = requireUser(ctx);
    const patientId = ctx.params.patientId;
    const grant = isPatientSession(user.roles) && isUuid(patientId) ? deps.portal.grant(user.id, patientId) : null;
    if (!grant || grant.clinicId !== user.clinicId) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'portal:booking', ip: ctx.ip, detail: { reason: 'no-grant' } });
      throw portalRefusal('record.not-yours');
    }
    return { user, grant };
  }

  function loadDoc(clinicId: string): Promise<StoredBook> {
    return loadStoredBook(deps.sync, clinicId, monthsAround(now(), BOOKING_MONTHS.before, BOOKING_MONTHS.after));
  }

  async function withBook<T>(clinicId: string, read: (book: Book) => T): Promise<T> {
    const doc = await loadDoc(clinicId);
    try {
      return read(readBook(doc));
    } finally {
      doc.destroy();
    }
  }

  function openType(book: Book, policy: SelfBookingPolicy, typeId: string): AppointmentType | null {
    return policy.typeIds.includes(typeId) ? (book.types.find((t) => t.id === typeId) ?? null) : null;
  }

  /** The patient's own appointment, or 404 (another patient's answers the same, and is audited). */
  function ownAppointment(ctx: RequestContext, user: SessionUser, book: Book, patientId: string): Appointment {
    const id = ctx.params.appointmentId;
    const a = id && id.length <= 100 ? readBookAppointment(book.doc, id) : null;
    if (a && a.patientId !== patientId) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'portal:booking', ip: ctx.ip, detail: { reason: 'not-own-appointment', appointment: a.id } });
    }
    if (!a || a.patientId !== patientId) throw portalRefusal('booking.no-appointment');
    return a;
  }

  /** What the patient's list shows of one appointment: no other patient, ever; whether the clinic must still confirm it (double booked). */
  function portalAppointment(book: Book, a: Appointment, doubleBooked: Set<string>, policy: SelfBookingPolicy) {
    const t = now();
    const type = book.types.find((x) => x.id === a.typeId);
    return {
      id: a.id,
      start: a.start,
      end: a.end,
      status: a.state.status,
      mode: a.mode,
      typeId: a.typeId,
      type: type?.name ?? '',
      providerId: a.providerId,
      provider: book.providerNames.get(a.providerId) ?? '',
      needsConfirming: doubleBooked.has(a.id),
      canCancel: patientMayChange(a, t),
      canReschedule: patientMayChange(a, t) && policy.typeIds.includes(a.typeId),
      canJoin: patientMayJoin(a, t)
    };
  }

  /** Appointments of this patient caught in a provider double booking. */
  function doubleBookedOf(book: Book, patientId: string): Set<string> {
    const mine = new Set(book.appointments.filter((a) => a.patientId === patientId).map((a) => a.id));
    const out = new Set<string>();
    for (const c of findConflicts(book.appointments)) {
      if (c.kind !== 'provider') continue;
      if (mine.has(c.first)) out.add(c.first);
      if (mine.has(c.second)) out.add(c.second);
    }
    return out;
  }

  /** A request id seen before: the same answer again (200), or a refusal when the id was used for something else. */
  function replay(ctx: RequestContext, id: string, kind: BookingRequestKind, patientId: string, userId: string): unknown | null {
    const seen = store.request(id);
    if (!seen) return null;
    if (seen.kind !== kind || seen.patientId !== patientId || seen.userId !== userId || (kind !== 'book' && seen.appointmentId !== ctx.params.appointmentId)) {
      throw portalRefusal('request.id-reused');
    }
    return seen.answer;
  }

  async function write(doc: StoredBook, userId: string): Promise<void> {
    await doc.save(userId, 'system');
  }

  const actorOf = (user: SessionUser) => ({ id: user.id, name: `${user.name} (online booking)` });

  function audited(ctx: RequestContext, user: SessionUser, patientId: string, action: 'portal.booking' | 'portal.record', detail: Record<string, unknown>, outcome: 'success' | 'failure' = 'success'): void {
    audit.record({ action, outcome, userId: user.id, target: `chart:${patientId}`, ip: ctx.ip, detail });
  }

  function refuse(ctx: RequestContext, user: SessionUser, patientId: string, interaction: 'book' | 'reschedule' | 'cancel' | 'join', reason: string, err: AppError): never {
    audited(ctx, user, patientId, 'portal.booking', { interaction, reason }, 'failure');
    throw err;
  }

  return [
    // ── Administrators ──────────────────────────────────────────────────
    {
      method: 'GET',
      path: '/api/admin/clinic/self-booking',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const types = await withBook(admin.clinicId, (b) => b.types);
        sendJson(ctx.res, 200, { ...store.view(admin.clinicId), types });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/clinic/self-booking',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const policy = parseReadable(selfBookingPolicySchema, await readJson(ctx.req, BODY_LIMIT));
        const types = await withBook(admin.clinicId, (b) => b.types);
        const unknown = policy.typeIds.filter((id) => !types.some((t) => t.id === id));
        if (unknown.length > 0) throw new AppError('invalid', 'That appointment type does not exist in the clinic’s schedule.', [{ path: 'typeIds', message: 'Unknown appointment type' }]);
        const before = store.setPolicy(admin.clinicId, policy, admin.id);
        audit.record({ action: 'clinic.settings', outcome: 'success', userId: admin.id, target: `clinic:${admin.clinicId}`, detail: { changed: { selfBooking: { from: before, to: policy } }, via: 'admin-console' }, ip: ctx.ip });
        sendJson(ctx.res, 200, { ...store.view(admin.clinicId), types });
      }
    },

    // ── Patient accounts ────────────────────────────────────────────────
    {
      method: 'GET',
      path: `${R}/booking`,
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const policy = store.policy(grant.clinicId);
        const body = await withBook(grant.clinicId, (book) => {
          const doubleBooked = doubleBookedOf(book, grant.patientId);
          return {
            timeZone: book.timeZone,
            minNoticeHours: policy.minNoticeHours,
            maxDaysAhead: policy.maxDaysAhead,
            types: book.types.filter((t) => policy.typeIds.includes(t.id)).map((t) => ({ id: t.id, name: t.name, mode: t.mode, minutes: t.minutes })),
            appointments: book.appointments.filter((a) => a.patientId === grant.patientId).map((a) => portalAppointment(book, a, doubleBooked, policy))
          };
        });
        audited(ctx, user, grant.patientId, 'portal.record', { interaction: 'booking', count: body.appointments.length, relation: grant.relation });
        sendJson(ctx.res, 200, body);
      }
    },
    {
      method: 'GET',
      path: `${R}/slots`,
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const typeId = ctx.url.searchParams.get('type') ?? '';
        const moving = ctx.url.searchParams.get('appointment');
        const policy = store.policy(grant.clinicId);
        const body = await withBook(grant.clinicId, (book) => {
          const type = openType(book, policy, typeId);
          if (!type) throw portalRefusal('booking.type-closed');
          const ignoreId = moving ? book.appointments.find((a) => a.id === moving && a.patientId === grant.patientId)?.id : undefined;
          const days = offeredSlots({ availability: book.availability, appointments: book.appointments, type, policy, timeZone: book.timeZone, now: now(), patientId: grant.patientId, ignoreId });
          const names = Object.fromEntries(book.availability.map((a) => [a.providerId, book.providerNames.get(a.providerId) ?? '']));
          return { type: { id: type.id, name: type.name, mode: type.mode, minutes: type.minutes }, timeZone: book.timeZone, providers: names, days };
        });
        audited(ctx, user, grant.patientId, 'portal.record', { interaction: 'slots', type: typeId, days: body.days.length });
        sendJson(ctx.res, 200, body);
      }
    },
    {
      method: 'POST',
      path: `${R}/appointments`,
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const body = parseReadable(bookSchema, await readJson(ctx.req, BODY_LIMIT));
        const answer = await serial(grant.clinicId, async () => {
          const again = replay(ctx, body.id, 'book', grant.patientId, user.id);
          if (again) return { status: 200, answer: again };
          limiter.assertAllowed(ctx, user, 'booking', `schedule:${grant.clinicId}`);
          const policy = store.policy(grant.clinicId);
          const doc = await loadDoc(grant.clinicId);
          try {
            const book = readBook(doc);
            if (book.appointments.some((a) => a.id === body.id)) throw portalRefusal('request.id-reused');
            const type = openType(book, policy, body.typeId);
            if (!type) refuse(ctx, user, grant.patientId, 'book', 'type-not-open', portalRefusal('booking.type-closed'));
            const availability = book.availability.find((a) => a.providerId === body.providerId) ?? null;
            const problem = slotProblem({ availability, appointments: book.appointments, type, policy, timeZone: book.timeZone, now: now(), patientId: grant.patientId }, body.start);
            if (problem) refuse(ctx, user, grant.patientId, 'book', problem, portalRefusal(PROBLEM[problem]));
            if (!isScheduleDoc(doc.settings)) initScheduleDoc(doc.settings, grant.clinicId);
            bookInto(doc, { providerId: body.providerId, patientId: grant.patientId, typeId: type.id, start: body.start }, actorOf(user), { id: body.id });
            await write(doc, user.id);
            const after = readBook(doc);
            const made = portalAppointment(after, readBookAppointment(doc, body.id)!, doubleBookedOf(after, grant.patientId), policy);
            limiter.record(user, 'booking');
            store.keepRequest(body.id, { clinicId: grant.clinicId, patientId: grant.patientId, userId: user.id, kind: 'book', appointmentId: body.id, answer: { appointment: made } });
            audited(ctx, user, grant.patientId, 'portal.booking', { interaction: 'book', appointment: body.id, type: type.id, relation: grant.relation });
            return { status: 201, answer: { appointment: made } };
          } finally {
            doc.destroy();
          }
        });
        sendJson(ctx.res, answer.status, answer.answer);
      }
    },
    {
      method: 'POST',
      path: `${R}/appointments/:appointmentId/reschedule`,
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const body = parseReadable(rescheduleSchema, await readJson(ctx.req, BODY_LIMIT));
        const answer = await serial(grant.clinicId, async () => {
          const again = replay(ctx, body.id, 'reschedule', grant.patientId, user.id);
          if (again) return again;
          limiter.assertAllowed(ctx, user, 'booking', `schedule:${grant.clinicId}`);
          const policy = store.policy(grant.clinicId);
          const doc = await loadDoc(grant.clinicId);
          try {
            const book = readBook(doc);
            const a = ownAppointment(ctx, user, book, grant.patientId);
            if (!patientMayChange(a, now())) refuse(ctx, user, grant.patientId, 'reschedule', 'not-changeable', portalRefusal('booking.not-movable'));
            const type = openType(book, policy, a.typeId);
            if (!type) refuse(ctx, user, grant.patientId, 'reschedule', 'type-not-open', portalRefusal('booking.type-closed-move'));
            const availability = book.availability.find((x) => x.providerId === body.providerId) ?? null;
            const problem = slotProblem({ availability, appointments: book.appointments, type, policy, timeZone: book.timeZone, now: now(), patientId: grant.patientId, ignoreId: a.id }, body.start);
            if (problem) refuse(ctx, user, grant.patientId, 'reschedule', problem, portalRefusal(PROBLEM[problem]));
            rescheduleIn(doc, a.id, { start: body.start, providerId: body.providerId }, actorOf(user));
            await write(doc, user.id);
            const after = readBook(doc);
            const moved = { appointment: portalAppointment(after, readBookAppointment(doc, a.id)!, doubleBookedOf(after, grant.patientId), policy) };
            limiter.record(user, 'booking');
            store.keepRequest(body.id, { clinicId: grant.clinicId, patientId: grant.patientId, userId: user.id, kind: 'reschedule', appointmentId: a.id, answer: moved });
            audited(ctx, user, grant.patientId, 'portal.booking', { interaction: 'reschedule', appointment: a.id, relation: grant.relation });
            return moved;
          } finally {
            doc.destroy();
          }
        });
        sendJson(ctx.res, 200, answer);
      }
    },
    {
      method: 'POST',
      path: `${R}/appointments/:appointmentId/cancel`,
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const body = parseReadable(cancelSchema, await readJson(ctx.req, BODY_LIMIT));
        const answer = await serial(grant.clinicId, async () => {
          const again = replay(ctx, body.id, 'cancel', grant.patientId, user.id);
          if (again) return again;
          limiter.assertAllowed(ctx, user, 'booking', `schedule:${grant.clinicId}`);
          const policy = store.policy(grant.clinicId);
          const doc = await loadDoc(grant.clinicId);
          try {
            const book = readBook(doc);
            const a = ownAppointment(ctx, user, book, grant.patientId);
            if (!patientMayChange(a, now())) {
              refuse(ctx, user, grant.patientId, 'cancel', 'not-changeable', portalRefusal('booking.not-cancellable'));
            }
            cancelIn(doc, a.id, body.reason ? `Cancelled online by the patient: ${body.reason}` : 'Cancelled online by the patient', actorOf(user));
            await write(doc, user.id);
            const after = readBook(doc);
            const cancelled = { appointment: portalAppointment(after, readBookAppointment(doc, a.id)!, doubleBookedOf(after, grant.patientId), policy) };
            limiter.record(user, 'booking');
            store.keepRequest(body.id, { clinicId: grant.clinicId, patientId: grant.patientId, userId: user.id, kind: 'cancel', appointmentId: a.id, answer: cancelled });
            audited(ctx, user, grant.patientId, 'portal.booking', { interaction: 'cancel', appointment: a.id, relation: grant.relation });
            return cancelled;
          } finally {
            doc.destroy();
          }
        });
        sendJson(ctx.res, 200, answer);
      }
    },
    {
      method: 'POST',
      path: `${R}/appointments/:appointmentId/join`,
      async handler(ctx) {
        const { user, grant } = grantFor(ctx);
        const a = await withBook(grant.clinicId, (book) => ownAppointment(ctx, user, book, grant.patientId));
        if (a.mode !== 'video') refuse(ctx, user, grant.patientId, 'join', 'not-video', portalRefusal('booking.not-video'));
        if (!patientMayJoin(a, now())) refuse(ctx, user, grant.patientId, 'join', 'not-now', portalRefusal('booking.join-not-now'));
        if (!deps.join) throw portalRefusal('booking.video-off');
        const { path } = deps.join({ clinicId: grant.clinicId, patientId: grant.patientId, appointmentId: a.id, appointmentEnd: a.end, userId: user.id, ip: ctx.ip });
        sendJson(ctx.res, 200, { path });
      }
    }
  ];
}
