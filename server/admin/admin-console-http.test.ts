import path from 'node:path';
import { createSecretSealer, loadOrCreateKeyFile } from '../crypto/sealed-secret';
import { randomUUID } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { createSecondFactorStore } from '../auth/second-factor';
import { resultReleaseOf } from './result-release-store';
import { addClinic, getJson, login, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * The admin console's security and clinic routes against the real server:
 * a user's devices and second factor (mark lost, reset), the clinic's
 * second-factor policy and result-release policy, and the clinics list and
 * creation. Each is refused to every other role with nothing changed, each
 * bad body is a 400 that says what is wrong, and each change is audited as
 * the administrator's, from the console.
 */
const UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
let app: TestApp;
let ids: Record<string, string>;
let clinicId: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp();
  const a = await addClinic(app, 'Riverbend', [
    { username: 'ada', roles: ['admin'] },
    { username: 'amara', roles: ['clinician'] },
    { username: 'tomas', roles: ['nurse'] },
    { username: 'priya', roles: ['frontdesk'] },
    { username: 'pat', roles: ['patient'] },
    { username: 'ward', roles: ['nurse'] }
  ]);
  await addClinic(app, 'Hillside', [{ username: 'hill.admin', roles: ['admin'] }]);
  ids = a.ids;
  clinicId = a.clinicId;
  for (const u of ['ada', 'amara', 'tomas', 'priya', 'pat', 'hill.admin']) cookies[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app.stop();
});

function post(path: string, body: unknown, cookie?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA, ...(cookie ? { cookie } : {}), ...headers }, body: JSON.stringify(body) });
}

