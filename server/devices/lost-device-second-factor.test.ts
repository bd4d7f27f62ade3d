import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAdmin } from '../cli/admin-commands';
import { addClinic, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';

/**
 * Lost devices and the two-step sign-in: the session a second step issues is
 * tied to the device the password came from, and a device reported lost
 * after the password step gets the wipe signal (410 `device-revoked`) at the
 * code step, with no session. Every request is sent directly, as a hostile
 * client would. The server's clock is stepped by the test so codes are
 * computed with the same library the server uses.
 */

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0); // the start of a 30 s step
const UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const WIPE_MESSAGE = 'This device was reported lost or stolen. It has been signed out and must erase its data.';
let clock = T0;
let app: TestApp;

beforeEach(async () => {
  clock = T0;
  app = await startTestApp({ authClock: () => clock });
  await addClinic(
    app,
    'Hilltop Clinic',
    [
      { username: 'dr.required', roles: ['clinician'] },
      { username: 'nurse.optional', roles: ['nurse'] }
    ],
    { secondFactorRoles: ['clinician', 'admin'] }
  );
});
afterEach(async () => {
  await app.stop();
});

function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': UA, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body)
  });
}

function codeAt(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
}

function cookieOf(res: Response): string {
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

async function passwordStep(username: string, deviceId: string): Promise<{ secondFactor: string; pendingToken: string }> {
  const res = await post('/api/auth/login', { username, password: TEST_PASSWORD, deviceId });
  expect(res.status).toBe(200);
  expect(res.headers.get('set-cookie')).toBeNull();
  return (await res.json()) as { secondFactor: string; pendingToken: string };
}

async function markLost(deviceId: string): Promise<void> {
  const io = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };
  expect(await runAdmin(['mark-device-lost', '--device', deviceId], app.dataDir, io)).toBe(0);
}

async function expectWipeSignal(res: Response): Promise<void> {
  expect(res.status).toBe(410);
  // No session comes with it: only the (absent) session cookie is dropped.
  expect(res.headers.get('set-cookie')).toMatch(/^outpost_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('device-revoked');
  expect(body.error.message).toBe(WIPE_MESSAGE);
}

/** dr.required enrols at first sign-in on `deviceId`; returns the secret and the session cookie. */
async function enrolOn(deviceId: string): Promise<{ secret: string; cookie: string; body: { user: Record<string, unknown> } }> {
  const first = await passwordStep('dr.required', deviceId);
  expect(first.secondFactor).toBe('enrol');
  const begun = (await (await post('/api/auth/login/enrol', { pendingToken: first.pendingToken })).json()) as { secret: string };
  const res = await post('/api/auth/login/enrol/confirm', { pendingToken: first.pendingToken, code: codeAt(begun.secret, clock) });
  expect(res.status).toBe(200);
  return { secret: begun.secret, cookie: cookieOf(res), body: (await res.json()) as { user: Record<string, unknown> } };
}

function sessionDevice(userId: string): (string | null)[] {
  return (app.db.prepare('SELECT device_id FROM sessions WHERE user_id = ? ORDER BY created_at').all(userId) as { device_id: string | null }[]).map((r) => r.device_id);
}

describe('two-step sign-in on a device', () => {
  it('ties the session an enrolment at sign-in issues to the device, with the clinic settings in the answer', async () => {
    const device = crypto.randomUUID();
    const { cookie, body } = await enrolOn(device);
    expect(body.user.username).toBe('dr.required');
    expect(body.user.clinicSettings).toEqual({ idleLockMinutes: expect.any(Number), devicePanel: { mode: 'all' } });
    expect(sessionDevice(body.user.id as string)).toEqual([device]);
    expect((await fetch(`${app.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);

    await markLost(device);
    // The session ended with its device: a cookie copied off it gets the wipe signal.
    await expectWipeSignal(await fetch(`${app.url}/api/auth/me`, { headers: { cookie } }));
  });

  it('ties the session a code step issues to the device the password came from', async () => {
    const first = crypto.randomUUID();
    const { secret, body } = await enrolOn(first);
    clock += 30_000;
    const second = crypto.randomUUID();
    const pending = await passwordStep('dr.required', second);
    expect(pending.secondFactor).toBe('code');
    const res = await post('/api/auth/login/second-factor', { pendingToken: pending.pendingToken, code: codeAt(secret, clock) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { clinicSettings: unknown } }).user.clinicSettings).toEqual({ idleLockMinutes: expect.any(Number), devicePanel: { mode: 'all' } });
    expect(sessionDevice(body.user.id as string)).toEqual([first, second]);
  });

  it('gives the wipe signal at the code step to a device reported lost after its password step, and no session', async () => {
    const lost = crypto.randomUUID();
    const { secret, body } = await enrolOn(lost);
    const userId = body.user.id as string;
    clock += 30_000;
    const fromLost = await passwordStep('dr.required', lost);
    const fromOther = await passwordStep('dr.required', crypto.randomUUID());
    expect(fromLost.secondFactor).toBe('code');

    await markLost(lost);
    const code = codeAt(secret, clock);
    await expectWipeSignal(await post('/api/auth/login/second-factor', { pendingToken: fromLost.pendingToken, code }));
    // A retry gets the signal again; a recovery code does not get round it.
    await expectWipeSignal(await post('/api/auth/login/second-factor', { pendingToken: fromLost.pendingToken, recoveryCode: 'aaaa-bbbb' }));
    // Only the enrolment's session exists (ended by the report); the lost device got none.
    expect(app.db.prepare('SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?').get(userId)).toEqual({ n: 1 });
    const signals = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'device.wipe-signal' AND target = ?").all(`device:${lost}`) as { detail: string }[];
    expect(signals.map((r) => JSON.parse(r.detail))).toEqual([{ via: 'second-factor' }]);

    // Positive control: the same user's pending sign-in on another device still works, with the same code.
    const ok = await post('/api/auth/login/second-factor', { pendingToken: fromOther.pendingToken, code });
    expect(ok.status).toBe(200);
    // And the lost device is refused before its password is even checked.
    await expectWipeSignal(await post('/api/auth/login', { username: 'dr.required', password: 'not the password', deviceId: lost }));
  });

  it('gives the wipe signal at both enrolment steps to a device reported lost after its password step', async () => {
    const device = crypto.randomUUID();
    // The nurse's password-only sign-in registers the shared tablet.
    const nurse = await post('/api/auth/login', { username: 'nurse.optional', password: TEST_PASSWORD, deviceId: device });
    expect(nurse.status).toBe(200);
    const pending = await passwordStep('dr.required', device);
    expect(pending.secondFactor).toBe('enrol');

    await markLost(device);
    await expectWipeSignal(await post('/api/auth/login/enrol', { pendingToken: pending.pendingToken }));
    await expectWipeSignal(await post('/api/auth/login/enrol/confirm', { pendingToken: pending.pendingToken, code: '123456' }));
    const userId = (app.db.prepare("SELECT id FROM users WHERE username = 'dr.required'").get() as { id: string }).id;
    expect(sessionDevice(userId)).toEqual([]);
  });
});
