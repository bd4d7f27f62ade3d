import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, onTestFinished, test } from 'vitest';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { cookieJar } from '../sync/test-client';
import { syncStatus } from '../sync/sync-status-manager.svelte';
import { setApiBase, setApiFetch } from './api-client';
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
  setApiFetch(cookieJar().fetch);
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
