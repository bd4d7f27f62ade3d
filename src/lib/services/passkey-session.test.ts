import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { runAdmin } from '../../../server/cli/admin-commands';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { addPasskeyUnlock } from '../storage/passkey-unlock-store';
import { cookieJar } from '../sync/test-client';
import { syncStatus } from '../sync/sync-status-manager.svelte';
import { apiClient, setApiBase, setApiFetch } from './api-client';
import { patientList } from './patients.service';
import { session } from './session-manager.svelte';

/**
 * Passkey unlock in the session, against the real server (Node, fake
 * IndexedDB, WebCrypto). The authenticator cannot exist in Node: its PRF
 * output is stood in for by fixed bytes, stored through the same store the
 * app uses (the browser journey with Chromium's virtual authenticator is
 * tests/passkey-unlock.spec.ts).
 */
const PRF_OUTPUT = new Uint8Array(32).fill(42);
const quiet = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt in tests')) };
let app: TestApp;
let jar: ReturnType<typeof cookieJar>;

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
  jar = cookieJar();
  setApiFetch(jar.fetch);
  apiClient.setWebSocketClass(jar.WebSocketClass as typeof globalThis.WebSocket);
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function signInWithPasskey(username: string): Promise<void> {
  await session.init();
  await session.signIn(username, DEMO_PASSWORD);
  await waitFor(() => patientList.all.length >= 30 && !syncStatus.catchUp.running);
  await addPasskeyUnlock(session.user!.id, DEMO_PASSWORD, { credentialId: new Uint8Array([1, 2, 3]), prfSalt: new Uint8Array(32), prfOutput: PRF_OUTPUT });
}

describe('passkey unlock in the session', () => {
  test('lock, then the passkey opens the same records; a wrong passkey output leaves it locked', async () => {
    await signInWithPasskey('dr.demo');
    const count = patientList.all.length;
    session.lock();
    expect(patientList.all).toEqual([]);

    await expect(session.unlockWithPasskey(new Uint8Array(32).fill(1))).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'This passkey does not unlock Outpost on this device. Use your password.'
    });
    expect(session.state).toBe('locked');

    await session.unlockWithPasskey(PRF_OUTPUT);
    expect(session.state).toBe('unlocked');
    expect(session.user?.username).toBe('dr.demo');
    expect(patientList.all.length).toBe(count);
    // The server session from the password sign-in is still alive: sync goes on without the password.
    await waitFor(() => syncStatus.lastSyncedAt !== null && !syncStatus.catchUp.running);
    expect(session.signInRequired).toBe(false);
    session.lock();
  }, 60_000);

  test('offline, the passkey unlocks and the app stays open', async () => {
    await signInWithPasskey('dr.demo');
    session.reset();
    await session.init();
    setApiBase('http://127.0.0.1:9');
    await session.unlockWithPasskey(PRF_OUTPUT);
    expect(session.state).toBe('unlocked');
    expect(patientList.all.length).toBeGreaterThanOrEqual(30);
    // The server check found no server (the positive signal), which is no reason to lock.
    await waitFor(() => !syncStatus.online);
    await new Promise((r) => setTimeout(r, 0)); // the check's continuation runs after the answer
    expect(session.state).toBe('unlocked');
    expect(session.signInRequired).toBe(false);
    session.lock();
  }, 60_000);

  test('a disabled account: the passkey opens the device store, the server refuses it, the app locks and asks for the password, which the server refuses', async () => {
    await signInWithPasskey('nurse.demo');
    session.lock();
    expect(await runAdmin(['disable-user', '--username', 'nurse.demo'], app.dataDir, quiet)).toBe(0);

    // The server refuses the session the passkey unlock would have used, on every path.
    const me = await jar.fetch(`${app.url}/api/auth/me`);
    expect(me.status).toBe(401);
    const batch = await jar.fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ docs: [] }) });
    expect(batch.status).toBe(401);

    await session.unlockWithPasskey(PRF_OUTPUT);
    await waitFor(() => session.state === 'locked');
    expect(session.signInRequired).toBe(true);
    expect(patientList.all).toEqual([]);
    // Only the password can sign in again, and the server says no.
    await expect(session.unlockWithPasskey(PRF_OUTPUT)).rejects.toMatchObject({ message: 'Sign in with your password to continue' });
    await expect(session.unlock(DEMO_PASSWORD)).rejects.toMatchObject({ code: expect.stringMatching(/unauthenticated|forbidden/) });
    expect(session.state).toBe('locked');
    expect(await runAdmin(['enable-user', '--username', 'nurse.demo'], app.dataDir, quiet)).toBe(0);
  }, 60_000);
});
