import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator, type SoftCredential } from '../auth/testing/soft-authenticator';
import { addClinic, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { seedPortalPatient } from './portal-test-support';

/**
 * Passkeys for patient accounts, over HTTP with the software authenticator
 * the staff passkey tests use (real P-256 keys and signatures): a patient
 * adds a passkey after activation and signs in with it; the session it
 * opens is a patient session, held to the patient gate (no staff route, no
 * record without a grant), exactly as a password sign-in.
 */
const ORIGIN = 'http://localhost:5173';
const OWN = 'd7e8f9a0-0000-4000-8000-000000000001';
const OTHER = 'd7e8f9a0-0000-4000-8000-000000000002';
let app: TestApp;
let clinicId: string;
let authr: SoftAuthenticator;
let patientCookie: string;

type Options = { challenge: string; user: { id: string; name: string }; rp: { id: string } };

function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
}
function get(path: string, cookie: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: { cookie } });
}
const cookieOf = (res: Response) => res.headers.get('set-cookie')?.split(';')[0] ?? null;
async function message(res: Response): Promise<string> {
  return ((await res.json()) as { error: { message: string } }).error.message;
}

async function register(cookie: string, name: string): Promise<SoftCredential> {
  const opts = await post('/api/auth/passkeys/options', { password: TEST_PASSWORD }, cookie);
  expect(opts.status).toBe(200);
  const { response, credential } = authr.register((await opts.json()) as Options);
  const res = await post('/api/auth/passkeys', { response, name }, cookie);
  expect(res.status).toBe(201);
  return credential;
}

async function passkeySignIn(credential: SoftCredential, uv = true): Promise<Response> {
  const opts = await post('/api/auth/passkey-sign-in/options', {});
  expect(opts.status).toBe(200);
  return post('/api/auth/passkey-sign-in', { response: authr.assert((await opts.json()) as Options, credential, { uv }) });
}

beforeAll(async () => {
  app = await startTestApp();
  const made = await addClinic(app, 'River Clinic', [
    { username: 'desk', roles: ['frontdesk'] },
    { username: 'doc', roles: ['clinician'] }
  ]);
  clinicId = made.clinicId;
  await seedPortalPatient(app, clinicId, OWN, { family: 'Njeri', given: 'Wanja', birthDate: '1979-05-06' });
  await seedPortalPatient(app, clinicId, OTHER, { family: 'Odhiambo', given: 'Tom', birthDate: '1980-06-07' });
  const desk = await sessionCookieFor(app.url, 'desk');
  const inv = await post('/api/portal/invitations', { relation: 'self', patientId: OWN }, desk);
  const secret = ((await inv.json()) as { link: string }).link.split('#')[1];
  expect((await post('/api/portal/activate', { secret, birthDate: '1979-05-06', username: 'wanja', password: TEST_PASSWORD })).status).toBe(201);
  patientCookie = await sessionCookieFor(app.url, 'wanja');
  authr = new SoftAuthenticator(ORIGIN);
});

afterAll(async () => {
  await app.stop();
});

