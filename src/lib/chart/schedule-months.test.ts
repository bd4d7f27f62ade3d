import { describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { addAppointment, appointmentIds, cancelAppointment, checkIn, initScheduleDoc, listAppointments, readAppointment, rescheduleAppointment, setAppointmentType } from './schedule-doc';
import { bookAppointments, bookInto, cancelIn, eventIn, memoryBook, readBookAppointment, rescheduleIn, splitIntoMonths, type MonthlyBook } from './schedule-months';

const CLINIC = '0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const P1 = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
const P2 = '9c0b1a52-7f0e-4c61-9a49-0b7f5f6c2d10';
const desk = { id: 'u1', name: 'Front Desk' };

function settings(): Y.Doc {
  const doc = new Y.Doc();
  initScheduleDoc(doc, CLINIC, 'Africa/Nairobi');
  setAppointmentType(doc, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 30 });
  return doc;
}

/** A book written before months: a year and a half of appointments in the one document, some cancelled, some checked in, one moved. */
function oldBook(): Y.Doc {
  const doc = settings();
  const days = ['2025-06-30T21:00:00.000Z', '2025-07-01T06:00:00.000Z', '2025-12-31T23:30:00.000Z', '2026-01-15T09:00:00.000Z', '2026-11-30T08:00:00.000Z'];
  days.forEach((start, i) => addAppointment(doc, { providerId: 'dr-a', patientId: i % 2 ? P2 : P1, typeId: 'consult', start }, desk, { id: `ap-${i}` }));
  cancelAppointment(doc, 'ap-1', 'Patient travelling', desk);
  checkIn(doc, 'ap-3', desk);
  rescheduleAppointment(doc, 'ap-4', { start: '2026-12-01T08:00:00.000Z' }, desk);
  // A partial write from an old client: no start, so no month.
  doc.getMap('appointments').set('broken', new Y.Map(Object.entries({ id: 'broken', providerId: 'dr-a' })));
  return doc;
}

describe('splitting a book written before months', () => {
  test('every appointment lands in its UTC month with every field; the book keeps its settings and what has no month', () => {
    const old = oldBook();
    const before = listAppointments(old);
    const book = memoryBook(old);
    const result = splitIntoMonths(old, (m) => book.month(m)!, CLINIC);
    expect(result).toEqual({ months: ['2025-06', '2025-07', '2025-12', '2026-01', '2026-12'], moved: 5, kept: 1 });
    expect([...book.months.keys()].sort()).toEqual(['2025-06', '2025-07', '2025-12', '2026-01', '2026-12']);
    // The book keeps every entry, marked split; readers take the months' copies only.
    expect(appointmentIds(old).sort()).toEqual(['ap-0', 'ap-1', 'ap-2', 'ap-3', 'ap-4', 'broken']);
    expect(typeof old.getMap('meta').get('splitIntoMonths')).toBe('string');
    expect(listAppointments(book.months.get('2025-12')!).map((a) => a.id)).toEqual(['ap-2']);
    expect(readAppointment(book.months.get('2025-07')!, 'ap-1')!.state).toMatchObject({ status: 'cancelled', reason: 'Patient travelling' });
    expect(readAppointment(book.months.get('2026-01')!, 'ap-3')!.state.status).toBe('checked-in');
    expect(book.months.get('2026-12')!.getMap('meta').toJSON()).toEqual({ kind: 'schedule', clinicId: CLINIC, month: '2026-12', schemaVersion: 1 });
    // Nothing lost, nothing changed: the same appointments, field for field.
    expect(bookAppointments(book)).toEqual(before);
    expect(old.getMap('appointmentTypes').size).toBe(1);
  });

  test('running it again (after a crash half way, or on every start) copies nothing twice', () => {
    const old = oldBook();
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(old));
    const book = memoryBook(old);
    splitIntoMonths(old, (m) => book.month(m)!, CLINIC);
    const states = [...book.months.entries()].map(([m, d]) => [m, Y.encodeStateVector(d)] as const);
    // The same old book seen again (the mark not yet stored): copies are found, not made again.
    const again = memoryBook(copy, book.months);
    expect(splitIntoMonths(copy, (m) => again.month(m)!, CLINIC)).toEqual({ months: [], moved: 0, kept: 1 });
    for (const [m, sv] of states) expect(Y.encodeStateVector(book.months.get(m)!)).toEqual(sv);
    expect(splitIntoMonths(old, (m) => book.month(m)!, CLINIC)).toEqual({ months: [], moved: 0, kept: 1 });
  });
});

