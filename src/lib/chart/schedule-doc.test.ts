import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { freeSlots } from '../domain/scheduling';
import {
  addAppointment,
  applyAppointmentEvent,
  cancelAppointment,
  checkIn,
  initScheduleDoc,
  isScheduleDoc,
  listAppointments,
  listProviders,
  listAppointmentTypes,
  markNoShow,
  readAppointment,
  readAvailability,
  rescheduleAppointment,
  scheduleConflicts,
  scheduleDocName,
  scheduleTimeZone,
  setAppointmentType,
  setProvider,
  setAvailability
} from './schedule-doc';

const desk = { id: 'u1', name: 'Front Desk' };
const desk2 = { id: 'u2', name: 'Second Desk' };
const P1 = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
const P2 = '9c0b1a52-7f0e-4c61-9a49-0b7f5f6c2d10';
const NINE = '2026-07-13T07:00:00.000Z'; // Monday 09:00 in Berlin

function seededSchedule(): Y.Doc {
  const doc = new Y.Doc();
  initScheduleDoc(doc, 'clinic-1');
  setAppointmentType(doc, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 30 });
  setAppointmentType(doc, { id: 'video', name: 'Video visit', mode: 'video', minutes: 20 });
  setAvailability(doc, {
    providerId: 'dr-a',
    timeZone: 'Europe/Berlin',
    weekly: [{ weekday: 1, start: '09:00', end: '12:00' }],
    blocked: []
  });
  return doc;
}

/** Two replicas that exchange nothing until `merge()`: two front-desk devices offline. */
function replicas(seed: Y.Doc) {
  const a = new Y.Doc();
  const b = new Y.Doc();
  Y.applyUpdate(a, Y.encodeStateAsUpdate(seed));
  Y.applyUpdate(b, Y.encodeStateAsUpdate(seed));
  const merge = () => {
    const ua = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
    const ub = Y.encodeStateAsUpdate(b, Y.encodeStateVector(a));
    Y.applyUpdate(b, ua);
    Y.applyUpdate(a, ub);
  };
  return { a, b, merge };
}

test('document name carries the clinic id only', () => {
  expect(scheduleDocName('c1')).toBe('schedule:c1');
});

describe('booking', () => {
  test('book, read back with the end taken from the type, and mode copied', () => {
    const doc = seededSchedule();
    const id = addAppointment(doc, { providerId: 'dr-a', patientId: P1, typeId: 'video', start: '2026-07-13T09:00:00+02:00' }, desk);
    expect(readAppointment(doc, id)).toMatchObject({ start: NINE, end: '2026-07-13T07:20:00.000Z', mode: 'video', state: { status: 'booked' }, createdBy: 'Front Desk' });
    expect(listAppointmentTypes(doc).map((t) => t.id)).toEqual(['consult', 'video']);
  });

  test('a double booking this device can see is refused; a deliberate one is allowed and shown', () => {
    const doc = seededSchedule();
    addAppointment(doc, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    expect(() => addAppointment(doc, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: '2026-07-13T07:15:00Z' }, desk)).toThrow(/already has an appointment/);
    addAppointment(doc, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: NINE }, desk, { allowOverlap: true });
    expect(scheduleConflicts(doc)).toHaveLength(1);
  });

  test('unknown type and invalid input are refused with readable errors', () => {
    const doc = seededSchedule();
    expect(() => addAppointment(doc, { providerId: 'dr-a', patientId: P1, typeId: 'nope', start: NINE }, desk)).toThrow(/does not exist/);
    expect(() => addAppointment(doc, { providerId: 'dr-a', patientId: 'not-a-uuid', typeId: 'consult', start: NINE }, desk)).toThrow(/not valid/);
  });

  test('booked slots leave the free-slot list', () => {
    const doc = seededSchedule();
    addAppointment(doc, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    const slots = freeSlots(readAvailability(doc, 'dr-a')!, listAppointments(doc), '2026-07-13', { minutes: 30 });
    expect(slots[0].start).toBe('2026-07-13T07:30:00.000Z');
  });
});

