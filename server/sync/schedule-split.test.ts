import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { bookAppointments, memoryBook } from '../../src/lib/chart/schedule-months';
import { addAppointment, appointmentIds, cancelAppointment, checkIn, initScheduleDoc, listAppointments, readAppointment, setAppointmentType, setProvider } from '../../src/lib/chart/schedule-doc';
import { scheduleMonthName, scheduleName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
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

async function stored(name: string, clinic = clinicId): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const s = await app.sync.readState(name, clinic);
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
    // The book keeps its entries (a device may still edit them), marked split; readers skip them.
    expect(appointmentIds(book).sort()).toEqual(['ap-0', 'ap-1', 'ap-2', 'ap-3']);
    expect(typeof book.getMap('meta').get('splitIntoMonths')).toBe('string');
    expect(bookAppointments(memoryBook(book)).map((a) => a.id)).toEqual([]);
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

describe('a device that held the old book offline', () => {
  it('keeps its edit to a split appointment and its new booking: the server carries both into the months', async () => {
    const other = (await addClinic(app, 'Clinic C', [{ username: 'wanjiru', roles: ['frontdesk'] }])).clinicId;
    const old = new Y.Doc();
    initScheduleDoc(old, other, 'Africa/Nairobi');
    setAppointmentType(old, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 30 });
    setProvider(old, { id: 'dr-a', name: 'Dr Amani', active: true });
    addAppointment(old, { providerId: 'dr-a', patientId: P1, typeId: 'consult', start: '2026-02-10T07:00:00.000Z' }, desk, { id: 'ap-feb' });
    await app.sync.applyServerUpdate(scheduleName(other), other, Y.encodeStateAsUpdate(old), 'seed', 'seed');

    // The device syncs the old book, then goes offline.
    const cookie = await sessionCookieFor(app.url, 'wanjiru');
    const Cookied = class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    } as unknown as typeof globalThis.WebSocket;
    const device = new Y.Doc();
    const provider = new WebsocketProvider(app.url.replace(/^http/, 'ws') + '/sync', scheduleName(other), device, { WebSocketPolyfill: Cookied, disableBc: true, maxBackoffTime: 200 });
    try {
      await waitFor(() => readAppointment(device, 'ap-feb') !== null);
      provider.disconnect();

      // The server splits while the device is away.
      expect(await splitScheduleBooks(app.db, app.sync)).toEqual({ books: 1, moved: 1 });
      await new Promise((r) => setTimeout(r, 5));

      // Offline, in the old book: checks the patient in and books another patient.
      checkIn(device, 'ap-feb', desk);
      addAppointment(device, { providerId: 'dr-a', patientId: P2, typeId: 'consult', start: '2026-03-02T08:00:00.000Z' }, desk, { id: 'ap-mar' });

      provider.connect();
      const read = async () => {
        const feb = await stored(scheduleMonthName(other, '2026-02'), other);
        const mar = await stored(scheduleMonthName(other, '2026-03'), other);
        const settings = await stored(scheduleName(other), other);
        return bookAppointments(memoryBook(settings, new Map([['2026-02', feb], ['2026-03', mar]])));
      };
      let seen: Awaited<ReturnType<typeof read>> = [];
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        seen = await read();
        if (seen.length === 2 && seen[0].state.status === 'checked-in') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(seen.map((a) => [a.id, a.start, a.state.status, a.patientId])).toEqual([
        ['ap-feb', '2026-02-10T07:00:00.000Z', 'checked-in', P1],
        ['ap-mar', '2026-03-02T08:00:00.000Z', 'booked', P2]
      ]);
      // Carried as the server.
      const writers = app.db.prepare<[string], { user_id: string }>('SELECT DISTINCT user_id FROM doc_updates WHERE name = ?').all(scheduleMonthName(other, '2026-03'));
      expect(writers.map((w) => w.user_id)).toEqual(['system']);
    } finally {
      provider.destroy();
      device.destroy();
    }
  });
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}
