import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createTelehealthService, type TelehealthService } from './telehealth-service';
import { auditRows, KEYS, openTestStore, postJson, staffUser, startTelehealthServer, type TelehealthTestServer, type TestStore } from './telehealth-test-support';

/** The clinician's "running late" notice: stored per visit, handed to the waiting room's poll, audited, minutes only. */

const IP = '10.0.0.9';
const DOB = '1961-04-02';
const clinician = staffUser(['clinician']);
const nurse = staffUser(['nurse']);
const desk = staffUser(['frontdesk']);

describe('running late (service)', () => {
  let store: TestStore;
  let service: TelehealthService;
  let visitId: string;
  let patientId: string;
  let offset = 0;

  beforeEach(() => {
    store = openTestStore();
    offset = 0;
    visitId = randomUUID();
    patientId = randomUUID();
    service = createTelehealthService({
      db: store.db,
      audit: store.audit,
      livekit: { url: 'wss://video.example.test', ...KEYS },
      birthDateOf: async (_c, id) => (id === patientId ? DOB : null),
      patientInClinic: (clinicId) => clinicId === 'clinic-1',
      now: () => Date.now() + offset
    });
  });
  afterEach(() => store.cleanup());

  async function patientWaiting() {
    const link = service.createLink(desk, { scope: 'patient', visitId, patientId }, IP);
    return (await service.enter(link.token, DOB, IP)).ticket;
  }

  test('no notice: the poll says only "waiting"', async () => {
    const ticket = await patientWaiting();
    expect(service.poll(ticket)).toEqual({ status: 'waiting' });
  });

  test('the notice reaches the waiting room and the clinician’s list; a new one replaces it; null withdraws it', async () => {
    const ticket = await patientWaiting();
    const sent = service.runningLate(clinician, visitId, 10, IP).runningLate;
    expect(sent).toEqual({ minutes: 10, sentAt: expect.any(String) });
    expect(service.poll(ticket)).toEqual({ status: 'waiting', runningLate: sent });
    expect(service.waiting(clinician, visitId, IP).runningLate).toEqual(sent);

    offset = 60_000;
    const later = service.runningLate(nurse, visitId, 20, IP).runningLate!;
    expect(later.minutes).toBe(20);
    expect(Date.parse(later.sentAt)).toBeGreaterThan(Date.parse(sent!.sentAt));
    expect(service.poll(ticket)).toMatchObject({ status: 'waiting', runningLate: { minutes: 20 } });

    expect(service.runningLate(clinician, visitId, null, IP)).toEqual({ runningLate: null });
    expect(service.poll(ticket)).toEqual({ status: 'waiting' });
    expect(service.waiting(clinician, visitId, IP).runningLate).toBeNull();
  });

  test('audited with the minutes and the visit only; nothing about the patient is stored', async () => {
    await patientWaiting();
    service.runningLate(clinician, visitId, 15, IP);
    const row = auditRows(store.db, 'telehealth.running-late')[0];
    expect(row).toMatchObject({ action: 'telehealth.running-late', outcome: 'success', user_id: clinician.id, target: `visit:${visitId}` });
    expect(JSON.parse(row.detail)).toEqual({ minutes: 15 });
    const stored = JSON.stringify(store.db.prepare('SELECT * FROM telehealth_running_late').all());
    expect(stored).not.toContain(patientId);
  });

  test('front desk may not send it (audited refusal); another clinic cannot see the visit; an ended visit refuses', async () => {
    await patientWaiting();
    expect(() => service.runningLate(desk, visitId, 10, IP)).toThrow(/role does not allow/);
    expect(auditRows(store.db, 'authz.denied')).toHaveLength(1);
    expect(() => service.runningLate(staffUser(['clinician'], 'clinic-2'), visitId, 10, IP)).toThrow(/no such video visit/);
    await service.end(visitId, clinician, IP);
    expect(() => service.runningLate(clinician, visitId, 10, IP)).toThrow(/has ended/);
  });
});

describe('running late over HTTP', () => {
  let app: TelehealthTestServer | null = null;
  afterEach(async () => {
    await app?.stop();
    app = null;
  });

  test('bad input gets a clear 400; a session is needed; the poll carries the notice', async () => {
    const patientId = randomUUID();
    const visitId = randomUUID();
    app = await startTelehealthServer([{ username: 'drvega', roles: ['clinician'] }], { birthDateOf: async (_c, id) => (id === patientId ? DOB : null) });
    const dr = await app.cookieFor('drvega');
    const link = (await (await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId }, dr)).json()) as { token: string };
    const { ticket } = (await (await postJson(`${app.url}/api/telehealth/join/enter`, { token: link.token, birthDate: DOB })).json()) as { ticket: string };

    expect((await postJson(`${app.url}/api/telehealth/running-late`, { visitId, minutes: 10 })).status).toBe(401);
    for (const minutes of [7, 0, 500, '10', undefined]) {
      const res = await postJson(`${app.url}/api/telehealth/running-late`, { visitId, minutes }, dr);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBeTruthy();
    }
    expect((await postJson(`${app.url}/api/telehealth/running-late`, { visitId: 'not-a-uuid', minutes: 10 }, dr)).status).toBe(400);

    const ok = await postJson(`${app.url}/api/telehealth/running-late`, { visitId, minutes: 10 }, dr);
    expect(ok.status).toBe(200);
    const polled = (await (await postJson(`${app.url}/api/telehealth/join/poll`, { ticket })).json()) as { status: string; runningLate?: { minutes: number } };
    expect(polled).toMatchObject({ status: 'waiting', runningLate: { minutes: 10 } });
  });

  test('call simulation is refused unless a test server allows it in code', async () => {
    app = await startTelehealthServer([{ username: 'drvega', roles: ['clinician'] }]);
    const dr = await app.cookieFor('drvega');
    expect((await fetch(`${app.url}/api/telehealth/call-simulation`)).status).toBe(401);
    const res = await fetch(`${app.url}/api/telehealth/call-simulation`, { headers: { cookie: dr } });
    expect(await res.json()).toEqual({ allowed: false });
  });
});
