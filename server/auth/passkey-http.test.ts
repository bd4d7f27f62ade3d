import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log';
import { addClinic, getJson, login, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';
import { runAdmin } from '../cli/admin-commands';
import { setSecondFactorRoles } from './second-factor';
import { setUserDisabled } from '../store/users';
import { SoftAuthenticator, type SoftCredential } from './testing/soft-authenticator';

/**
 * Passkeys over HTTP with a software authenticator (real P-256 keys and
 * signatures, testing/soft-authenticator.ts): each refusal is the crafted
 * request a client could send, and each sits beside a positive control
 * that the same path accepts the honest answer.
 */

const ORIGIN = 'http://localhost:5173';
let app: TestApp;
let clinicId: string;
let ids: Record<string, string>;
let authr: SoftAuthenticator;

beforeEach(async () => {
  // Generous code limits: several refusals in one test must not turn into 429s.
  app = await startTestApp({ codeLimits: { windowMs: 60_000, perPair: 100, perIp: 100, perUsername: 100 } });
  ({ clinicId, ids } = await addClinic(app, 'Lakeside Clinic', [
    { username: 'dr.key', roles: ['clinician'] },
    { username: 'nurse.other', roles: ['nurse'] }
  ]));
  authr = new SoftAuthenticator(ORIGIN);
});
afterEach(async () => {
  await app.stop();
});

function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
}
const cookieOf = (res: Response) => res.headers.get('set-cookie')?.split(';')[0] ?? null;
async function cookieFor(username: string): Promise<string> {
  const res = await login(app.url, username);
  expect(res.status).toBe(200);
  return cookieOf(res)!;
}
async function message(res: Response): Promise<string> {
  return ((await res.json()) as { error: { message: string } }).error.message;
}
function refusals(): { reason: string; purpose: string }[] {
  return (app.db.prepare("SELECT detail FROM audit_log WHERE action = 'passkey.refused' ORDER BY seq").all() as { detail: string }[]).map((r) => JSON.parse(r.detail));
}

type Options = { challenge: string; user: { id: string }; excludeCredentials?: { id: string }[]; allowCredentials?: { id: string }[]; rp: { id: string } };

async function registrationOptions(cookie: string): Promise<Options> {
  const res = await post('/api/auth/passkeys/options', { password: TEST_PASSWORD }, cookie);
  expect(res.status).toBe(200);
  return (await res.json()) as Options;
}

/** Registers a passkey for the signed-in user; returns the soft credential. */
async function registerPasskey(cookie: string, name = 'Clinic laptop'): Promise<SoftCredential> {
  const { response, credential } = authr.register(await registrationOptions(cookie));
  const res = await post('/api/auth/passkeys', { response, name }, cookie);
  expect(res.status).toBe(201);
  return credential;
}

/** Password step for a user whose second step is due; returns the pending token and the offered methods. */
async function passwordStep(username: string): Promise<{ pendingToken: string; methods: string[]; secondFactor: string }> {
  const res = await login(app.url, username);
  expect(res.status).toBe(200);
  expect(cookieOf(res)).toBeNull();
  return (await res.json()) as { pendingToken: string; methods: string[]; secondFactor: string };
}

async function secondStepOptions(pendingToken: string): Promise<Options> {
  const res = await post('/api/auth/login/passkey/options', { pendingToken });
  expect(res.status).toBe(200);
  return (await res.json()) as Options;
}