describe('edits that reach the old book after its split', () => {
  test('a later edit and a new booking are carried into their months; an older edit gives way to the month', async () => {
    const old = oldBook();
    const book = memoryBook(old);
    splitIntoMonths(old, (m) => book.month(m)!, CLINIC);
    await new Promise((r) => setTimeout(r, 5));
    // A device still holding the old book: checks ap-0 in, books a new appointment, all in the book.
    checkIn(old, 'ap-0', desk);
    addAppointment(old, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: '2026-02-03T08:00:00.000Z' }, desk, { id: 'late-booking' });
    // Meanwhile the month's copy of ap-2 was cancelled (later than the book's copy): it must stay cancelled.
    cancelIn(book, 'ap-2', 'Unwell', desk);
    expect(splitIntoMonths(old, (m) => book.month(m)!, CLINIC)).toEqual({ months: ['2025-06', '2026-02'], moved: 2, kept: 1 });
    expect(readBookAppointment(book, 'ap-0')!.state.status).toBe('checked-in');
    expect(readBookAppointment(book, 'late-booking')!.start).toBe('2026-02-03T08:00:00.000Z');
    expect(readBookAppointment(book, 'ap-2')!.state).toMatchObject({ status: 'cancelled', reason: 'Unwell' });
    expect(bookAppointments(book).map((a) => a.id)).toEqual(['ap-0', 'ap-1', 'ap-2', 'ap-3', 'late-booking', 'ap-4']);
  });
});

describe('a book by month', () => {
  const months = (book: MonthlyBook) => Object.fromEntries([...book.months].map(([m, d]) => [m, listAppointments(d).map((a) => a.id)]));

  test('booking files the appointment in the month it starts; a double booking across the loaded months is refused', () => {
    const book = memoryBook(settings());
    bookInto(book, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: '2026-03-31T23:45:00.000Z' }, desk, { id: 'late' });
    bookInto(book, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: '2026-04-01T08:00:00.000Z' }, desk, { id: 'april' });
    expect(months(book)).toEqual({ '2026-03': ['late'], '2026-04': ['april'] });
    // 00:00 on 1 April overlaps the 23:45 appointment that belongs to March.
    expect(() => bookInto(book, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: '2026-04-01T00:00:00.000Z' }, desk)).toThrow('The provider already has an appointment at that time.');
    expect(bookAppointments(book, { from: '2026-04-01T00:00:00.000Z', to: '2026-04-02T00:00:00.000Z' }).map((a) => a.id)).toEqual(['late', 'april']);
  });

  test('a month that is not open refuses the booking with a readable error', () => {
    const s = settings();
    const book: MonthlyBook = { settings: s, months: new Map(), month: () => undefined };
    expect(() => bookInto(book, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: '2026-03-02T08:00:00.000Z' }, desk)).toThrow(/not open on this device/);
  });

  test('moving into another month keeps the id; the old month records where it went and no reader shows it twice', () => {
    const book = memoryBook(settings());
    bookInto(book, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: '2026-03-30T08:00:00.000Z' }, desk, { id: 'ap' });
    rescheduleIn(book, 'ap', { start: '2026-04-02T09:00:00.000Z' }, desk);
    expect(months(book)).toEqual({ '2026-03': [], '2026-04': ['ap'] });
    expect(book.months.get('2026-03')!.getMap('appointments').get('ap')).toBeInstanceOf(Y.Map);
    expect((book.months.get('2026-03')!.getMap('appointments').get('ap') as Y.Map<unknown>).get('movedTo')).toBe('2026-04');
    expect(readBookAppointment(book, 'ap')).toMatchObject({ start: '2026-04-02T09:00:00.000Z', end: '2026-04-02T09:30:00.000Z', patientId: P1 });
    expect(bookAppointments(book).map((a) => a.id)).toEqual(['ap']);
    // Later steps go to where it lives now.
    eventIn(book, 'ap', { type: 'check-in' }, desk);
    cancelIn(book, 'ap', 'Unwell', desk);
    expect(readAppointment(book.months.get('2026-04')!, 'ap')!.state).toMatchObject({ status: 'cancelled', reason: 'Unwell' });
    // Within a month it is an ordinary edit.
    bookInto(book, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: '2026-04-03T08:00:00.000Z' }, desk, { id: 'b' });
    rescheduleIn(book, 'b', { start: '2026-04-04T08:00:00.000Z' }, desk);
    expect(months(book)).toEqual({ '2026-03': [], '2026-04': ['ap', 'b'] });
  });

  test("an appointment still in a book that was not split yet is read, and moves into its month when changed", () => {
    const old = oldBook();
    const book = memoryBook(old);
    expect(readBookAppointment(book, 'ap-0')!.start).toBe('2025-06-30T21:00:00.000Z');
    rescheduleIn(book, 'ap-0', { start: '2025-07-02T06:00:00.000Z' }, desk);
    expect(months(book)).toEqual({ '2025-07': ['ap-0'] });
    expect(bookAppointments(book).filter((a) => a.id === 'ap-0').map((a) => a.start)).toEqual(['2025-07-02T06:00:00.000Z']);
  });
});