const lastAudit = (action: string) => {
  const r = app.db.prepare('SELECT user_id, target, detail FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1').get(action) as { user_id: string | null; target: string; detail: string } | undefined;
  return r ? { userId: r.user_id, target: r.target, detail: JSON.parse(r.detail) as Record<string, unknown> } : null;
};
const auditCount = () => (app.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
const policyRow = () => (app.db.prepare('SELECT second_factor_roles AS r FROM clinics WHERE id = ?').get(clinicId) as { r: string }).r;

/** Signs `username` in on a device (as the app does: its id in the body and the cookie); returns the session cookie. */
async function signInOn(username: string, deviceId: string): Promise<string> {
  const res = await post('/api/auth/login', { username, password: 'correct horse battery', deviceId }, `outpost_device=${deviceId}`);
  expect(res.status).toBe(200);
  return `${(res.headers.get('set-cookie') ?? '').split(';')[0]}; outpost_device=${deviceId}`;
}

/** Gives `userId` a confirmed authenticator, as an enrolment in the app would. */
function enrolAuthenticator(userId: string, username: string): void {
  // The app's own secrets key (test apps keep it in their data directory), so the secret is sealed as the app seals it.
  const sealer = createSecretSealer(loadOrCreateKeyFile(path.join(app.dataDir, 'secrets.key'), 'secrets key', 'restore it.'));
  const store = createSecondFactorStore(app.db, Date.now, sealer);
  const { secret } = store.beginEnrolment(userId, username);
  const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
  expect(store.confirmEnrolment(userId, code)).toHaveLength(10);
}

describe('refused to every role but administrator, with nothing changed', () => {
  const routes = () => [
    { method: 'GET', path: `/api/admin/users/${ids.ward}/security` },
    { method: 'POST', path: `/api/admin/users/${ids.ward}/devices/${randomUUID()}/lost`, body: {} },
    { method: 'POST', path: `/api/admin/users/${ids.ward}/second-factor/reset`, body: {} },
    { method: 'GET', path: '/api/admin/clinic/second-factor' },
    { method: 'POST', path: '/api/admin/clinic/second-factor', body: { roles: [] } },
    { method: 'GET', path: '/api/admin/clinic/result-release' },
    { method: 'POST', path: '/api/admin/clinic/result-release', body: { mode: 'after-review' } },
    { method: 'GET', path: '/api/admin/clinics' },
    { method: 'POST', path: '/api/admin/clinics', body: { name: 'Sneaky Clinic', admin: { username: 'sneaky.admin', name: 'Sneaky' } } }
  ];
  const cases = ['amara', 'tomas', 'priya', 'pat'].flatMap((who) => [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => [who, i] as const));

  test.each(cases)('%s: route %i is refused with 403', async (who, i) => {
    const route = routes()[i];
    const before = auditCount();
    const res = route.method === 'GET' ? await getJson(app.url, route.path, cookies[who]) : await post(route.path, route.body, cookies[who]);
    expect(res.status).toBe(403);
    // A patient account meets the patient gate first (server/portal/patient-gate.ts), before the admin check.
    const refusal = who === 'pat' ? 'Patient accounts cannot use this part of Outpost. Your own record is under “My health record”.' : 'Only an administrator can do this.';
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(refusal);
    const after = app.db.prepare('SELECT action, user_id FROM audit_log WHERE seq > ?').all(before) as { action: string; user_id: string }[];
    expect(after).toEqual([{ action: 'authz.denied', user_id: ids[who] }]);
    expect(policyRow()).toBe('[]');
    expect(app.db.prepare("SELECT count(*) AS n FROM clinics WHERE name = 'Sneaky Clinic'").get()).toEqual({ n: 0 });
    expect(app.db.prepare('SELECT count(*) AS n FROM clinic_result_release').get()).toEqual({ n: 0 });
  });

  it('positive control: the same requests from the administrator are answered', async () => {
    for (const r of routes().filter((x) => x.method === 'GET')) expect((await getJson(app.url, r.path, cookies.ada)).status, r.path).toBe(200);
    // The device is unknown (404) — past the role check; the policy post is a real change, undone at once.
    expect((await post(routes()[1].path, {}, cookies.ada)).status).toBe(404);
    expect((await post('/api/admin/clinic/second-factor', { roles: ['admin'] }, cookies.ada)).status).toBe(200);
    expect(policyRow()).toBe('["admin"]');
    expect((await post('/api/admin/clinic/second-factor', { roles: [] }, cookies.ada)).status).toBe(200);
    expect(policyRow()).toBe('[]');
  });
});

describe("a user's devices and sessions", () => {
  it('lists the device a user signed in on, and marking it lost ends the session there and is audited', async () => {
    const deviceId = randomUUID();
    const wardCookie = await signInOn('ward', deviceId);
    expect((await getJson(app.url, '/api/auth/me', wardCookie)).status).toBe(200);

    const user = (await (await getJson(app.url, `/api/admin/users/${ids.ward}`, cookies.ada)).json()) as { sessions: { deviceId: string | null }[] };
    expect(user.sessions.map((s) => s.deviceId)).toEqual([deviceId]);
    const view = (await (await getJson(app.url, `/api/admin/users/${ids.ward}/security`, cookies.ada)).json()) as { devices: { id: string; name: string; state: string }[] };
    expect(view.devices).toMatchObject([{ id: deviceId, name: 'Chrome 131 on Android', state: 'in-use' }]);

    // Another clinic's administrator learns nothing of it.
    expect((await post(`/api/admin/users/${ids.ward}/devices/${deviceId}/lost`, {}, cookies['hill.admin'])).status).toBe(404);
    expect((await getJson(app.url, '/api/auth/me', wardCookie)).status).toBe(200);

    const res = await post(`/api/admin/users/${ids.ward}/devices/${deviceId}/lost`, {}, cookies.ada);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ deviceId, sessionsEnded: 1, alreadyLost: false, device: { state: 'lost', lostBy: 'ada' } });
    expect(lastAudit('device.lost')).toMatchObject({ userId: ids.ada, target: `device:${deviceId}`, detail: { by: 'ada', sessionsEnded: 1, users: [ids.ward], via: 'admin-console' } });

    // At its next contact the device is told to erase itself.
    const me = await getJson(app.url, '/api/auth/me', wardCookie);
    expect(me.status).toBe(410);
    expect(((await me.json()) as { error: { code: string } }).error.code).toBe('device-revoked');
    const after = (await (await getJson(app.url, `/api/admin/users/${ids.ward}/security`, cookies.ada)).json()) as { devices: { state: string }[] };
    expect(after.devices.map((d) => d.state)).toEqual(['lost']);
  });

  it("refuses a device that is not this user's (404) and a malformed id (400, said plainly)", async () => {
    const theirs = randomUUID();
    await signInOn('tomas', theirs);
    const res = await post(`/api/admin/users/${ids.ward}/devices/${theirs}/lost`, {}, cookies.ada);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('This user has not signed in on that device.');
    // Positive control: the same device through its own user is found.
    const view = (await (await getJson(app.url, `/api/admin/users/${ids.tomas}/security`, cookies.ada)).json()) as { devices: { id: string; state: string }[] };
    expect(view.devices).toMatchObject([{ id: theirs, state: 'in-use' }]);

    const bad = await post(`/api/admin/users/${ids.ward}/devices/not-a-device/lost`, {}, cookies.ada);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('Not a device id.');
  });
});

