import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { listAppointments } from '../chart/schedule-doc';
import { monthOfStart, scheduleMonthName, scheduleName } from '../domain/doc-names';
import { addDays } from '../domain/scheduling';
import { nodeDevice, type NodeDevice } from '../sync/test-client';
import { openSchedule } from './schedule.service';

/**
 * The appointment book on two front-desk devices against the real server
 * (demo clinic, real HTTP, fake IndexedDB): fetched by the catch-up, booked
 * offline on both, merged, and the double booking visible on each.
 */
let app: TestApp;
const devices: NodeDevice[] = [];

beforeAll(async () => {
  app = await startTestApp({ demo: true });
});

afterAll(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await app.stop();
});

async function device(username: string): Promise<NodeDevice> {
  const d = await nodeDevice(app.url, username, DEMO_PASSWORD);
  devices.push(d);
  await d.engine.syncNow();
  expect(d.engine.lastError).toBeNull();
  return d;
}

async function serverPatients(d: NodeDevice): Promise<string[]> {
  return (await d.api.request<{ patients: { id: string }[] }>('/api/patients')).patients.map((p) => p.id);
}

describe('appointment book', () => {
  test('two desks book the same slot offline; after reconnecting both see one double booking', async () => {
    const a = await device('desk.demo');
    const b = await device('desk.demo');
    // The catch-up brought the book onto both devices: they open it without the server.
    expect(await a.vault.docs.has(scheduleName(a.user.clinicId))).toBe(true);
    const [p1, p2] = await serverPatients(a);
    a.api.setBase('http://127.0.0.1:9');
    b.api.setBase('http://127.0.0.1:9');
    const sa = await openSchedule(a);
    const sb = await openSchedule(b);
    const provider = sa.providers[0].id;
    // A few days ahead, first free slot of the day: the same on both devices, since neither has booked yet.
    let day = addDays(sa.today(), 3);
    while (sa.slots(provider, 'consult', day).length === 0) day = addDays(day, 1);
    const [slot] = sa.slots(provider, 'consult', day);
    expect(sb.slots(provider, 'consult', day)[0]).toEqual(slot);
    const idA = sa.book({ providerId: provider, patientId: p1, typeId: 'consult', start: slot.start });
    const idB = sb.book({ providerId: provider, patientId: p2, typeId: 'consult', start: slot.start });
    // The same device refuses a double booking it can see.
    expect(() => sa.book({ providerId: provider, patientId: p2, typeId: 'consult', start: slot.start })).toThrow(/already has an appointment/);

    await Promise.all([sa.saved(), sb.saved()]);
    expect(await a.vault.docs.pendingCount()).toBeGreaterThan(0);
    a.api.setBase(app.url);
    b.api.setBase(app.url);
    await a.engine.syncNow();
    await b.engine.syncNow();
    await a.engine.syncNow();
    for (const s of [sa, sb]) {
      const board = s.board(day, provider);
      expect(board.conflicts).toHaveLength(1);
      expect([board.conflicts[0].first.id, board.conflicts[0].second.id].sort()).toEqual([idA, idB].sort());
    }
    // Both are kept in the month the slot starts in; the book's settings hold no appointment.
    const state = await app.sync.readState(scheduleMonthName(a.user.clinicId, monthOfStart(slot.start)), a.user.clinicId);
    const server = new Y.Doc();
    Y.applyUpdate(server, state!);
    expect(listAppointments(server).filter((x) => x.id === idA || x.id === idB)).toHaveLength(2);
    const settings = new Y.Doc();
    Y.applyUpdate(settings, (await app.sync.readState(scheduleName(a.user.clinicId), a.user.clinicId))!);
    expect(listAppointments(settings).filter((x) => x.id === idA || x.id === idB)).toHaveLength(0);
    sa.close();
    sb.close();
  });

  test('free times on a day beyond the device window come only once its month is opened, and count what is booked there', async () => {
    const a = await device('desk.demo');
    const sa = await openSchedule(a);
    const provider = sa.providers[0].id;
    // Seven months ahead: outside the months a device keeps (the previous month through the next three).
    let day = addDays(sa.today(), 212);
    expect(sa.dayOpen(day)).toBe(false);
    expect(sa.slots(provider, 'consult', day)).toEqual([]);
    expect(await sa.showDay(day)).toEqual({ missing: [] });
    while (sa.slots(provider, 'consult', day).length === 0) {
      day = addDays(day, 1);
      await sa.showDay(day);
    }
    const [patient] = await serverPatients(a);
    const first = sa.slots(provider, 'consult', day)[0].start;
    sa.book({ providerId: provider, patientId: patient, typeId: 'consult', start: first });
    await sa.saved();
    await a.engine.syncNow();
    sa.close();

    // Another desk: no free times offered until the month is open; then the booked time is not offered.
    const b = await device('desk.demo');
    const sb = await openSchedule(b);
    expect(sb.slots(provider, 'consult', day)).toEqual([]);
    expect(await sb.showDay(day)).toEqual({ missing: [] });
    const offered = sb.slots(provider, 'consult', day).map((x) => x.start);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered).not.toContain(first);
    sb.close();
  });

  test('check-in and cancel with a reason; the administrator reads but cannot book', async () => {
    const desk = await device('desk.demo');
    const s = await openSchedule(desk);
    const provider = s.providers[0].id;
    let day = addDays(s.today(), 4);
    while (s.slots(provider, 'follow-up', day).length === 0) day = addDays(day, 1);
    const [patient] = await serverPatients(desk);
    const id = s.book({ providerId: provider, patientId: patient, typeId: 'follow-up', start: s.slots(provider, 'follow-up', day)[0].start });
    s.checkIn(id);
    expect(() => s.cancel(id, '   ')).toThrow(/not valid/);
    s.cancel(id, 'Patient left before being seen');
    expect(s.appointment(id)?.state).toMatchObject({ status: 'cancelled', reason: 'Patient left before being seen', by: 'Priya Shah' });
    s.close();

    const admin = await device('admin.demo');
    const ro = await openSchedule(admin);
    expect(ro.canEdit).toBe(false);
    expect(ro.providers.length).toBeGreaterThan(0);
    expect(() => ro.book({ providerId: provider, patientId: patient, typeId: 'consult', start: new Date().toISOString() })).toThrow(/not change/);
    ro.close();
  });
});
