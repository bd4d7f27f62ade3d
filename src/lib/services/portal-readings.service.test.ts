import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../../../server/http/test-app';
import { seedPortalPatient } from '../../../server/portal/portal-test-support';
import { testVault } from '../storage/test-vault';
import { cookieJar, signIn } from '../sync/test-client';
import { ApiClient } from './api-client';
import { loadHomeReadings, loadRefills, sendHomeReading, waitingWrites, READING_OUTBOX_KIND } from './portal-readings.service';
import type { Workspace } from './workspace';

/**
 * The patient's device against the real server: a home reading sent with no
 * server to reach waits sealed on the device and says so, goes once the
 * server is back (answered with its flag), and the lists read offline come
 * from the sealed copy.
 */
let app: TestApp;
let api: ApiClient;
const PATIENT = 'e7f8a9b0-0000-4000-8000-000000000001';
/** A client for a server that cannot be reached (nothing listens on port 9 of loopback). */
const unreachable = new ApiClient({ base: 'http://127.0.0.1:9' });

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'Valley Clinic', [{ username: 'desk', roles: ['frontdesk'] }]);
  await seedPortalPatient(app, made.clinicId, PATIENT, { family: 'Njeri', given: 'Amina', birthDate: '1959-08-30' });
  const desk = await sessionCookieFor(app.url, 'desk');
  const inv = await fetch(`${app.url}/api/portal/invitations`, { method: 'POST', headers: { cookie: desk, 'content-type': 'application/json' }, body: JSON.stringify({ relation: 'self', patientId: PATIENT }) });
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  const act = await fetch(`${app.url}/api/portal/activate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret, birthDate: '1959-08-30', username: 'amina', password: TEST_PASSWORD }) });
  expect(act.status).toBe(201);
  const jar = cookieJar();
  api = new ApiClient({ base: app.url, fetch: jar.fetch });
  await signIn(api, 'amina', TEST_PASSWORD);
});
afterAll(async () => {
  await app.stop();
});

describe('home readings on the patient device', () => {
  it('waits offline, is sent once online with its flag, and the list reads from the sealed copy offline', async () => {
    const ws = { vault: await testVault() } as unknown as Workspace;
    const id = crypto.randomUUID();
    const offline = await sendHomeReading(PATIENT, { id, kind: 'bloodPressure', systolic: 185, diastolic: 120 }, ws, unreachable);
    expect(offline).toEqual({ state: 'waiting' });
    expect((await waitingWrites(READING_OUTBOX_KIND, PATIENT, ws)).map((i) => i.id)).toEqual([id]);

    const online = await sendHomeReading(PATIENT, { id: crypto.randomUUID(), kind: 'spo2', value: 97 }, ws, api);
    expect(online.state).toBe('sent');
    expect(await waitingWrites(READING_OUTBOX_KIND, PATIENT, ws)).toEqual([]);

    const listed = await loadHomeReadings(PATIENT, ws, api);
    expect(listed.offline).toBe(false);
    // The waiting one went first, with the id the device gave it.
    expect(listed.value.map((r) => [r.kind, r.value, r.urgent])).toEqual(expect.arrayContaining([['bloodPressure', 185, true], ['spo2', 97, false]]));
    expect(listed.value.find((r) => r.kind === 'bloodPressure')?.id).toBe(id);

    const kept = await loadHomeReadings(PATIENT, ws, unreachable);
    expect(kept).toEqual({ value: listed.value, offline: true });
  });

  it('a refused reading is kept with the server reason', async () => {
    const ws = { vault: await testVault() } as unknown as Workspace;
    // Checked on the device first in the app; a crafted one is refused by the server and kept with why.
    const refused = await sendHomeReading(PATIENT, { id: crypto.randomUUID(), kind: 'weight', value: 900 }, ws, api);
    expect(refused).toEqual({ state: 'refused', reason: 'Weight (kg) above 500 is not plausible' });
  });

  it('the refill list offline with nothing saved says so', async () => {
    const ws = { vault: await testVault() } as unknown as Workspace;
    await expect(loadRefills(PATIENT, ws, unreachable)).rejects.toThrow('This has not been saved on this device yet. Connect to the internet once to see it.');
    expect((await loadRefills(PATIENT, ws, api)).value).toEqual({ requests: [], medicines: [] });
  });
});
