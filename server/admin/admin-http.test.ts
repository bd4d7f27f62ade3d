import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { addClinic, getJson, login, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { LIVEKIT } from '../telehealth/telehealth-test-support';

/**
 * The admin console's API against the real server: every route refused to
 * every other role and to no session, an administrator confined to their
 * own clinic, every change audited without a password, and the clinic's
 * settings reaching the code that uses them (the idle lock in the sign-in
 * answer, the join-link lifetime in a new link).
 */
let app: TestApp;
let clinicId: string;
let otherClinicId: string;
let ids: Record<string, string>;
let otherIds: Record<string, string>;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  // The periodic session check is slowed to a minute: a socket closed within seconds was closed by the admin action itself.
  app = await startTestApp({ telehealth: LIVEKIT, sync: { sessionCheckMs: 60_000 } });
  const a = await addClinic(app, 'Riverbend', [
    { username: 'ada', roles: ['admin'] },
    { username: 'amara', roles: ['clinician'] },
    { username: 'tomas', roles: ['nurse'] },
    { username: 'priya', roles: ['frontdesk'] },
    { username: 'pat', roles: ['patient'] },
    { username: 'ward', roles: ['nurse'] }
  ]);
  const b = await addClinic(app, 'Hillside', [
    { username: 'hill.admin', roles: ['admin'] },
    { username: 'hill.doc', roles: ['clinician'] }
  ]);
  clinicId = a.clinicId;
  otherClinicId = b.clinicId;
  ids = a.ids;
  otherIds = b.ids;
  for (const u of ['ada', 'amara', 'tomas', 'priya', 'pat', 'hill.admin']) cookies[u] = await sessionCookieFor(app.url, u);
});

afterAll(async () => {
  await app.stop();
});

function post(path: string, body: unknown, cookie?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...headers }, body: JSON.stringify(body) });
}

const auditRows = (action: string) =>
  (app.db.prepare('SELECT user_id, target, detail FROM audit_log WHERE action = ? ORDER BY seq').all(action) as { user_id: string | null; target: string; detail: string }[]).map((r) => ({
    ...r,
    detail: JSON.parse(r.detail) as Record<string, unknown>
  }));

const userRow = (username: string) => app.db.prepare('SELECT roles, disabled, password_hash FROM users WHERE username = ?').get(username) as { roles: string; disabled: number; password_hash: string };

