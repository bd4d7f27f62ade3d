import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, onTestFinished, test } from 'vitest';
import * as Y from 'yjs';
import { runAdmin } from '../../../server/cli/admin-commands';
import { addClinic, startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { readPatient, updatePatient } from '../chart/patient-doc';
import { docName } from '../domain/doc-names';
import { cookieJar } from '../sync/test-client';
import { syncStatus } from '../sync/sync-status-manager.svelte';
import { apiClient, setApiBase, setApiFetch } from './api-client';
import { patientList } from './patients.service';
import { registerPatient } from './patients.service';
import { session } from './session-manager.svelte';
import { currentWorkspace } from './workspace';

/** The session manager against the real server, in Node (fake IndexedDB, WebCrypto). */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ demo: true });
});
afterAll(async () => {
  session.reset();
  await app.stop();
});
beforeEach(() => {
  session.reset();
  setApiBase(app.url);
  const jar = cookieJar();
  setApiFetch(jar.fetch);
  // Node's websockets carry no cookie by themselves; a browser's do.
  apiClient.setWebSocketClass(jar.WebSocketClass as typeof globalThis.WebSocket);
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('session', () => {
  test('first sign-in offline is refused with a readable reason', async () => {
    await session.init();
    setApiBase('http://127.0.0.1:9');
    await expect(session.signIn('nurse.demo', DEMO_PASSWORD)).rejects.toMatchObject({ message: 'First sign-in on this device needs the network' });
    expect(session.error).toBe('First sign-in on this device needs the network');
  });

  test('sign in, catch up, lock, unlock offline, sign out', async () => {
    await session.init();
    expect(session.config.idleLockMinutes).toBe(15);
    expect(session.state).toBe('signed-out');
    await expect(session.signIn('dr.demo', 'wrong password')).rejects.toMatchObject({ code: 'unauthenticated' });

    await session.signIn('dr.demo', DEMO_PASSWORD);
    expect(session.state).toBe('unlocked');
    expect(session.actor.name).toBe('Dr. Amara Okafor');
    await waitFor(() => patientList.all.length >= 30 && !syncStatus.catchUp.running);
    expect(syncStatus.catchUp.done).toBe(syncStatus.catchUp.total);

    session.lock();
    expect(session.state).toBe('locked');
    expect(session.lockedUser?.username).toBe('dr.demo');
    expect(patientList.all).toEqual([]);
    expect(() => currentWorkspace()).toThrow(/locked/);

    // A reload: the key is gone; the lock screen is for the same user.
    session.reset();
    await session.init();
    expect(session.state).toBe('locked');
    setApiBase('http://127.0.0.1:9');
    await expect(session.unlock('not it')).rejects.toMatchObject({ code: 'unauthenticated', message: 'Wrong password' });
    await session.unlock(DEMO_PASSWORD);
    expect(session.state).toBe('unlocked');
    expect(patientList.all.length).toBeGreaterThanOrEqual(30);

    // Registration works with no network at all and shows at once.
    const id = await registerPatient({ family: 'Nowifi', given: ['Ben'], birthDate: '1984-01-09', gender: 'male' });
    expect(patientList.search('nowifi').map((p) => p.id)).toEqual([id]);

    setApiBase(app.url);
    await session.signOut();
    expect(session.state).toBe('signed-out');
    expect(session.lockedUser).toBeNull();

    // Offline sign-in with the store already on this device.
    setApiBase('http://127.0.0.1:9');
    await expect(session.signIn('dr.demo', 'nope')).rejects.toMatchObject({ message: 'Wrong username or password' });
    await session.signIn('dr.demo', DEMO_PASSWORD);
    expect(session.state).toBe('unlocked');
    expect(patientList.search('nowifi')).toHaveLength(1);
    session.lock();
  }, 60_000);

  test('idle time locks the app and drops the records', async () => {
    const quick = await startTestApp({ demo: true, idleLockMinutes: 0.005 });
    onTestFinished(() => quick.stop());
    setApiBase(quick.url);
    await session.init();
    expect(session.config.idleLockMinutes).toBe(0.005);
    await session.signIn('nurse.demo', DEMO_PASSWORD);
    expect(session.state).toBe('unlocked');
    await waitFor(() => session.state === 'locked', 5_000);
    expect(patientList.all).toEqual([]);
  });
});

describe('the server ends the session while the app is open', () => {
  const quiet = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt in tests')) };
  const revokeSessions = async (username: string) => expect(await runAdmin(['revoke-sessions', '--username', username], app.dataDir, quiet)).toBe(0);

  async function serverPatient(patientId: string) {
    const clinicId = session.user?.clinicId ?? (app.db.prepare("SELECT clinic_id FROM users WHERE username = 'nurse.demo'").get() as { clinic_id: string }).clinic_id;
    const doc = new Y.Doc();
    const state = await app.sync.readState(docName('patient', patientId), clinicId);
    if (state) Y.applyUpdate(doc, state);
    return readPatient(doc);
  }

  test('its sync socket closes (4401): the app locks, keeps the edit, and sends it after signing in again', async () => {
    await session.init();
    await session.signIn('nurse.demo', DEMO_PASSWORD);
    await waitFor(() => patientList.all.length >= 30 && !syncStatus.catchUp.running);
    const patientId = patientList.all[0].id;
    const live = await currentWorkspace().engine.acquire(docName('patient', patientId));
    await waitFor(() => live.connection === 'live');
    // Only the open socket reaches the server now, so nothing but its close can tell the app the session ended.
    setApiBase('http://127.0.0.1:9');

    await revokeSessions('nurse.demo');
    // Typed after the administrator ended the session, before the app knew: the server drops it and closes the socket.
    updatePatient(live.doc, { family: 'Kept-Through-Revocation' }, session.actor);
    await waitFor(() => session.state === 'locked');
    expect(session.signInRequired).toBe(true);
    expect(session.lockedUser?.username).toBe('nurse.demo');
    expect((await serverPatient(patientId))?.family).not.toBe('Kept-Through-Revocation');

    // The lock screen's password goes to the server first; then the kept edit goes up.
    setApiBase(app.url);
    await session.unlock(DEMO_PASSWORD);
    expect(session.state).toBe('unlocked');
    expect(session.signInRequired).toBe(false);
    await waitFor(() => syncStatus.pending === 0 && syncStatus.lastSyncedAt !== null);
    expect((await serverPatient(patientId))?.family).toBe('Kept-Through-Revocation');
    const last = app.db.prepare('SELECT user_id FROM doc_updates WHERE name = ? ORDER BY seq DESC LIMIT 1').get(docName('patient', patientId));
    expect(last).toEqual({ user_id: session.user!.id });
    session.lock();
  }, 60_000);

  test('a sync batch answers 401: the app locks, keeps the offline registration, and sends it after signing in again', async () => {
    await session.init();
    await session.signIn('nurse.demo', DEMO_PASSWORD);
    await waitFor(() => patientList.all.length >= 30 && !syncStatus.catchUp.running);
    // Registered with no network: it waits in the store as pending.
    setApiBase('http://127.0.0.1:9');
    const id = await registerPatient({ family: 'Pendingworth', given: ['Ada'], birthDate: '1979-05-06', gender: 'female' });
    await waitFor(() => syncStatus.pending > 0);
    await revokeSessions('nurse.demo');

    setApiBase(app.url);
    await currentWorkspace().engine.syncNow();
    expect(session.state).toBe('locked');
    expect(session.signInRequired).toBe(true);
    expect(await serverPatient(id)).toBeNull();

    // A wrong password keeps it locked and says so; the right one signs in and sends the registration.
    await expect(session.unlock('not the password')).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(session.state).toBe('locked');
    await session.unlock(DEMO_PASSWORD);
    await waitFor(() => syncStatus.pending === 0 && syncStatus.lastSyncedAt !== null);
    expect((await serverPatient(id))?.family).toBe('Pendingworth');
    session.lock();
  }, 60_000);

  test("the clinic's own idle lock (from the sign-in answer) wins over the server's, and an offline unlock keeps it", async () => {
    const server = await startTestApp({ demo: true, idleLockMinutes: 15 });
    onTestFinished(() => server.stop());
    // A second clinic on the server: before sign-in the app gets the server's default.
    await addClinic(server, 'Hillside', []);
    server.clinicSettings.update(server.seeded!.clinic.id, { idleLockMinutes: 3 }, 'test');
    setApiBase(server.url);
    await session.init();
    expect(session.config.idleLockMinutes).toBe(15);
    await session.signIn('nurse.demo', DEMO_PASSWORD);
    expect(session.idleLockMinutes).toBe(3);

    session.lock();
    session.reset();
    setApiBase('http://127.0.0.1:9');
    await session.init();
    await session.unlock(DEMO_PASSWORD);
    expect(session.idleLockMinutes).toBe(3);
    session.lock();
  }, 60_000);
});
