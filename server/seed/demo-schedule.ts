import * as Y from 'yjs';
import {
  addAppointment,
  applyAppointmentEvent,
  checkIn,
  initScheduleDoc,
  listAppointments,
  markNoShow,
  setAppointmentType,
  setAvailability,
  setProvider
} from '../../src/lib/chart/schedule-doc';
import type { Actor } from '../../src/lib/domain/chart';
import { AppError } from '../../src/lib/domain/errors';
import {
  addDays,
  dayOf,
  freeSlots,
  isTimeZone,
  minutesOf,
  zonedToInstant,
  type AppointmentType,
  type Availability
} from '../../src/lib/domain/scheduling';
import { mulberry32, pick, uuidFrom, type Random } from './prng';

/**
 * The demo clinic's appointment book: four appointment types, two providers
 * with working hours, and appointments from yesterday to the day after
 * tomorrow (a little over half the slots taken, so there is room to book).
 * Built relative to the day the server seeds, so "today" has appointments
 * on every clinic day (Monday to Saturday; the clinic is closed on Sundays).
 */

export const DEMO_APPOINTMENT_TYPES: readonly AppointmentType[] = [
  { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 30 },
  { id: 'follow-up', name: 'Follow-up', mode: 'in-person', minutes: 15 },
  { id: 'new-patient', name: 'New patient', mode: 'in-person', minutes: 45 },
  { id: 'video', name: 'Video visit', mode: 'video', minutes: 30 }
];

export interface DemoScheduleInput {
  clinicId: string;
  timeZone: string;
  /** Their user ids become provider ids, so each sees their own day. */
  clinician: { id: string; name: string };
  nurse: { id: string; name: string };
  patientIds: readonly string[];
  actor: Actor;
  now?: number;
}

const hours = (days: number[], start: string, end: string) => days.map((weekday) => ({ weekday, start, end }));
const at = (day: string, hhmm: string, timeZone: string) => new Date(zonedToInstant(day, minutesOf(hhmm), timeZone)).toISOString();

export function buildDemoSchedule(input: DemoScheduleInput): Y.Doc {
  const timeZone = isTimeZone(input.timeZone) ? input.timeZone : 'UTC';
  const now = input.now ?? Date.now();
  const today = dayOf(now, timeZone);
  const tomorrow = addDays(today, 1);
  const doc = new Y.Doc();
  initScheduleDoc(doc, input.clinicId, timeZone);
  for (const t of DEMO_APPOINTMENT_TYPES) setAppointmentType(doc, t);
  setProvider(doc, { ...input.clinician, active: true });
  setProvider(doc, { ...input.nurse, active: true });
  const availability: Availability[] = [
    {
      providerId: input.clinician.id,
      timeZone,
      weekly: [...hours([1, 2, 3, 4, 5], '08:00', '12:00'), ...hours([1, 2, 3, 4, 5], '13:00', '17:00'), ...hours([6], '09:00', '12:00')],
      blocked: [{ id: 'team-meeting', start: at(tomorrow, '15:00', timeZone), end: at(tomorrow, '16:00', timeZone), reason: 'Team meeting' }]
    },
    { providerId: input.nurse.id, timeZone, weekly: [...hours([1, 2, 3, 4, 5], '08:00', '16:00'), ...hours([6], '09:00', '12:00')], blocked: [] }
  ];
  for (const a of availability) setAvailability(doc, a);

  const rand = mulberry32(20260713);
  const types = new Map(DEMO_APPOINTMENT_TYPES.map((t) => [t.id, t]));
  const mix: Record<string, string[]> = {
    [input.clinician.id]: ['consult', 'follow-up', 'video', 'new-patient', 'consult', 'video'],
    [input.nurse.id]: ['follow-up', 'consult', 'follow-up']
  };
  let nextPatient = 0;
  for (const offset of [-1, 0, 1, 2]) {
    const day = addDays(today, offset);
    for (const a of availability) {
      let cursor = 0;
      for (;;) {
        const type = types.get(pick(rand, mix[a.providerId]))!;
        const [slot] = freeSlots(a, listAppointments(doc), day, type, { stepMinutes: 15, notBefore: cursor });
        if (!slot) break;
        cursor = Date.parse(slot.end);
        if (rand() < 0.35) continue; // leave the slot free
        const patientId = input.patientIds[nextPatient++ % input.patientIds.length];
        let id: string;
        try {
          id = addAppointment(doc, { providerId: a.providerId, patientId, typeId: type.id, start: slot.start }, input.actor, { id: uuidFrom(rand) });
        } catch (err) {
          if (err instanceof AppError && err.code === 'conflict') continue; // that patient is with the other provider then
          throw err;
        }
        settle(doc, id, Date.parse(slot.start), now, input.actor, rand);
      }
    }
  }
  return doc;
}

/** Past appointments were seen (or missed); the one running now has its patient checked in. */
function settle(doc: Y.Doc, id: string, start: number, now: number, actor: Actor, rand: Random): void {
  if (start > now) return;
  if (rand() < 0.12) {
    markNoShow(doc, id, actor);
    return;
  }
  checkIn(doc, id, actor);
  if (now - start < 30 * 60_000) return;
  applyAppointmentEvent(doc, id, { type: 'start' }, actor);
  applyAppointmentEvent(doc, id, { type: 'finish' }, actor);
}