describe('registering a passkey', () => {
  it('asks for the password again, stores the public key only, lists it and refuses it twice', async () => {
    const cookie = await cookieFor('dr.key');
    const wrong = await post('/api/auth/passkeys/options', { password: 'not the password' }, cookie);
    expect(wrong.status).toBe(403);
    expect(await message(wrong)).toBe('That password is not right.');
    expect((await post('/api/auth/passkeys/options', { password: TEST_PASSWORD })).status).toBe(401);

    const options = await registrationOptions(cookie);
    expect(options.rp.id).toBe('localhost');
    expect(Buffer.from(options.user.id, 'base64url').toString('utf8')).toBe(ids['dr.key']);
    const { response, credential } = authr.register(options);
    const res = await post('/api/auth/passkeys', { response, name: 'Clinic laptop' }, cookie);
    expect(res.status).toBe(201);

    const list = (await (await getJson(app.url, '/api/auth/passkeys', cookie)).json()) as { passkeys: { id: string; name: string; lastUsedAt: string | null }[] };
    expect(list.passkeys).toEqual([expect.objectContaining({ id: credential.id, name: 'Clinic laptop', lastUsedAt: null })]);
    const row = app.db.prepare('SELECT public_key, counter FROM passkeys WHERE id = ?').get(credential.id) as { public_key: Buffer; counter: number };
    expect(Buffer.compare(row.public_key, credential.coseKey)).toBe(0);
    // The next options exclude it, so the browser will not make a second one on the same authenticator.
    expect((await registrationOptions(cookie)).excludeCredentials?.map((c) => c.id)).toEqual([credential.id]);
    // Another user cannot see it.
    expect(await (await getJson(app.url, '/api/auth/passkeys', await cookieFor('nurse.other'))).json()).toEqual({ passkeys: [] });
    const audited = app.db.prepare("SELECT action, outcome FROM audit_log WHERE action LIKE 'passkey.%' ORDER BY seq").all();
    expect(audited).toEqual([
      { action: 'passkey.register', outcome: 'failure' },
      { action: 'passkey.challenge', outcome: 'success' },
      { action: 'passkey.register', outcome: 'success' },
      { action: 'passkey.challenge', outcome: 'success' }
    ]);
  });

  it('refuses a wrong origin, a wrong RP ID, a replayed challenge and another user\'s challenge', async () => {
    const cookie = await cookieFor('dr.key');
    const evil = authr.register(await registrationOptions(cookie), { origin: 'https://outpost-login.example' });
    const r1 = await post('/api/auth/passkeys', { response: evil.response, name: 'x' }, cookie);
    expect(r1.status).toBe(403);
    expect(await message(r1)).toBe('This passkey could not be registered. Try again from this page.');
    // The IP-address origin of the same server is not localhost either.
    const ip = authr.register(await registrationOptions(cookie), { origin: app.url });
    expect((await post('/api/auth/passkeys', { response: ip.response, name: 'x' }, cookie)).status).toBe(403);
    const rp = authr.register(await registrationOptions(cookie), { rpId: 'outpost-login.example' });
    expect((await post('/api/auth/passkeys', { response: rp.response, name: 'x' }, cookie)).status).toBe(403);

    const good = authr.register(await registrationOptions(cookie));
    expect((await post('/api/auth/passkeys', { response: good.response, name: 'Laptop' }, cookie)).status).toBe(201);
    // The same answer again: its challenge is spent.
    expect((await post('/api/auth/passkeys', { response: good.response, name: 'Laptop' }, cookie)).status).toBe(403);
    // A challenge issued to dr.key, answered in nurse.other's session.
    const stolen = authr.register(await registrationOptions(cookie));
    expect((await post('/api/auth/passkeys', { response: stolen.response, name: 'x' }, await cookieFor('nurse.other'))).status).toBe(403);

    expect(refusals().map((r) => r.reason)).toEqual(['origin', 'origin', 'signature', 'challenge', 'challenge']);
    expect(app.db.prepare('SELECT count(*) AS n FROM passkeys').get()).toEqual({ n: 1 });
  });
});

