import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/audit-log';
import { addClinic, getJson, login, startTestApp, type TestApp } from '../http/test-app';
import { runAdmin } from '../cli/admin-commands';
import { createSecondFactorStore, resetSecondFactor } from './second-factor';

/**
 * The second factor over HTTP, each rule sent as the crafted request a
 * client could send: no session before the second step, a user who must
 * enrol cannot skip it, a code works once (RFC 6238 §5.2), recovery codes
 * once each, attempts rate-limited, every step audited.
 *
 * The server's clock is stepped by the test (authClock) so codes of a given
 * 30-second step are computed with the same library the server uses.
 */

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0); // the start of a 30 s step
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
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body)
  });
}

function codeAt(secret: string, at: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
}

function cookieOf(res: Response): string | null {
  const set = res.headers.get('set-cookie');
  return set ? set.split(';')[0] : null;
}

async function passwordStep(username: string): Promise<{ secondFactor: string; pendingToken: string }> {
  const res = await login(app.url, username);
  expect(res.status).toBe(200);
  expect(res.headers.get('set-cookie')).toBeNull();
  return (await res.json()) as { secondFactor: string; pendingToken: string };
}

/** Enrols dr.required at first sign-in; returns the secret and the recovery codes. */
async function enrol(): Promise<{ secret: string; recoveryCodes: string[]; cookie: string }> {
  const first = await passwordStep('dr.required');
  expect(first.secondFactor).toBe('enrol');
  const begun = (await (await post('/api/auth/login/enrol', { pendingToken: first.pendingToken })).json()) as { secret: string; uri: string };
  expect(begun.uri).toMatch(/^otpauth:\/\/totp\/Outpost:dr\.required\?/);
  const res = await post('/api/auth/login/enrol/confirm', { pendingToken: first.pendingToken, code: codeAt(begun.secret, clock) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { recoveryCodes: string[] };
  return { secret: begun.secret, recoveryCodes: body.recoveryCodes, cookie: cookieOf(res)! };
}

function actions(): { action: string; outcome: string; detail: string }[] {
  return app.db.prepare('SELECT action, outcome, detail FROM audit_log ORDER BY seq').all() as { action: string; outcome: string; detail: string }[];
}

describe('sign-in with a second factor', () => {
  it('a clinician who must enrol gets no session from the password alone, nor from any API, until a first code confirms the authenticator', async () => {
    const first = await passwordStep('dr.required');
    expect(first.secondFactor).toBe('enrol');
    // Skipping the enrolment: the pending token is not a session, and the verify step refuses an enrol-step token.
    expect((await getJson(app.url, '/api/auth/me')).status).toBe(401);
    expect((await getJson(app.url, '/api/auth/me', `outpost_session=${first.pendingToken}`)).status).toBe(401);
    expect((await post('/api/auth/login/second-factor', { pendingToken: first.pendingToken, code: '123456' })).status).toBe(401);
    const begun = (await (await post('/api/auth/login/enrol', { pendingToken: first.pendingToken })).json()) as { secret: string };
    expect(begun.secret).toMatch(/^[A-Z2-7]{32}$/);
    // A wrong first code does not activate it.
    const wrong = await post('/api/auth/login/enrol/confirm', { pendingToken: first.pendingToken, code: codeAt(begun.secret, clock + 10 * 60_000) });
    expect(wrong.status).toBe(401);
    expect(cookieOf(wrong)).toBeNull();
    const right = await post('/api/auth/login/enrol/confirm', { pendingToken: first.pendingToken, code: codeAt(begun.secret, clock) });
    expect(right.status).toBe(200);
    const body = (await right.json()) as { user: { username: string }; recoveryCodes: string[] };
    expect(body.user.username).toBe('dr.required');
    expect(body.recoveryCodes).toHaveLength(10);
    expect(new Set(body.recoveryCodes).size).toBe(10);
    for (const c of body.recoveryCodes) expect(c).toMatch(/^[A-HJKMNP-Z2-9]{4}(-[A-HJKMNP-Z2-9]{4}){3}$/);
    const cookie = cookieOf(right)!;
    expect((await getJson(app.url, '/api/auth/me', cookie)).status).toBe(200);
    // The secret is never readable again: not in the status, and a second enrolment is refused.
    const status = await (await getJson(app.url, '/api/auth/second-factor', cookie)).text();
    expect(JSON.parse(status)).toEqual({ enrolled: true, required: true, recoveryCodesLeft: 10, confirmedAt: new Date(T0).toISOString(), passkeys: 0 });
    expect(status).not.toContain(begun.secret);
    expect((await post('/api/auth/second-factor/enrol', {}, cookie)).status).toBe(409);
    // Stored recovery codes are hashes, not the codes.
    const stored = app.db.prepare('SELECT code_hash FROM recovery_codes').all() as { code_hash: string }[];
    expect(stored).toHaveLength(10);
    for (const r of stored) expect(body.recoveryCodes.map((c) => c.replace(/-/g, ''))).not.toContain(r.code_hash);
  });

  it('after enrolment: the password gives no session, a wrong code is refused, the right code signs in, and the same code is refused again in its step', async () => {
    const { secret } = await enrol();
    clock += 30_000; // next step: the enrolment used the first one
    const step = await passwordStep('dr.required');
    expect(step.secondFactor).toBe('code');

    const wrongCode = codeAt(secret, clock + 5 * 60_000);
    const wrong = await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code: wrongCode });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      'That code is not right or was already used. Enter the newest code from your authenticator app.'
    );
    expect(cookieOf(wrong)).toBeNull();

    const code = codeAt(secret, clock);
    const ok = await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code });
    expect(ok.status).toBe(200);
    expect((await getJson(app.url, '/api/auth/me', cookieOf(ok)!)).status).toBe(200);
    // The pending token is spent with the session.
    expect((await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code })).status).toBe(401);

    // Replay: the same code, a new password step, 10 s later in the same step.
    clock += 10_000;
    const again = await passwordStep('dr.required');
    const replay = await post('/api/auth/login/second-factor', { pendingToken: again.pendingToken, code });
    expect(replay.status).toBe(401);
    expect(cookieOf(replay)).toBeNull();
    // Positive control: the next step's code works on the same pending sign-in.
    clock += 30_000;
    expect((await post('/api/auth/login/second-factor', { pendingToken: again.pendingToken, code: codeAt(secret, clock) })).status).toBe(200);

    const log = actions().filter((a) => a.action === 'login.second-factor' && a.outcome === 'failure');
    expect(log.map((a) => JSON.parse(a.detail).reason)).toEqual(['bad-code', 'no-pending-sign-in', 'bad-code']);
    expect(verifyAuditChain(app.db).ok).toBe(true);
  });

  it('each recovery code works once, with or without dashes and in lower case', async () => {
    const { recoveryCodes } = await enrol();
    const first = await passwordStep('dr.required');
    const used = await post('/api/auth/login/second-factor', { pendingToken: first.pendingToken, recoveryCode: recoveryCodes[3].toLowerCase().replace(/-/g, ' ') });
    expect(used.status).toBe(200);
    const status = (await (await getJson(app.url, '/api/auth/second-factor', cookieOf(used)!)).json()) as { recoveryCodesLeft: number };
    expect(status.recoveryCodesLeft).toBe(9);

    const second = await passwordStep('dr.required');
    const again = await post('/api/auth/login/second-factor', { pendingToken: second.pendingToken, recoveryCode: recoveryCodes[3] });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { message: string } }).error.message).toBe('That recovery code is not right or was already used.');
    expect((await post('/api/auth/login/second-factor', { pendingToken: second.pendingToken, recoveryCode: 'AAAA-BBBB-CCCC-DDDD' })).status).toBe(401);
    // Positive control: another unused code works.
    expect((await post('/api/auth/login/second-factor', { pendingToken: second.pendingToken, recoveryCode: recoveryCodes[4] })).status).toBe(200);
    const audited = actions().filter((a) => a.action === 'second-factor.recovery-codes');
    expect(audited.map((a) => JSON.parse(a.detail))).toEqual([
      { used: 1, left: 9 },
      { used: 1, left: 8 }
    ]);
  });

  it('refuses malformed second steps with a readable error', async () => {
    const step = await passwordStep('dr.required');
    const res = await post('/api/auth/login/enrol/confirm', { pendingToken: step.pendingToken, code: '12ab' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('Enter the 6-digit code from your authenticator app');
    expect((await post('/api/auth/login/second-factor', { code: '123456' })).status).toBe(400);
    expect((await post('/api/auth/login/second-factor', { pendingToken: 'made-up', code: '123456' })).status).toBe(401);
  });

  it('a pending sign-in ends after five wrong codes and expires after five minutes', async () => {
    const { secret } = await enrol();
    clock += 30_000;
    const step = await passwordStep('dr.required');
    for (let i = 0; i < 4; i++) {
      expect((await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code: '000000' })).status).toBe(401);
    }
    const fifth = await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code: '000000' });
    expect(((await fifth.json()) as { error: { message: string } }).error.message).toContain('Enter your password again');
    // Even the right code no longer opens that pending sign-in.
    expect((await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code: codeAt(secret, clock) })).status).toBe(401);

    const late = await passwordStep('dr.required');
    clock += 5 * 60_000 + 1;
    expect((await post('/api/auth/login/second-factor', { pendingToken: late.pendingToken, code: codeAt(secret, clock) })).status).toBe(401);
  });

  it('wrong codes are rate-limited per user and address, across pending sign-ins', async () => {
    const { secret } = await enrol();
    clock += 30_000;
    for (let i = 0; i < 5; i++) {
      const step = await passwordStep('dr.required');
      expect((await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code: '000000' })).status).toBe(401);
    }
    const step = await passwordStep('dr.required');
    const limited = await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, code: codeAt(secret, clock) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited.json()) as { error: { message: string } }).error.message).toMatch(/^Too many wrong codes\. Wait \d+ minutes? and try again\.$/);
    const audited = actions().filter((a) => a.action === 'login.second-factor' && JSON.parse(a.detail).reason === 'rate-limited');
    expect(audited).toHaveLength(1);
  });

  it('others sign in with the password alone, may enrol, and then need the code', async () => {
    const res = await login(app.url, 'nurse.optional');
    expect(res.status).toBe(200);
    const cookie = cookieOf(res)!;
    expect(((await res.json()) as { user: { username: string } }).user.username).toBe('nurse.optional');
    expect(await (await getJson(app.url, '/api/auth/second-factor', cookie)).json()).toEqual({ enrolled: false, required: false, recoveryCodesLeft: 0, confirmedAt: null, passkeys: 0 });

    const begun = (await (await post('/api/auth/second-factor/enrol', {}, cookie)).json()) as { secret: string };
    // Not active before the first code: the password alone still signs in.
    expect(cookieOf(await login(app.url, 'nurse.optional'))).not.toBeNull();
    expect((await post('/api/auth/second-factor/enrol/confirm', { code: '000000' }, cookie)).status).toBe(401);
    const confirmed = await post('/api/auth/second-factor/enrol/confirm', { code: codeAt(begun.secret, clock) }, cookie);
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { recoveryCodes: string[] }).recoveryCodes).toHaveLength(10);

    const step = await passwordStep('nurse.optional');
    expect(step.secondFactor).toBe('code');
  });

  it('new recovery codes need a current code; the old ones stop working', async () => {
    const { secret, recoveryCodes, cookie } = await enrol();
    expect((await post('/api/auth/second-factor/recovery-codes', {}, cookie)).status).toBe(400);
    // The code that enrolled is spent: its step cannot be used again.
    expect((await post('/api/auth/second-factor/recovery-codes', { code: codeAt(secret, clock) }, cookie)).status).toBe(401);
    expect((await post('/api/auth/second-factor/recovery-codes', { code: codeAt(secret, clock) })).status).toBe(401);
    clock += 30_000;
    const res = await post('/api/auth/second-factor/recovery-codes', { code: codeAt(secret, clock) }, cookie);
    expect(res.status).toBe(200);
    const fresh = ((await res.json()) as { recoveryCodes: string[] }).recoveryCodes;
    expect(fresh).toHaveLength(10);
    const step = await passwordStep('dr.required');
    expect((await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, recoveryCode: recoveryCodes[0] })).status).toBe(401);
    expect((await post('/api/auth/login/second-factor', { pendingToken: step.pendingToken, recoveryCode: fresh[0] })).status).toBe(200);
  });

  it('an administrator resets a lost authenticator (function and CLI): the user enrols again at the next sign-in', async () => {
    await enrol();
    const user = app.db.prepare("SELECT id, username FROM users WHERE username = 'dr.required'").get() as { id: string; username: string };
    expect(resetSecondFactor(app.db, app.audit, user, { userId: null, via: 'test' })).toBe(true);
    expect(createSecondFactorStore(app.db).status(user.id)).toEqual({ enrolled: false, recoveryCodesLeft: 0, confirmedAt: null });
    expect((await passwordStep('dr.required')).secondFactor).toBe('enrol');

    await enrol();
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), askPassword: () => Promise.reject(new Error('no prompt')) };
    expect(await runAdmin(['reset-second-factor', '--username', 'dr.required'], app.dataDir, io)).toBe(0);
    expect(lines).toEqual(['Second factor of dr.required removed: they set up a new one at their next sign-in']);
    expect((await passwordStep('dr.required')).secondFactor).toBe('enrol');
    const resets = actions().filter((a) => a.action === 'second-factor.reset');
    expect(resets.map((a) => JSON.parse(a.detail))).toEqual([
      { hadAuthenticator: true, via: 'test' },
      { hadAuthenticator: true, via: 'admin-cli' }
    ]);
  });

  it('the clinic policy decides who must enrol (CLI), and every step is audited', async () => {
    const io = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt')) };
    expect(await runAdmin(['set-second-factor-policy', '--clinic', 'Hilltop Clinic', '--roles', 'none'], app.dataDir, io)).toBe(0);
    expect(cookieOf(await login(app.url, 'dr.required'))).not.toBeNull();
    expect(await runAdmin(['set-second-factor-policy', '--clinic', 'Hilltop Clinic', '--roles', 'nurse'], app.dataDir, io)).toBe(0);
    expect((await passwordStep('nurse.optional')).secondFactor).toBe('enrol');
    expect(await runAdmin(['set-second-factor-policy', '--clinic', 'Hilltop Clinic', '--roles', 'surgeon'], app.dataDir, io)).toBe(2);

    const seen = actions().map((a) => a.action);
    expect(seen.filter((a) => a === 'second-factor.policy')).toHaveLength(2);
    expect(verifyAuditChain(app.db).ok).toBe(true);
  });
});