describe('a patient account and its passkeys', () => {
  it('adds a passkey (password asked again), lists it, and the registration is audited without the patient\'s name', async () => {
    expect(await (await get('/api/auth/passkeys', patientCookie)).json()).toEqual({ passkeys: [] });
    const wrong = await post('/api/auth/passkeys/options', { password: 'not the password' }, patientCookie);
    expect(wrong.status).toBe(403);
    expect(await message(wrong)).toBe('That password is not right.');
    await register(patientCookie, 'My phone');
    const list = (await (await get('/api/auth/passkeys', patientCookie)).json()) as { passkeys: { name: string; lastUsedAt: string | null }[] };
    expect(list.passkeys.map((p) => [p.name, p.lastUsedAt])).toEqual([['My phone', null]]);
    const audited = app.db.prepare("SELECT target, detail FROM audit_log WHERE action = 'passkey.register' AND outcome = 'success'").all() as { target: string; detail: string }[];
    expect(audited.map((a) => a.target)).toEqual(['wanja']);
    expect(JSON.stringify(audited)).not.toContain('Njeri');
  });

  it('signs in with the passkey alone: the session is a patient session that reads its own record and nothing else', async () => {
    const credential = await register(patientCookie, 'Tablet');
    const noUv = await passkeySignIn(credential, false);
    expect(noUv.status).toBe(401);
    expect(cookieOf(noUv)).toBeNull();

    const res = await passkeySignIn(credential);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { username: string; roles: string[] } }).user).toMatchObject({ username: 'wanja', roles: ['patient'] });
    const cookie = cookieOf(res)!;
    const me = (await (await get('/api/auth/me', cookie)).json()) as { user: { roles: string[] } };
    expect(me.user.roles).toEqual(['patient']);
    // Positive control: the patient's own record.
    expect((await get(`/api/portal/records/${OWN}`, cookie)).status).toBe(200);
    // Another patient's record: refused for want of a grant, audited.
    const other = await get(`/api/portal/records/${OTHER}`, cookie);
    expect(other.status).toBe(403);
    expect(await message(other)).toBe('You can only see your own record, and the records you were given access to.');
    // Staff routes: refused by the gate before their handler runs, audited.
    const before = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND json_extract(detail, '$.reason') = 'patient-session'").get() as { n: number }).n;
    for (const path of ['/api/patients', `/fhir/R4/Patient/${OWN}/$everything`, '/api/admin/users']) {
      const staff = await get(path, cookie);
      expect(staff.status).toBe(403);
    }
    const after = (app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'authz.denied' AND json_extract(detail, '$.reason') = 'patient-session'").get() as { n: number }).n;
    expect(after - before).toBe(3);
    const login = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'login.success' ORDER BY seq DESC LIMIT 1").get() as { detail: string } | undefined;
    expect(login && JSON.parse(login.detail)).toMatchObject({ secondFactor: 'passkey-only' });
  });

  it('a patient\'s passkey cannot be removed without the password, and once removed it opens nothing', async () => {
    const credential = await register(patientCookie, 'Old phone');
    const list = (await (await get('/api/auth/passkeys', patientCookie)).json()) as { passkeys: { id: string; name: string }[] };
    const id = list.passkeys.find((p) => p.name === 'Old phone')!.id;
    expect((await post('/api/auth/passkeys/remove', { id, password: 'not the password' }, patientCookie)).status).toBe(403);
    expect((await passkeySignIn(credential)).status).toBe(200);
    expect((await post('/api/auth/passkeys/remove', { id, password: TEST_PASSWORD }, patientCookie)).status).toBe(200);
    const gone = await passkeySignIn(credential);
    expect(gone.status).toBe(401);
    expect(cookieOf(gone)).toBeNull();
  });

  it('a patient cannot remove a clinician\'s passkey, nor a clinician a patient\'s', async () => {
    const doc = await sessionCookieFor(app.url, 'doc');
    await register(doc, 'Clinic laptop');
    const docKey = ((await (await get('/api/auth/passkeys', doc)).json()) as { passkeys: { id: string }[] }).passkeys[0].id;
    const byPatient = await post('/api/auth/passkeys/remove', { id: docKey, password: TEST_PASSWORD }, patientCookie);
    expect(byPatient.status).toBe(404);
    const patientKey = ((await (await get('/api/auth/passkeys', patientCookie)).json()) as { passkeys: { id: string }[] }).passkeys[0].id;
    expect((await post('/api/auth/passkeys/remove', { id: patientKey, password: TEST_PASSWORD }, doc)).status).toBe(404);
    // Positive control: each still holds their own.
    expect(((await (await get('/api/auth/passkeys', doc)).json()) as { passkeys: unknown[] }).passkeys).toHaveLength(1);
  });
});