describe('second factor', () => {
  it('policy: the administrator chooses the roles; bad roles are refused readably; audited', async () => {
    const bad = await post('/api/admin/clinic/second-factor', { roles: ['nurse', 'root'] }, cookies.ada);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('Roles are admin, clinician, nurse, frontdesk, patient');
    const notList = await post('/api/admin/clinic/second-factor', { roles: 'nurse' }, cookies.ada);
    expect(notList.status).toBe(400);
    expect(((await notList.json()) as { error: { message: string } }).error.message).toBe('Send the roles as a list (it may be empty)');
    expect(policyRow()).toBe('[]');

    const res = await post('/api/admin/clinic/second-factor', { roles: ['nurse', 'admin', 'nurse'] }, cookies.ada);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ roles: ['nurse', 'admin'] });
    expect(policyRow()).toBe('["nurse","admin"]');
    expect(lastAudit('second-factor.policy')).toMatchObject({ userId: ids.ada, target: `clinic:${clinicId}`, detail: { roles: ['nurse', 'admin'], via: 'admin-console' } });
  });

  it('reset: shows enrolled, resets it (audited), and the user must enrol again at the next sign-in', async () => {
    enrolAuthenticator(ids.tomas, 'tomas');
    const before = (await (await getJson(app.url, `/api/admin/users/${ids.tomas}/security`, cookies.ada)).json()) as { secondFactor: Record<string, unknown> };
    expect(before.secondFactor).toMatchObject({ enrolled: true, required: true, recoveryCodesLeft: 10 });
    // Positive control: enrolled, a sign-in asks for the code.
    expect(await (await login(app.url, 'tomas')).json()).toMatchObject({ secondFactor: 'code' });

    const res = await post(`/api/admin/users/${ids.tomas}/second-factor/reset`, {}, cookies.ada);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hadAuthenticator: true, secondFactor: { enrolled: false, confirmedAt: null, recoveryCodesLeft: 0, required: true } });
    expect(lastAudit('second-factor.reset')).toMatchObject({ userId: ids.ada, target: 'tomas', detail: { hadAuthenticator: true, via: 'admin-console' } });
    expect(await (await login(app.url, 'tomas')).json()).toMatchObject({ secondFactor: 'enrol' });
  });

  it('an administrator cannot reset their own second factor; a body with fields is refused', async () => {
    const self = await post(`/api/admin/users/${ids.ada}/second-factor/reset`, {}, cookies.ada);
    expect(self.status).toBe(409);
    expect(((await self.json()) as { error: { message: string } }).error.message).toBe('You cannot reset your own second factor; ask another administrator.');
    const extra = await post(`/api/admin/users/${ids.ward}/second-factor/reset`, { everyone: true }, cookies.ada);
    expect(extra.status).toBe(400);
  });
});

describe('result release', () => {
  it('is immediate by default; after N days is stored and audited; out-of-range or missing days are refused readably', async () => {
    expect(await (await getJson(app.url, '/api/admin/clinic/result-release', cookies.ada)).json()).toEqual({ policy: { mode: 'immediate' }, updatedAt: null, updatedBy: null });

    const cases: [unknown, string][] = [
      [{ mode: 'after-days' }, 'Say after how many days results are released'],
      [{ mode: 'after-days', days: 15 }, 'Results are held for at most 14 days'],
      [{ mode: 'after-days', days: 0 }, 'Results are held for at least 1 day'],
      [{ mode: 'after-days', days: 2.5 }, 'The number of days must be a whole number'],
      [{ mode: 'immediate', days: 3 }, 'A number of days goes only with "after-days"'],
      [{ mode: 'never' }, 'Choose when results are released: immediate, after-review or after-days']
    ];
    for (const [body, message] of cases) {
      const res = await post('/api/admin/clinic/result-release', body, cookies.ada);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(message);
    }
    expect(app.db.prepare('SELECT count(*) AS n FROM clinic_result_release').get()).toEqual({ n: 0 });

    const res = await post('/api/admin/clinic/result-release', { mode: 'after-days', days: 7 }, cookies.ada);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ policy: { mode: 'after-days', days: 7 }, updatedBy: ids.ada });
    expect(lastAudit('clinic.settings')).toMatchObject({
      userId: ids.ada,
      target: `clinic:${clinicId}`,
      detail: { changed: { resultRelease: { from: { mode: 'immediate' }, to: { mode: 'after-days', days: 7 } } }, via: 'admin-console' }
    });
    // Another clinic keeps its own (the default).
    expect(await (await getJson(app.url, '/api/admin/clinic/result-release', cookies['hill.admin'])).json()).toMatchObject({ policy: { mode: 'immediate' } });
  });

  it('the portal reads the policy in force; a stored value this version cannot read releases immediately, never holds results', () => {
    expect(resultReleaseOf(app.db, clinicId)).toEqual({ mode: 'after-days', days: 7 });
    app.db.prepare("UPDATE clinic_result_release SET mode = 'after-days', days = 90 WHERE clinic_id = ?").run(clinicId);
    expect(resultReleaseOf(app.db, clinicId)).toEqual({ mode: 'immediate' });
    app.db.prepare("UPDATE clinic_result_release SET mode = 'after-review', days = NULL WHERE clinic_id = ?").run(clinicId);
    expect(resultReleaseOf(app.db, clinicId)).toEqual({ mode: 'after-review' });
  });
});

