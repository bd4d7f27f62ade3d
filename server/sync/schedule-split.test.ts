import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAppointment, appointmentIds, cancelAppointment, checkIn, initScheduleDoc, listAppointments, readAppointment, setAppointmentType, setProvider } from '../../src/lib/chart/schedule-doc';
import { scheduleMonthName, scheduleName } from '../../src/lib/domain/doc-names';
import { addClinic, startTestApp, type TestApp } from '../http/test-app';
import { splitScheduleBooks } from './schedule-split';

/**
 * The one-time split of an appointment book written before months, on the
 * real server and store: every appointment reaches its month, the book keeps
 * its settings, running it again changes nothing.
 */

let app: TestApp;
let clinicId: string;
const P1 = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';
const P2 = '9c0b1a52-7f0e-4c61-9a49-0b7f5f6c2d10';
const desk = { id: 'u1', name: 'Front Desk' };

beforeAll(async () => {
  app = await startTestApp();
  clinicId = (await addClinic(app, 'Clinic A', [{ username: 'priya', roles: ['frontdesk'] }])).clinicId;
});
afterAll(async () => {
  await app.stop();
});

async function stored(name: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const s = await app.sync.readState(name, clinicId);
  if (s) Y.applyUpdate(doc, s);
  return doc;
}

describe('splitting old appointment books at start', () => {
  it('moves every appointment into its month, keeps the settings, and does nothing the second time', async () => {
    const old = new Y.Doc();
    initScheduleDoc(old, clinicId, 'Africa/Nairobi');
    setAppointmentType(old, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 30 });
    setProvider(old, { id: 'dr-a', name: 'Dr Amani', active: true });
    const starts = ['2025-11-30T22:00:00.000Z', '2025-12-01T06:00:00.000Z', '2026-01-05T07:00:00.000Z', '2026-01-05T07:30:00.000Z'];
    starts.forEach((start, i) => addAppointment(old, { providerId: 'dr-a', patientId: i % 2 ? P2 : P1, typeId: 'consult', start }, desk, { id: `ap-${i}` }));
    cancelAppointment(old, 'ap-0', 'Travelling', desk);
    checkIn(old, 'ap-2', desk);
    await app.sync.applyServerUpdate(scheduleName(clinicId), clinicId, Y.encodeStateAsUpdate(old), 'seed', 'seed');

    expect(await splitScheduleBooks(app.db, app.sync)).toEqual({ books: 1, moved: 4 });
    const book = await stored(scheduleName(clinicId));
    expect(appointmentIds(book)).toEqual([]);
    expect(book.getMap('appointmentTypes').size).toBe(1);
    expect(book.getMap('providers').size).toBe(1);
    const nov = await stored(scheduleMonthName(clinicId, '2025-11'));
    const dec = await stored(scheduleMonthName(clinicId, '2025-12'));
    const jan = await stored(scheduleMonthName(clinicId, '2026-01'));
    expect(listAppointments(nov).map((a) => a.id)).toEqual(['ap-0']);
    expect(listAppointments(dec).map((a) => a.id)).toEqual(['ap-1']);
    expect(listAppointments(jan).map((a) => a.id)).toEqual(['ap-2', 'ap-3']);
    expect(readAppointment(nov, 'ap-0')!.state).toMatchObject({ status: 'cancelled', reason: 'Travelling' });
    expect(readAppointment(jan, 'ap-2')!.state.status).toBe('checked-in');
    expect(listAppointments(jan).map((a) => a.start)).toEqual([starts[2], starts[3]]);
    expect(app.db.prepare('SELECT clinic_id, kind FROM documents WHERE name = ?').get(scheduleMonthName(clinicId, '2026-01'))).toEqual({ clinic_id: clinicId, kind: 'schedule' });

    const rows = () => (app.db.prepare("SELECT count(*) AS n FROM doc_updates WHERE name LIKE 'schedule:%'").get() as { n: number }).n;
    const before = rows();
    expect(await splitScheduleBooks(app.db, app.sync)).toEqual({ books: 0, moved: 0 });
    expect(rows()).toBe(before);
  });
});