/** Every admin route with a body that an administrator's request would carry (so a refusal is about the role, not the body). */
function adminRoutes(wardId = ids?.ward ?? ':id'): { method: 'GET' | 'POST'; path: string; body?: unknown }[] {
  const clientId = ids ? randomUUID() : ':id';
  return [
    { method: 'GET', path: '/api/admin/users' },
    { method: 'POST', path: '/api/admin/users', body: { username: 'sneaky', name: 'Sneaky', roles: ['admin'], password: 'long enough password' } },
    { method: 'GET', path: `/api/admin/users/${wardId}` },
    { method: 'POST', path: `/api/admin/users/${wardId}/roles`, body: { roles: ['admin'] } },
    { method: 'POST', path: `/api/admin/users/${wardId}/disabled`, body: { disabled: true } },
    { method: 'POST', path: `/api/admin/users/${wardId}/password`, body: { password: 'taken over password' } },
    { method: 'POST', path: `/api/admin/users/${wardId}/sessions/revoke`, body: {} },
    { method: 'GET', path: '/api/admin/clinic' },
    { method: 'POST', path: '/api/admin/clinic/settings', body: { idleLockMinutes: 1440 } },
    { method: 'GET', path: '/api/admin/api-clients' },
    { method: 'POST', path: '/api/admin/api-clients', body: { name: 'x', jwks: '{"keys":[]}', scopes: 'system/*.rs' } },
    { method: 'POST', path: `/api/admin/api-clients/${clientId}/disabled`, body: { disabled: true } },
    { method: 'GET', path: '/api/admin/transfer-destinations' },
    { method: 'POST', path: '/api/admin/transfer-destinations', body: { name: 'Elsewhere', url: 'https://elsewhere.example' } },
    { method: 'POST', path: '/api/admin/transfer-keys', body: { name: 'Elsewhere' } },
    { method: 'GET', path: `/api/admin/users/${wardId}/security` },
    { method: 'POST', path: `/api/admin/users/${wardId}/devices/${clientId}/lost`, body: {} },
    { method: 'POST', path: `/api/admin/users/${wardId}/second-factor/reset`, body: {} },
    { method: 'GET', path: '/api/admin/clinic/second-factor' },
    { method: 'POST', path: '/api/admin/clinic/second-factor', body: { roles: [] } },
    { method: 'GET', path: '/api/admin/clinic/result-release' },
    { method: 'POST', path: '/api/admin/clinic/result-release', body: { mode: 'after-review' } },
    { method: 'GET', path: '/api/admin/clinic/self-booking' },
    { method: 'POST', path: '/api/admin/clinic/self-booking', body: { typeIds: [], minNoticeHours: 2, maxDaysAhead: 14 } },
    { method: 'GET', path: '/api/admin/clinic/device-panel' },
    { method: 'POST', path: '/api/admin/clinic/device-panel', body: { mode: 'panel', seenMonths: 6, scheduledDays: 3, openedDays: 10 } },
    { method: 'GET', path: '/api/admin/clinics' },
    { method: 'POST', path: '/api/admin/clinics', body: { name: 'Sneaky Clinic', admin: { username: 'sneaky', name: 'Sneaky' } } },
    { method: 'GET', path: '/api/admin/edges' },
    { method: 'POST', path: '/api/admin/edges/enrolment-codes', body: { name: 'Sneaky box' } },
    { method: 'POST', path: `/api/admin/edges/${wardId}/revoke`, body: {} },
    { method: 'POST', path: '/api/admin/edges/bundle', body: {} },
    { method: 'POST', path: `/api/admin/edges/${wardId}/bundle`, body: {} }
  ];
}