describe('a passkey as the second factor', () => {
  it('satisfies a clinic that requires a second factor, instead of an authenticator app', async () => {
    const credential = await registerPasskey(await cookieFor('dr.key'));
    setSecondFactorRoles(app.db, app.audit, clinicId, ['clinician'], { via: 'test' });

    const step = await passwordStep('dr.key');
    // Not "enrol": the passkey is the second factor the clinic asks for.
    expect(step).toMatchObject({ secondFactor: 'code', methods: ['passkey'] });
    expect((await getJson(app.url, '/api/auth/me', `outpost_session=${step.pendingToken}`)).status).toBe(401);
    const options = await secondStepOptions(step.pendingToken);
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([credential.id]);
    const ok = await post('/api/auth/login/passkey', { pendingToken: step.pendingToken, response: authr.assert(options, credential) });
    expect(ok.status).toBe(200);
    expect(((await (await getJson(app.url, '/api/auth/me', cookieOf(ok)!)).json()) as { user: { username: string } }).user.username).toBe('dr.key');
    const success = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'login.success' ORDER BY seq DESC LIMIT 1").get() as { detail: string };
    expect(JSON.parse(success.detail)).toEqual({ secondFactor: 'passkey' });
    expect(verifyAuditChain(app.db).ok).toBe(true);
  });

  it('refuses a wrong origin, a replayed challenge, a counter going backwards and an unknown credential', async () => {
    const credential = await registerPasskey(await cookieFor('dr.key'));
    const step = await passwordStep('dr.key');
    const send = async (response: unknown) => post('/api/auth/login/passkey', { pendingToken: step.pendingToken, response });

    const wrongOrigin = await send(authr.assert(await secondStepOptions(step.pendingToken), credential, { origin: 'https://outpost-login.example' }));
    expect(wrongOrigin.status).toBe(401);
    expect(await message(wrongOrigin)).toBe('This passkey was not accepted. Try again, or use a code from your authenticator app.');
    expect(cookieOf(wrongOrigin)).toBeNull();

    const stranger = new SoftAuthenticator(ORIGIN);
    const unknown = stranger.register({ challenge: 'x', user: { id: 'x' } }).credential;
    expect((await send(stranger.assert(await secondStepOptions(step.pendingToken), unknown))).status).toBe(401);

    const options = await secondStepOptions(step.pendingToken);
    const honest = authr.assert(options, credential, { counter: 5 });
    const accepted = await send(honest);
    expect(accepted.status).toBe(200); // positive control: counter 5 is accepted
    expect(app.db.prepare('SELECT counter FROM passkeys').get()).toEqual({ counter: 5 });

    const again = await passwordStep('dr.key');
    const replay = await post('/api/auth/login/passkey', { pendingToken: again.pendingToken, response: honest });
    expect(replay.status).toBe(401);
    const backwards = authr.assert(await secondStepOptions(again.pendingToken), credential, { counter: 4 });
    expect((await post('/api/auth/login/passkey', { pendingToken: again.pendingToken, response: backwards })).status).toBe(401);
    // Positive control on the same pending sign-in: a counter going forward.
    const forward = authr.assert(await secondStepOptions(again.pendingToken), credential, { counter: 6 });
    expect((await post('/api/auth/login/passkey', { pendingToken: again.pendingToken, response: forward })).status).toBe(200);

    expect(refusals().map((r) => r.reason)).toEqual(['origin', 'unknown-credential', 'challenge', 'counter']);
    const failures = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'login.second-factor' AND outcome = 'failure'").all() as { detail: string }[];
    expect(failures.map((f) => JSON.parse(f.detail))).toEqual(Array(4).fill({ reason: 'bad-code', method: 'passkey' }));
  });

  it('refuses another user\'s passkey and a challenge of another pending sign-in', async () => {
    const mine = await registerPasskey(await cookieFor('dr.key'));
    const theirs = await registerPasskey(await cookieFor('nurse.other'), 'Nurse phone');
    const step = await passwordStep('dr.key');
    expect((await post('/api/auth/login/passkey', { pendingToken: step.pendingToken, response: authr.assert(await secondStepOptions(step.pendingToken), theirs) })).status).toBe(401);
    const other = await passwordStep('nurse.other');
    const otherOptions = await secondStepOptions(other.pendingToken);
    expect((await post('/api/auth/login/passkey', { pendingToken: step.pendingToken, response: authr.assert(otherOptions, mine) })).status).toBe(401);
    expect(refusals().map((r) => r.reason)).toEqual(['unknown-credential', 'challenge']);
    expect((await post('/api/auth/login/passkey', { pendingToken: step.pendingToken, response: authr.assert(await secondStepOptions(step.pendingToken), mine) })).status).toBe(200);
  });

  it('a user disabled between the password and the passkey gets no session', async () => {
    const credential = await registerPasskey(await cookieFor('dr.key'));
    const step = await passwordStep('dr.key');
    const options = await secondStepOptions(step.pendingToken);
    setUserDisabled(app.db, ids['dr.key'], true);
    const res = await post('/api/auth/login/passkey', { pendingToken: step.pendingToken, response: authr.assert(options, credential) });
    expect(res.status).toBe(401);
    expect(cookieOf(res)).toBeNull();
  });
});