describe('life cycle', () => {
  test('reschedule keeps the length; cancelling needs a reason and frees the slot', () => {
    const doc = seededSchedule();
    const id = addAppointment(doc, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    rescheduleAppointment(doc, id, { start: '2026-07-13T08:00:00Z' }, desk2);
    expect(readAppointment(doc, id)).toMatchObject({ start: '2026-07-13T08:00:00.000Z', end: '2026-07-13T08:30:00.000Z', updatedBy: 'Second Desk' });
    expect(() => cancelAppointment(doc, id, ' ', desk)).toThrow(/not valid/);
    cancelAppointment(doc, id, 'Patient called', desk);
    expect(readAppointment(doc, id)?.state).toMatchObject({ status: 'cancelled', reason: 'Patient called', by: 'Front Desk' });
    addAppointment(doc, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: '2026-07-13T08:00:00Z' }, desk);
  });

  test('check-in → start → finish; a finished visit cannot be cancelled or moved', () => {
    const doc = seededSchedule();
    const id = addAppointment(doc, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    checkIn(doc, id, desk);
    applyAppointmentEvent(doc, id, { type: 'start' }, desk);
    applyAppointmentEvent(doc, id, { type: 'finish' }, desk);
    expect(readAppointment(doc, id)?.state.status).toBe('finished');
    expect(() => cancelAppointment(doc, id, 'Oops', desk)).toThrow(/finished appointment cannot be cancelled/);
    expect(() => rescheduleAppointment(doc, id, { start: NINE }, desk)).toThrow(/cannot be rescheduled/);
  });

  test('no-show frees the time', () => {
    const doc = seededSchedule();
    const id = addAppointment(doc, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    markNoShow(doc, id, desk);
    expect(() => checkIn(doc, id, desk)).toThrow(/no-show/);
    addAppointment(doc, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: NINE }, desk);
  });
});

describe('offline devices', () => {
  test('two devices booking the same slot offline merge into a visible conflict, on both', () => {
    const { a, b, merge } = replicas(seededSchedule());
    const idA = addAppointment(a, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    const idB = addAppointment(b, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: NINE }, desk2);
    expect(scheduleConflicts(a)).toEqual([]);
    merge();
    const expected = [{ kind: 'provider', subjectId: 'dr-a', first: [idA, idB].sort()[0], second: [idA, idB].sort()[1], start: NINE, end: '2026-07-13T07:30:00.000Z' }];
    expect(scheduleConflicts(a)).toEqual(expected);
    expect(scheduleConflicts(b)).toEqual(expected);
  });

  test('the conflict clears once either device cancels one of the two', () => {
    const { a, b, merge } = replicas(seededSchedule());
    const idA = addAppointment(a, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    addAppointment(b, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: NINE }, desk2);
    merge();
    cancelAppointment(b, idA, 'Double booked', desk2);
    merge();
    expect(scheduleConflicts(a)).toEqual([]);
  });

  test('a reschedule on one device and a check-in on another both survive', () => {
    const seed = seededSchedule();
    const id = addAppointment(seed, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: NINE }, desk);
    const { a, b, merge } = replicas(seed);
    rescheduleAppointment(a, id, { start: '2026-07-13T07:30:00Z' }, desk);
    checkIn(b, id, desk2);
    merge();
    expect(readAppointment(a, id)).toMatchObject({ start: '2026-07-13T07:30:00.000Z', state: { status: 'checked-in' } });
    expect(readAppointment(b, id)).toEqual(readAppointment(a, id));
  });

  test('a malformed appointment written by another client is skipped, not thrown', () => {
    const doc = seededSchedule();
    doc.getMap('appointments').set('junk', new Y.Map());
    expect(listAppointments(doc)).toEqual([]);
  });
});

describe('providers and the clinic time zone', () => {
  test('the roster lists active providers first, by name, and keeps inactive ones', () => {
    const doc = new Y.Doc();
    initScheduleDoc(doc, 'clinic-1', 'Africa/Nairobi');
    setProvider(doc, { id: 'dr-b', name: 'Dr. Bello', active: true });
    setProvider(doc, { id: 'dr-a', name: 'Dr. Adeyemi', active: false });
    setProvider(doc, { id: 'rn-c', name: 'Nurse Cole', active: true });
    expect(listProviders(doc).map((p) => p.id)).toEqual(['dr-b', 'rn-c', 'dr-a']);
    expect(isScheduleDoc(doc)).toBe(true);
    expect(scheduleTimeZone(doc)).toBe('Africa/Nairobi');
  });

  test('refuses a nameless provider and an unknown zone', () => {
    const doc = seededSchedule();
    expect(() => setProvider(doc, { id: 'x', name: '  ', active: true })).toThrow(/provider is not valid/);
    expect(() => initScheduleDoc(new Y.Doc(), 'clinic-1', 'Mars/Olympus')).toThrow(/time zone/);
    // A document without a stored zone (an older client) falls back to UTC rather than the device's zone.
    expect(scheduleTimeZone(doc)).toBe('UTC');
    expect(isScheduleDoc(new Y.Doc())).toBe(false);
  });
});