describe('every admin route is refused to every other role and to no session', () => {
  it('covers every /api/admin route the server has', () => {
    const served = app.routes.filter((r) => r.path.startsWith('/api/admin')).map((r) => `${r.method} ${r.path.replace(/:[a-z]+/g, ':x')}`).sort();
    const tested = adminRoutes().map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':x')}`).sort();
    expect(tested).toEqual(served);
  });

  const cases = ['amara', 'tomas', 'priya', 'pat', null].flatMap((who) => adminRoutes(':id').map((r, i) => [who ?? '(no session)', i, r.method, r.path] as const));
  test.each(cases)('%s: route %i (%s %s) is refused', async (who, i) => {
    const route = adminRoutes()[i];
    const cookie = who === '(no session)' ? undefined : cookies[who];
    const before = (app.db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
    const res = route.method === 'GET' ? await getJson(app.url, route.path, cookie) : await post(route.path, route.body, cookie);
    expect(res.status).toBe(cookie ? 403 : 401);
    const body = (await res.json()) as { error: { message: string } };
    // A patient account is stopped before the route by the patient gate (server/portal/patient-gate.ts).
    const refusal = who === 'pat' ? 'Patient accounts cannot use this part of Outpost. Your own record is under “My health record”.' : 'Only an administrator can do this.';
    expect(body.error.message).toBe(cookie ? refusal : 'Sign in to continue.');
    // Nothing changed: the last audit entries are the refusal only.
    const after = app.db.prepare('SELECT action FROM audit_log WHERE seq > ?').all(before) as { action: string }[];
    if (cookie) expect(after.map((a) => a.action)).toEqual(['authz.denied']);
    expect(userRow('ward')).toMatchObject({ roles: '["nurse"]', disabled: 0 });
    expect(app.db.prepare("SELECT count(*) AS n FROM users WHERE username = 'sneaky'").get()).toEqual({ n: 0 });
  });

  it('positive control: the administrator reads every GET route', async () => {
    for (const r of adminRoutes().filter((x) => x.method === 'GET')) {
      expect((await getJson(app.url, r.path, cookies.ada)).status, r.path).toBe(200);
    }
  });

  it('refuses a state-changing admin request from another site (Origin), as every route', async () => {
    const res = await post(`/api/admin/users/${ids.ward}/disabled`, { disabled: true }, cookies.ada, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(userRow('ward').disabled).toBe(0);
  });
});

describe('users', () => {
  it('lists and searches only the own clinic’s users, without password hashes', async () => {
    const res = await getJson(app.url, '/api/admin/users', cookies.ada);
    const { users } = (await res.json()) as { users: { username: string; passwordHash?: string }[] };
    expect(users.map((u) => u.username)).toEqual(['ada', 'amara', 'pat', 'priya', 'tomas', 'ward']);
    expect(JSON.stringify(users)).not.toContain('scrypt');
    const found = (await (await getJson(app.url, '/api/admin/users?q=TOM', cookies.ada)).json()) as { users: { username: string }[] };
    expect(found.users.map((u) => u.username)).toEqual(['tomas']);
  });

  it('creates a clinician with a generated password shown once; the new user signs in with it; the audit holds no password', async () => {
    const res = await post('/api/admin/users', { username: 'new.doc', name: 'Dr. New', roles: ['clinician'] }, cookies.ada);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { id: string; roles: string[] }; generatedPassword: string };
    expect(body.user.roles).toEqual(['clinician']);
    expect(body.generatedPassword).toMatch(/^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);
    expect((await login(app.url, 'new.doc', body.generatedPassword)).status).toBe(200);
    expect(app.db.prepare('SELECT clinic_id FROM users WHERE username = ?').get('new.doc')).toEqual({ clinic_id: clinicId });
    const entry = auditRows('user.create').at(-1)!;
    expect(entry).toEqual({ user_id: ids.ada, target: 'new.doc', detail: { userId: body.user.id, roles: ['clinician'], passwordGenerated: true, via: 'admin-console' } });
    const whole = JSON.stringify(app.db.prepare('SELECT * FROM audit_log').all());
    expect(whole).not.toContain(body.generatedPassword);
  });

  it('creates a user with the password the administrator chose', async () => {
    const res = await post('/api/admin/users', { username: 'desk2', name: 'Desk Two', roles: ['frontdesk', 'frontdesk'], password: 'a chosen password' }, cookies.ada);
    expect(res.status).toBe(201);
    expect(await res.json()).not.toHaveProperty('generatedPassword');
    expect((await login(app.url, 'desk2', 'a chosen password')).status).toBe(200);
    expect(userRow('desk2').roles).toBe('["frontdesk"]');
  });

  test.each([
    [{ username: 'a b', name: 'X', roles: ['nurse'] }, 'username', 'Usernames are 2–64 letters, digits, dots, dashes or underscores'],
    [{ username: 'okname', name: '  ', roles: ['nurse'] }, 'name', 'Enter the person’s name'],
    [{ username: 'okname', name: 'X', roles: [] }, 'roles', 'Choose at least one role'],
    [{ username: 'okname', name: 'X', roles: ['patient'] }, 'roles.0', 'Roles are admin, clinician, nurse, frontdesk'],
    [{ username: 'okname', name: 'X', roles: ['nurse'], password: 'short' }, 'password', 'The password needs at least 10 characters'],
    [{ username: 'okname', name: 'X', roles: ['nurse'], clinicId: 'elsewhere' }, '', 'Unrecognized key: "clinicId"']
  ])('refuses an invalid new user with a readable error (%j)', async (input, path, message) => {
    const res = await post('/api/admin/users', input, cookies.ada);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { path: string; message: string }[] } };
    expect(body.error.details).toContainEqual({ path, message });
    expect(app.db.prepare("SELECT count(*) AS n FROM users WHERE username = 'okname'").get()).toEqual({ n: 0 });
  });

  it('refuses a taken username (in any clinic) with 409', async () => {
    const res = await post('/api/admin/users', { username: 'HILL.DOC', name: 'X', roles: ['nurse'] }, cookies.ada);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('The username "HILL.DOC" is taken.');
  });

  it('changes roles, audited with before and after', async () => {
    const res = await post(`/api/admin/users/${ids.tomas}/roles`, { roles: ['nurse', 'frontdesk'] }, cookies.ada);
    expect(res.status).toBe(200);
    expect(userRow('tomas').roles).toBe('["nurse","frontdesk"]');
    expect(auditRows('user.roles').at(-1)).toEqual({ user_id: ids.ada, target: 'tomas', detail: { userId: ids.tomas, from: ['nurse'], to: ['nurse', 'frontdesk'], via: 'admin-console' } });
  });

  it('a patient’s account cannot be turned into a staff account', async () => {
    const res = await post(`/api/admin/users/${ids.pat}/roles`, { roles: ['clinician'] }, cookies.ada);
    expect(res.status).toBe(409);
    expect(userRow('pat').roles).toBe('["patient"]');
  });

  it('an administrator cannot disable themself or drop their own admin role', async () => {
    const off = await post(`/api/admin/users/${ids.ada}/disabled`, { disabled: true }, cookies.ada);
    expect(off.status).toBe(409);
    const demote = await post(`/api/admin/users/${ids.ada}/roles`, { roles: ['clinician'] }, cookies.ada);
    expect(demote.status).toBe(409);
    expect(userRow('ada')).toMatchObject({ roles: '["admin"]', disabled: 0 });
  });
});

describe('another clinic is out of reach', () => {
  test.each([
    ['GET', (id: string) => `/api/admin/users/${id}`, undefined],
    ['POST', (id: string) => `/api/admin/users/${id}/disabled`, { disabled: true }],
    ['POST', (id: string) => `/api/admin/users/${id}/roles`, { roles: ['admin'] }],
    ['POST', (id: string) => `/api/admin/users/${id}/password`, { password: 'taken over password' }],
    ['POST', (id: string) => `/api/admin/users/${id}/sessions/revoke`, {}]
  ] as const)('%s %s of another clinic’s user answers 404 and changes nothing', async (method, path, body) => {
    const p = path(otherIds['hill.doc']);
    const res = method === 'GET' ? await getJson(app.url, p, cookies.ada) : await post(p, body, cookies.ada);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('There is no such user in your clinic.');
    expect(userRow('hill.doc')).toMatchObject({ roles: '["clinician"]', disabled: 0 });
    expect((await login(app.url, 'hill.doc')).status).toBe(200);
  });

  it('the other clinic’s administrator sees only their own users', async () => {
    const { users } = (await (await getJson(app.url, '/api/admin/users', cookies['hill.admin'])).json()) as { users: { username: string }[] };
    expect(users.map((u) => u.username)).toEqual(['hill.admin', 'hill.doc']);
  });
});

describe('sessions', () => {
  async function seedPatient(): Promise<string> {
    const id = randomUUID();
    const doc = new Y.Doc();
    initPatientDoc(doc, id, { family: 'Moyo', given: ['Tendai'], birthDate: '1981-02-03', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
    await app.sync.applyServerUpdate(docName('patient', id), clinicId, Y.encodeStateAsUpdate(doc), ids.ada);
    return id;
  }

  it('lists a user’s open sessions and ends one; the other stays', async () => {
    const first = await sessionCookieFor(app.url, 'ward');
    const second = await sessionCookieFor(app.url, 'ward');
    const detail = (await (await getJson(app.url, `/api/admin/users/${ids.ward}`, cookies.ada)).json()) as { sessions: { id: string; current: boolean }[] };
    expect(detail.sessions).toHaveLength(2);
    expect(detail.sessions.every((s) => !s.current)).toBe(true);
    // Newest first: the second sign-in is listed first.
    const res = await post(`/api/admin/users/${ids.ward}/sessions/revoke`, { sessionId: detail.sessions[0].id }, cookies.ada);
    expect(await res.json()).toEqual({ sessionsEnded: 1 });
    expect((await getJson(app.url, '/api/auth/me', second)).status).toBe(401);
    expect((await getJson(app.url, '/api/auth/me', first)).status).toBe(200);
    expect(auditRows('sessions.revoke').at(-1)).toEqual({ user_id: ids.ada, target: 'ward', detail: { userId: ids.ward, count: 1, sessionId: detail.sessions[0].id, via: 'admin-console' } });
    // A session id of another user (here the administrator's own) is not this user's.
    const own = (await (await getJson(app.url, `/api/admin/users/${ids.ada}`, cookies.ada)).json()) as { sessions: { id: string; current: boolean }[] };
    const current = own.sessions.find((s) => s.current)!;
    expect((await post(`/api/admin/users/${ids.ward}/sessions/revoke`, { sessionId: current.id }, cookies.ada)).status).toBe(404);
    expect((await getJson(app.url, '/api/auth/me', cookies.ada)).status).toBe(200);
    // All at once.
    expect(await (await post(`/api/admin/users/${ids.ward}/sessions/revoke`, {}, cookies.ada)).json()).toEqual({ sessionsEnded: 1 });
    expect((await getJson(app.url, '/api/auth/me', first)).status).toBe(401);
  });

  it('disabling a user ends their sessions and closes their sync socket at once (4401); enabling lets them sign in again', async () => {
    const patientId = await seedPatient();
    const cookie = await sessionCookieFor(app.url, 'amara');
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/sync/${docName('patient', patientId)}`, { headers: { cookie } });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const started = Date.now();
    const res = await post(`/api/admin/users/${ids.amara}/disabled`, { disabled: true }, cookies.ada);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sessionsEnded: number }).sessionsEnded).toBe(2);
    expect(await closed).toBe(4401);
    // Far sooner than the minute of the periodic check.
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await getJson(app.url, '/api/auth/me', cookie)).status).toBe(401);
    expect((await login(app.url, 'amara')).status).toBe(401);
    expect(auditRows('user.disable').at(-1)).toEqual({ user_id: ids.ada, target: 'amara', detail: { userId: ids.amara, disabled: true, sessionsEnded: 2, via: 'admin-console' } });

    expect((await post(`/api/admin/users/${ids.amara}/disabled`, { disabled: false }, cookies.ada)).status).toBe(200);
    expect((await login(app.url, 'amara')).status).toBe(200);
  });

  it('a password reset replaces the password, ends the sessions and shows a generated password once', async () => {
    const cookie = await sessionCookieFor(app.url, 'priya');
    const res = await post(`/api/admin/users/${ids.priya}/password`, {}, cookies.ada);
    const body = (await res.json()) as { generatedPassword: string; sessionsEnded: number };
    expect(body.sessionsEnded).toBe(2);
    expect((await getJson(app.url, '/api/auth/me', cookie)).status).toBe(401);
    expect((await login(app.url, 'priya', TEST_PASSWORD)).status).toBe(401);
    expect((await login(app.url, 'priya', body.generatedPassword)).status).toBe(200);
    expect(auditRows('user.password-reset').at(-1)!.detail).toEqual({ userId: ids.priya, sessionsEnded: 2, passwordGenerated: true, via: 'admin-console' });
    const short = await post(`/api/admin/users/${ids.priya}/password`, { password: 'short' }, cookies.ada);
    expect(short.status).toBe(400);
  });
});

