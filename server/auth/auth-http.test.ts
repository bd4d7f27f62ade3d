import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClinic, getJson, login, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';

let app: TestApp;

/** A sign-in sent from another loopback address (the server listens on 127.0.0.1; Linux answers for all of 127/8). */
function loginFrom(localAddress: string, username: string, password: string, base = app.url): Promise<{ status: number }> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/api/auth/login`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  app = await startTestApp();
  await addClinic(app, 'Riverbend Clinic', [
    { username: 'amara', roles: ['clinician'] },
    { username: 'tomas', roles: ['nurse'] },
    { username: 'locked.out', roles: ['nurse'] }
  ]);
  app.db.prepare('UPDATE users SET disabled = 1 WHERE username = ?').run('locked.out');
});

afterAll(async () => {
  await app.stop();
});

const auditActions = (action: string) =>
  app.db.prepare('SELECT target, outcome, detail, user_id FROM audit_log WHERE action = ? ORDER BY seq').all(action) as {
    target: string;
    outcome: string;
    detail: string;
    user_id: string | null;
  }[];

describe('sign-in', () => {
  it('signs in with the right password and sets a strict, httpOnly session cookie', async () => {
    const res = await login(app.url, 'amara');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: Record<string, unknown> };
    expect(body.user).toMatchObject({ username: 'amara', roles: ['clinician'], clinicName: 'Riverbend Clinic' });
    expect(body.user).not.toHaveProperty('sessionId');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^outpost_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(auditActions('login.success').at(-1)).toMatchObject({ target: 'amara', outcome: 'success' });
  });

  it('stores only a hash of the session token', async () => {
    const cookie = await sessionCookieFor(app.url, 'amara');
    const token = cookie.split('=')[1];
    const rows = app.db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[];
    expect(rows.some((r) => r.token_hash.includes(token))).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const res = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'tomas', password: TEST_PASSWORD })
    });
    expect(res.headers.get('set-cookie')).toContain('Secure');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });

  it('gives one answer for an unknown user, a wrong password and a disabled account', async () => {
    const answers = await Promise.all([
      login(app.url, 'nobody.here', 'whatever-password'),
      login(app.url, 'tomas', 'wrong-password'),
      login(app.url, 'locked.out', TEST_PASSWORD)
    ]);
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0])).toEqual({ error: { code: 'unauthenticated', message: 'Username or password is incorrect' } });
    expect(answers.every((r) => r.headers.get('set-cookie') === null)).toBe(true);
    const reasons = auditActions('login.failure').map((e) => [e.target, JSON.parse(e.detail).reason]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['nobody.here', 'unknown-user'],
        ['tomas', 'bad-password'],
        ['locked.out', 'disabled']
      ])
    );
  });

  it('takes about as long for an unknown user as for a wrong password', async () => {
    const time = async (username: string) => {
      const t = performance.now();
      await login(app.url, username, 'not-the-password');
      return performance.now() - t;
    };
    // Medians of a few tries: the unknown user must still pay for a full hash.
    const median = async (username: string) => {
      const times = [];
      for (let i = 0; i < 3; i++) times.push(await time(username));
      return times.sort((a, b) => a - b)[1];
    };
    const unknown = await median('ghost.user');
    const wrong = await median('amara');
    expect(unknown).toBeGreaterThan(wrong * 0.3);
  });

  it('validates the body: missing fields → 400 with details, non-JSON → 400, huge → 413', async () => {
    const missing = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'amara' })
    });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe('invalid');
    expect(body.error.details.map((d) => d.path)).toContain('password');

    const notJson = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username":'
    });
    expect(notJson.status).toBe(400);

    const form = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=amara&password=x'
    });
    expect(form.status).toBe(400);

    const huge = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'amara', password: 'x'.repeat(40_000) })
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('too-large');
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ username: 'amara', password: TEST_PASSWORD })
    });
    expect(res.status).toBe(403);
  });
});

describe('session', () => {
  it('me answers with the user, then 401 after sign-out (revoked server-side)', async () => {
    const cookie = await sessionCookieFor(app.url, 'tomas');
    const me = await getJson(app.url, '/api/auth/me', cookie);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { username: string } }).user.username).toBe('tomas');

    const out = await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^outpost_session=; .*Max-Age=0/);

    // The same token replayed after sign-out is dead.
    expect((await getJson(app.url, '/api/auth/me', cookie)).status).toBe(401);
    expect(auditActions('logout').length).toBeGreaterThan(0);
  });

  it('me without a cookie, or with a forged one, is 401', async () => {
    expect((await getJson(app.url, '/api/auth/me')).status).toBe(401);
    expect((await getJson(app.url, '/api/auth/me', 'outpost_session=' + 'A'.repeat(43))).status).toBe(401);
    expect((await getJson(app.url, '/api/auth/me', 'outpost_session=garbage')).status).toBe(401);
  });

  it('ends a session left idle past the limit, and a session past its absolute lifetime', async () => {
    const short = await startTestApp({ sessionLimits: { idleMs: 300, absoluteMs: 60_000 } });
    try {
      await addClinic(short, 'Idle Clinic', [{ username: 'idle.user', roles: ['nurse'] }]);
      const cookie = await sessionCookieFor(short.url, 'idle.user');
      expect((await getJson(short.url, '/api/auth/me', cookie)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
      expect((await getJson(short.url, '/api/auth/me', cookie)).status).toBe(401);
      const expired = short.db.prepare("SELECT detail FROM audit_log WHERE action = 'session.expired'").all();
      expect(expired).toEqual([{ detail: '{"reason":"idle"}' }]);
    } finally {
      await short.stop();
    }
    const brief = await startTestApp({ sessionLimits: { idleMs: 60_000, absoluteMs: 300 } });
    try {
      await addClinic(brief, 'Brief Clinic', [{ username: 'brief.user', roles: ['nurse'] }]);
      const cookie = await sessionCookieFor(brief.url, 'brief.user');
      await new Promise((r) => setTimeout(r, 400));
      expect((await getJson(brief.url, '/api/auth/me', cookie)).status).toBe(401);
    } finally {
      await brief.stop();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After after 5 failures for one account from one address, even with the right password', async () => {
    await addClinic(app, 'Rate Clinic', [{ username: 'target.user', roles: ['nurse'] }]);
    for (let i = 0; i < 5; i++) expect((await login(app.url, 'target.user', `guess-${i}`)).status).toBe(401);
    const res = await login(app.url, 'target.user', TEST_PASSWORD);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate-limited');
    expect(body.error.message).toMatch(/Too many failed sign-in attempts\. Wait 1[45] minutes/);
    expect(auditActions('login.failure').at(-1)).toMatchObject({ target: 'target.user' });
    expect(JSON.parse(auditActions('login.failure').at(-1)!.detail)).toMatchObject({ reason: 'rate-limited', scope: 'pair' });
  });

  it('an attacker hammering an account from one address does not lock its owner out from another', async () => {
    await addClinic(app, 'Pair Clinic', [{ username: 'pair.victim', roles: ['clinician'] }]);
    // Loopback answers on all of 127/8: the attacker comes from 127.0.0.2, the owner from 127.0.0.1.
    for (let i = 0; i < 5; i++) expect((await loginFrom('127.0.0.2', 'pair.victim', `guess-${i}`)).status).toBe(401);
    expect((await loginFrom('127.0.0.2', 'pair.victim', TEST_PASSWORD)).status).toBe(429);
    expect((await login(app.url, 'pair.victim')).status).toBe(200);
  });

  it('stops many addresses guessing one account at the per-username ceiling, except from an address it signed in from', async () => {
    const fresh = await startTestApp({ loginLimits: { windowMs: 60_000, perPair: 5, perIp: 20, perUsername: 6 } });
    try {
      await addClinic(fresh, 'Ceiling Clinic', [{ username: 'much.wanted', roles: ['nurse'] }]);
      expect((await login(fresh.url, 'much.wanted')).status).toBe(200);
      for (let i = 0; i < 6; i++) expect((await loginFrom(`127.0.1.${i + 1}`, 'much.wanted', 'guess', fresh.url)).status).toBe(401);
      const refused = await loginFrom('127.0.2.1', 'much.wanted', TEST_PASSWORD, fresh.url);
      expect(refused.status).toBe(429);
      expect((await login(fresh.url, 'much.wanted')).status).toBe(200);
    } finally {
      await fresh.stop();
    }
  });

  it('behind a trusted proxy, counts the address the proxy appended, not one the client wrote in front of it', async () => {
    const proxied = await startTestApp({ trustProxy: true });
    try {
      await addClinic(proxied, 'Proxy Clinic', [{ username: 'proxied.user', roles: ['nurse'] }]);
      const viaProxy = (clientSays: string, proxySaw: string, password: string) =>
        fetch(`${proxied.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `${clientSays}, ${proxySaw}` },
          body: JSON.stringify({ username: 'proxied.user', password })
        });
      // A new made-up address each try would dodge every per-address limit if the leftmost entry were believed.
      for (let i = 0; i < 5; i++) expect((await viaProxy(`10.66.0.${i}`, '203.0.113.9', 'guess')).status).toBe(401);
      expect((await viaProxy('10.66.0.99', '203.0.113.9', TEST_PASSWORD)).status).toBe(429);
      expect((await viaProxy('10.66.0.99', '203.0.113.10', TEST_PASSWORD)).status).toBe(200);
      const ips = proxied.db.prepare("SELECT DISTINCT ip FROM audit_log WHERE action LIKE 'login.%'").all() as { ip: string }[];
      expect(ips.map((r) => r.ip).sort()).toEqual(['203.0.113.10', '203.0.113.9']);
    } finally {
      await proxied.stop();
    }
  });

  it('answers 429 to an address after 20 failures across accounts', async () => {
    const fresh = await startTestApp({ loginLimits: { windowMs: 60_000, perPair: 5, perUsername: 100, perIp: 20 } });
    try {
      for (let i = 0; i < 20; i++) expect((await login(fresh.url, `spray${i}`, 'password-guess')).status).toBe(401);
      expect((await login(fresh.url, 'spray-next', 'password-guess')).status).toBe(429);
    } finally {
      await fresh.stop();
    }
  });
});
