import 'fake-indexeddb/auto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { runAdmin } from '../../../server/cli/admin-commands';
import { addClinic, startTestApp, TEST_PASSWORD, type TestApp } from '../../../server/http/test-app';
import { cookieJar } from '../sync/test-client';
import { apiClient, setApiBase, setApiFetch } from './api-client';
import { session } from './session-manager.svelte';

/**
 * The session manager's second step against the real server (fake
 * IndexedDB in Node): setting up an authenticator at first sign-in opens the
 * app only after the recovery codes; an offline unlock needs no code; when
 * the server has ended the session, the background sign-in after an unlock
 * cannot pass the second factor, so the app locks and asks for a sign-in,
 * which then needs the code.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await addClinic(app, 'Lakeside Clinic', [{ username: 'dr.lake', roles: ['clinician'] }], { secondFactorRoles: ['clinician'] });
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
  apiClient.setWebSocketClass(jar.WebSocketClass as typeof globalThis.WebSocket);
});

const codeAt = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('set up at first sign-in, unlock offline without a code, sign in again with one after the server ended the session', async () => {
  await session.init();
  await session.signIn('dr.lake', TEST_PASSWORD);
  expect(session.state).toBe('signed-out');
  expect(session.secondStep).toEqual({ kind: 'enrol', username: 'dr.lake', methods: [] });
  // The code step is refused for a sign-in that must set up first (the server says so, not only the screen).
  await expect(session.submitSecondFactor({ code: '123456' })).rejects.toMatchObject({ code: 'unauthenticated' });
  session.cancelSecondStep();

  await session.signIn('dr.lake', TEST_PASSWORD);
  const { secret } = await session.beginEnrolment();
  await expect(session.confirmEnrolment('000000')).rejects.toMatchObject({ code: 'unauthenticated' });
  const codes = await session.confirmEnrolment(codeAt(secret, Date.now()));
  expect(codes).toHaveLength(10);
  expect(session.state).toBe('signed-out'); // the codes are shown before the app opens
  await session.finishEnrolment();
  expect(session.state).toBe('unlocked');
  expect(session.secondStep).toBeNull();

  // Offline: the password alone unlocks this device.
  session.lock();
  setApiBase('http://127.0.0.1:9');
  await session.unlock(TEST_PASSWORD);
  expect(session.state).toBe('unlocked');

  // The administrator ends the session; back online, an unlock cannot renew it without the code.
  session.lock();
  const quiet = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };
  expect(await runAdmin(['revoke-sessions', '--username', 'dr.lake'], app.dataDir, quiet)).toBe(0);
  setApiBase(app.url);
  await session.unlock(TEST_PASSWORD);
  await waitFor(() => session.state === 'locked');
  expect(session.signInRequired).toBe(true);

  await session.unlock(TEST_PASSWORD);
  expect(session.secondStep).toEqual({ kind: 'code', username: 'dr.lake', methods: ['totp'] });
  await expect(session.submitSecondFactor({ code: codeAt(secret, Date.now() - 10 * 60_000) })).rejects.toMatchObject({ code: 'unauthenticated' });
  expect(session.state).toBe('locked');
  await session.submitSecondFactor({ recoveryCode: codes[0] });
  expect(session.state).toBe('unlocked');
  session.lock();
}, 60_000);