describe('clinic settings', () => {
  it('the idle lock set for the clinic reaches its users’ sign-in answer and /api/config; the other clinic keeps the default', async () => {
    const before = (await (await login(app.url, 'tomas')).json()) as { user: { clinicSettings: { idleLockMinutes: number } } };
    expect(before.user.clinicSettings).toEqual({ idleLockMinutes: 15, devicePanel: { mode: 'all' } });
    const res = await post('/api/admin/clinic/settings', { idleLockMinutes: 3 }, cookies.ada);
    expect(res.status).toBe(200);
    const view = ((await res.json()) as { settings: { effective: Record<string, number>; overrides: Record<string, number | null> } }).settings;
    expect(view.effective).toEqual({ idleLockMinutes: 3, patientLinkMinutes: 1440, guestLinkMinutes: 240 });
    expect(view.overrides).toEqual({ idleLockMinutes: 3, patientLinkMinutes: null, guestLinkMinutes: null });
    const after = (await (await login(app.url, 'tomas')).json()) as { user: { clinicSettings: { idleLockMinutes: number } } };
    expect(after.user.clinicSettings).toEqual({ idleLockMinutes: 3, devicePanel: { mode: 'all' } });
    const me = (await (await getJson(app.url, '/api/auth/me', cookies.ada)).json()) as { user: { clinicSettings: unknown } };
    expect(me.user.clinicSettings).toEqual({ idleLockMinutes: 3, devicePanel: { mode: 'all' } });
    const other = (await (await getJson(app.url, '/api/auth/me', cookies['hill.admin'])).json()) as { user: { clinicSettings: unknown } };
    expect(other.user.clinicSettings).toEqual({ idleLockMinutes: 15, devicePanel: { mode: 'all' } });
    // Two clinics on this server: before sign-in the app gets the server's default.
    expect(((await (await getJson(app.url, '/api/config')).json()) as { idleLockMinutes: number }).idleLockMinutes).toBe(15);
    expect(auditRows('clinic.settings').at(-1)).toEqual({ user_id: ids.ada, target: `clinic:${clinicId}`, detail: { changed: { idleLockMinutes: { from: 15, to: 3 } }, via: 'admin-console' } });

    // null goes back to the default.
    await post('/api/admin/clinic/settings', { idleLockMinutes: null }, cookies.ada);
    const reset = (await (await getJson(app.url, '/api/auth/me', cookies.ada)).json()) as { user: { clinicSettings: unknown } };
    expect(reset.user.clinicSettings).toEqual({ idleLockMinutes: 15, devicePanel: { mode: 'all' } });
  });

  test.each([
    [{ idleLockMinutes: 0 }, 'idleLockMinutes', 'Idle lock must be at least 1 minutes'],
    [{ idleLockMinutes: 2.5 }, 'idleLockMinutes', 'Idle lock must be a whole number of minutes'],
    [{ idleLockMinutes: '5' }, 'idleLockMinutes', 'Idle lock must be a number of minutes'],
    [{ guestLinkMinutes: 24 * 60 + 1 }, 'guestLinkMinutes', 'Guest link lifetime must be at most 1440 minutes'],
    [{ sessionMinutes: 5 }, '', 'Unrecognized key: "sessionMinutes"']
  ])('refuses invalid settings readably (%j)', async (input, path, message) => {
    const res = await post('/api/admin/clinic/settings', input, cookies.ada);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: unknown[] } }).error.details).toContainEqual({ path, message });
  });

  it('a new join link lasts as long as the clinic set when the request names no lifetime', async () => {
    const patientId = randomUUID();
    const doc = new Y.Doc();
    initPatientDoc(doc, patientId, { family: 'Banda', given: ['Chiso'], birthDate: '1990-01-02', gender: 'male' }, { id: 'x', name: 'Outpost import' }, newMrn());
    await app.sync.applyServerUpdate(docName('patient', patientId), clinicId, Y.encodeStateAsUpdate(doc), ids.ada);
    const desk = await sessionCookieFor(app.url, 'desk2', 'a chosen password');
    const lifetime = async () => {
      const t = Date.now();
      const res = await post('/api/telehealth/links', { scope: 'patient', visitId: randomUUID(), patientId }, desk);
      expect(res.status).toBe(201);
      return Math.round((Date.parse(((await res.json()) as { expiresAt: string }).expiresAt) - t) / 60_000);
    };
    expect(await lifetime()).toBe(1440);
    await post('/api/admin/clinic/settings', { patientLinkMinutes: 90 }, cookies.ada);
    expect(await lifetime()).toBe(90);
  });
});