describe('clinics', () => {
  it('lists the clinics with names and counts only', async () => {
    const res = await getJson(app.url, '/api/admin/clinics', cookies.ada);
    const { clinics } = (await res.json()) as { clinics: Record<string, unknown>[] };
    expect(clinics.map((c) => [c.name, c.users, c.yours])).toEqual([
      ['Riverbend', 6, true],
      ['Hillside', 1, false]
    ]);
    expect(Object.keys(clinics[0]).sort()).toEqual(['createdAt', 'id', 'name', 'users', 'yours']);
  });

  it('creates a clinic with its first administrator, who signs in with the password shown once; audited', async () => {
    const res = await post('/api/admin/clinics', { name: 'Cedar Flats', admin: { username: 'cedar.admin', name: 'Cedar Admin' } }, cookies.ada);
    expect(res.status).toBe(201);
    const made = (await res.json()) as { clinic: { id: string; name: string }; admin: { username: string; roles: string[] }; generatedPassword: string };
    expect(made.clinic.name).toBe('Cedar Flats');
    expect(made.admin).toMatchObject({ username: 'cedar.admin', roles: ['admin'] });
    expect(made.generatedPassword.length).toBeGreaterThanOrEqual(10);

    const signIn = await login(app.url, 'cedar.admin', made.generatedPassword);
    // The new clinic asks its administrator for a second factor (the default policy): the password was right.
    expect(await signIn.json()).toMatchObject({ secondFactor: 'enrol' });
    expect(lastAudit('clinic.create')).toMatchObject({ userId: ids.ada, target: made.clinic.id, detail: { via: 'admin-console', byClinic: clinicId } });
    const userAudit = lastAudit('user.create')!;
    expect(userAudit).toMatchObject({ userId: ids.ada, target: 'cedar.admin', detail: { clinicId: made.clinic.id, passwordGenerated: true } });
    expect(JSON.stringify(userAudit)).not.toContain(made.generatedPassword);
    // The creator got nothing there: their own clinic's users are unchanged and they act in their own clinic still.
    expect((await (await getJson(app.url, '/api/admin/users', cookies.ada)).json()) as { users: unknown[] }).toMatchObject({ users: { length: 6 } });
  });

  it('refuses a taken name or username (409), and a missing administrator (400), creating nothing', async () => {
    const before = (app.db.prepare('SELECT count(*) AS n FROM clinics').get() as { n: number }).n;
    const taken = await post('/api/admin/clinics', { name: 'hillside', admin: { username: 'new.one', name: 'New' } }, cookies.ada);
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { error: { message: string } }).error.message).toBe('A clinic named "hillside" already exists.');
    const user = await post('/api/admin/clinics', { name: 'Brand New', admin: { username: 'ward', name: 'Ward' } }, cookies.ada);
    expect(user.status).toBe(409);
    expect(((await user.json()) as { error: { message: string } }).error.message).toBe('The username "ward" is taken.');
    const none = await post('/api/admin/clinics', { name: 'Brand New' }, cookies.ada);
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { message: string } }).error.message).toBe('Name the clinic’s first administrator');
    const blank = await post('/api/admin/clinics', { name: '  ', admin: { username: 'x.y', name: 'X' } }, cookies.ada);
    expect(blank.status).toBe(400);
    expect(((await blank.json()) as { error: { message: string } }).error.message).toBe('Name the clinic');
    expect((app.db.prepare('SELECT count(*) AS n FROM clinics').get() as { n: number }).n).toBe(before);
  });
});