describe('sign-in with a passkey alone', () => {
  async function signInOptions(): Promise<Options> {
    const res = await post('/api/auth/passkey-sign-in/options', {});
    expect(res.status).toBe(200);
    return (await res.json()) as Options;
  }

  it('needs the user verified by the authenticator, and refuses a disabled user\'s passkey', async () => {
    const credential = await registerPasskey(await cookieFor('dr.key'));
    const options = await signInOptions();
    expect(options.allowCredentials ?? []).toEqual([]); // username-less: the authenticator offers its passkeys
    const noUv = await post('/api/auth/passkey-sign-in', { response: authr.assert(options, credential, { uv: false }) });
    expect(noUv.status).toBe(401);
    expect(await message(noUv)).toBe('This passkey was not accepted. Sign in with your username and password.');

    const ok = await post('/api/auth/passkey-sign-in', { response: authr.assert(await signInOptions(), credential) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { user: { username: string } }).user.username).toBe('dr.key');
    expect((await getJson(app.url, '/api/auth/me', cookieOf(ok)!)).status).toBe(200);

    setUserDisabled(app.db, ids['dr.key'], true);
    const disabled = await post('/api/auth/passkey-sign-in', { response: authr.assert(await signInOptions(), credential) });
    expect(disabled.status).toBe(401);
    expect(cookieOf(disabled)).toBeNull();
    const failures = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'login.failure' ORDER BY seq").all() as { detail: string }[];
    expect(failures.map((f) => JSON.parse(f.detail))).toEqual([
      { reason: 'passkey-user-verification', method: 'passkey' },
      { reason: 'disabled', method: 'passkey' }
    ]);
  });

  it('refuses a second-factor challenge, a wrong RP ID and an expired challenge', async () => {
    let clock = Date.now();
    await app.stop();
    app = await startTestApp({ authClock: () => clock });
    ({ ids } = await addClinic(app, 'Lakeside Clinic', [{ username: 'dr.key', roles: ['clinician'] }]));
    const credential = await registerPasskey(await cookieFor('dr.key'));
    const step = await passwordStep('dr.key');
    const second = await secondStepOptions(step.pendingToken);
    expect((await post('/api/auth/passkey-sign-in', { response: authr.assert(second, credential) })).status).toBe(401);
    expect((await post('/api/auth/passkey-sign-in', { response: authr.assert(await signInOptions(), credential, { rpId: 'outpost-login.example' }) })).status).toBe(401);
    const late = await signInOptions();
    clock += 5 * 60_000 + 1;
    expect((await post('/api/auth/passkey-sign-in', { response: authr.assert(late, credential) })).status).toBe(401);
    expect(refusals().map((r) => r.reason)).toEqual(['challenge', 'signature', 'challenge']);
    expect((await post('/api/auth/passkey-sign-in', { response: authr.assert(await signInOptions(), credential) })).status).toBe(200);
  });
});

describe('the password asked again', () => {
  it('is throttled: after five wrong passwords even the right one waits', async () => {
    const cookie = await cookieFor('dr.key');
    // Positive control: the right password is accepted before any wrong one.
    await registrationOptions(cookie);
    for (let i = 0; i < 5; i++) expect((await post('/api/auth/passkeys/options', { password: `wrong ${i}` }, cookie)).status).toBe(403);
    const limited = await post('/api/auth/passkeys/options', { password: TEST_PASSWORD }, cookie);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await message(limited)).toMatch(/^Too many wrong passwords\. Wait \d+ minutes? and try again\.$/);
  });
});

describe('removing a passkey', () => {
  it('asks for the password, removes only the user\'s own, and the passkey stops working', async () => {
    const cookie = await cookieFor('dr.key');
    const credential = await registerPasskey(cookie);
    const nurse = await cookieFor('nurse.other');
    expect((await post('/api/auth/passkeys/remove', { id: credential.id, password: TEST_PASSWORD }, nurse)).status).toBe(404);
    expect((await post('/api/auth/passkeys/remove', { id: credential.id, password: 'wrong password' }, cookie)).status).toBe(403);
    expect((await passwordStep('dr.key')).methods).toEqual(['passkey']);

    const removed = await post('/api/auth/passkeys/remove', { id: credential.id, password: TEST_PASSWORD }, cookie);
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ passkeys: [] });
    // The password alone signs in again (no second factor required of this clinic's users), and the passkey is refused.
    expect(cookieOf(await login(app.url, 'dr.key'))).not.toBeNull();
    const options = (await (await post('/api/auth/passkey-sign-in/options', {})).json()) as Options;
    expect((await post('/api/auth/passkey-sign-in', { response: authr.assert(options, credential) })).status).toBe(401);
    const audited = app.db.prepare("SELECT outcome FROM audit_log WHERE action = 'passkey.remove' ORDER BY seq").all();
    expect(audited).toEqual([{ outcome: 'failure' }, { outcome: 'success' }]);
  });
});

describe('an administrator\'s reset of a lost phone', () => {
  it('removes the user\'s passkeys with the authenticator, audited', async () => {
    const credential = await registerPasskey(await cookieFor('dr.key'));
    const otherOne = await registerPasskey(await cookieFor('nurse.other'), 'Nurse phone');
    const io = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };
    expect(await runAdmin(['reset-second-factor', '--username', 'dr.key'], app.dataDir, io)).toBe(0);
    expect(app.db.prepare('SELECT id FROM passkeys').all()).toEqual([{ id: otherOne.id }]);
    const options = (await (await post('/api/auth/passkey-sign-in/options', {})).json()) as Options;
    expect((await post('/api/auth/passkey-sign-in', { response: authr.assert(options, credential) })).status).toBe(401);
    const reset = app.db.prepare("SELECT detail FROM audit_log WHERE action = 'second-factor.reset'").get() as { detail: string };
    expect(JSON.parse(reset.detail)).toEqual({ hadAuthenticator: false, via: 'admin-cli', passkeysRemoved: 1 });
  });
});