describe('API clients and transfers', () => {
  async function publicJwks() {
    const { publicKey } = await generateKeyPair('ES384', { extractable: true });
    return { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384' }] };
  }

  it('registers a client from pasted JWKS text, lists it, disables and enables it, each audited', async () => {
    const res = await post('/api/admin/api-clients', { name: 'Lab system', jwks: JSON.stringify(await publicJwks()), scopes: 'system/Patient.rs system/Observation.rs' }, cookies.ada);
    expect(res.status).toBe(201);
    const { client } = (await res.json()) as { client: { id: string; keyIds: string[]; scopes: string[]; createdBy: string } };
    expect(client).toMatchObject({ keyIds: ['k1'], scopes: ['system/Patient.rs', 'system/Observation.rs'], createdBy: 'ada' });
    expect(app.apiClients.get(client.id)?.clinicId).toBe(clinicId);
    const list = (await (await getJson(app.url, '/api/admin/api-clients', cookies.ada)).json()) as { clients: { id: string }[] };
    expect(list.clients.map((c) => c.id)).toEqual([client.id]);
    const otherList = (await (await getJson(app.url, '/api/admin/api-clients', cookies['hill.admin'])).json()) as { clients: unknown[] };
    expect(otherList.clients).toEqual([]);
    // The other clinic's administrator cannot disable it.
    expect((await post(`/api/admin/api-clients/${client.id}/disabled`, { disabled: true }, cookies['hill.admin'])).status).toBe(404);
    expect(app.apiClients.get(client.id)?.disabled).toBe(false);
    expect((await post(`/api/admin/api-clients/${client.id}/disabled`, { disabled: true }, cookies.ada)).status).toBe(200);
    expect(app.apiClients.get(client.id)?.disabled).toBe(true);
    expect(auditRows('api-client.disable').at(-1)).toEqual({ user_id: ids.ada, target: `api-client:${client.id}`, detail: { clientId: client.id, disabled: true, via: 'admin-console' } });
  });

  test.each([
    [{ name: 'X', jwks: '{not json', scopes: 'system/*.rs' }, 'jwks', 'Not valid JSON'],
    [{ name: 'X', jwks: { keys: [{ kty: 'EC', kid: 'a', d: 'secret' }] }, scopes: 'system/*.rs' }, 'jwks', 'The JWKS holds a private key; register only the public keys'],
    [{ name: 'X', jwks: { keys: [] }, scopes: 'user/*.rs' }, 'scopes', 'Scopes are SMART system scopes such as "system/*.rs", "system/Patient.rs" or "system/*.read", separated by spaces']
  ])('refuses an invalid client readably (%j)', async (input, path, message) => {
    const res = await post('/api/admin/api-clients', input, cookies.ada);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: unknown[] } }).error.details).toContainEqual({ path, message });
  });

  it('adds a transfer destination and issues an inbound key shown once (only its hash kept)', async () => {
    const res = await post('/api/admin/transfer-destinations', { name: 'District Hospital', url: 'https://district.example' }, cookies.ada);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { destination: { url: string } }).destination.url).toBe('https://district.example/fhir/R4');
    const bad = await post('/api/admin/transfer-destinations', { name: 'Bad', url: 'ftp://x' }, cookies.ada);
    expect(bad.status).toBe(400);
    const key = (await (await post('/api/admin/transfer-keys', { name: 'District Hospital' }, cookies.ada)).json()) as { key: string };
    expect(key.key).toMatch(/^otk_/);
    expect(JSON.stringify(app.db.prepare('SELECT * FROM transfer_inbound_keys').all())).not.toContain(key.key);
    expect(JSON.stringify(app.db.prepare('SELECT * FROM audit_log').all())).not.toContain(key.key);
  });
});
