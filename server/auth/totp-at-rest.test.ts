import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretSealer } from '../crypto/sealed-secret';
import { addClinic, login, startTestApp, type TestApp } from '../http/test-app';
import { DB_FILE } from '../store/db';
import { TOTP_SEALED_MIGRATION } from './totp-at-rest';

/**
 * Authenticator secrets at rest: the database row holds a sealed value,
 * never the base32 seed (a stolen copy of the database cannot mint codes),
 * and rows an earlier version wrote in the clear are sealed at the next
 * start. Positive control every time: the code from the seed still signs in.
 */

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
let clock = T0;
let app: TestApp;
let userId: string;

beforeEach(async () => {
  clock = T0;
  app = await startTestApp({ authClock: () => clock });
  ({
    ids: { 'dr.sealed': userId }
  } = await addClinic(app, 'Riverside Clinic', [{ username: 'dr.sealed', roles: ['clinician'] }], { secondFactorRoles: ['clinician'] }));
});
afterEach(async () => {
  await app.stop();
});

function post(p: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
const codeAt = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });

async function pendingToken(): Promise<string> {
  return ((await (await login(app.url, 'dr.sealed')).json()) as { pendingToken: string }).pendingToken;
}

async function enrol(): Promise<string> {
  const token = await pendingToken();
  const { secret } = (await (await post('/api/auth/login/enrol', { pendingToken: token })).json()) as { secret: string };
  expect((await post('/api/auth/login/enrol/confirm', { pendingToken: token, code: codeAt(secret, clock) })).status).toBe(200);
  return secret;
}

function storedSecret(): string {
  return (app.db.prepare('SELECT secret FROM second_factors WHERE user_id = ?').get(userId) as { secret: string }).secret;
}

/** Signs in with the code of the next time step; the status says whether it was accepted. */
async function signInWithCode(secret: string): Promise<number> {
  clock += 30_000;
  const token = await pendingToken();
  return (await post('/api/auth/login/second-factor', { pendingToken: token, code: codeAt(secret, clock) })).status;
}

describe('authenticator secrets at rest', () => {
  it('the row holds a sealed value, not the seed; the code from the seed still signs in', async () => {
    const secret = await enrol();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const stored = storedSecret();
    expect(stored).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(stored).not.toContain(secret);
    expect(stored).not.toMatch(/[A-Z2-7]{32}/);
    // The whole database file (and its write-ahead log): the username is there (positive control), the seed is not.
    app.db.pragma('wal_checkpoint(TRUNCATE)');
    const raw = Buffer.concat(['', '-wal'].map((s) => path.join(app.dataDir, DB_FILE + s)).filter(fs.existsSync).map((f) => fs.readFileSync(f)));
    expect(raw.includes(Buffer.from('dr.sealed'))).toBe(true);
    expect(raw.includes(Buffer.from(secret))).toBe(false);
    expect(await signInWithCode(secret)).toBe(200);
  });

  it('a sealed row copied onto another user does not open (bound to its user)', async () => {
    const secret = await enrol();
    const sealer = createSecretSealer(Buffer.from(fs.readFileSync(path.join(app.dataDir, 'secrets.key'), 'utf8').trim(), 'base64'));
    expect(sealer.open(storedSecret(), `totp:${userId}`)).toBe(secret);
    expect(sealer.open(storedSecret(), 'totp:someone-else')).toBeNull();
  });

  it('rows written in the clear by an earlier version are sealed at the next start, and keep working', async () => {
    const secret = await enrol();
    // As an earlier version left it: the seed itself in the column, the migration not yet recorded.
    app.db.prepare('UPDATE second_factors SET secret = ? WHERE user_id = ?').run(secret, userId);
    app.db.prepare('DELETE FROM platform_migrations WHERE id = ?').run(TOTP_SEALED_MIGRATION);
    expect(storedSecret()).toBe(secret);
    const dataDir = app.dataDir;
    await app.close();
    app = await startTestApp({ dataDir, authClock: () => clock });

    expect(storedSecret()).not.toContain(secret);
    expect(storedSecret()).toMatch(/^v1\./);
    expect(app.db.prepare('SELECT id FROM platform_migrations WHERE id = ?').get(TOTP_SEALED_MIGRATION)).toEqual({ id: TOTP_SEALED_MIGRATION });
    expect(await signInWithCode(secret)).toBe(200);
  });

  it('a server started with another secrets key refuses to start and says why', async () => {
    const secret = await enrol();
    const dataDir = app.dataDir;
    await app.close();
    await expect(startTestApp({ dataDir, secrets: { keyFile: 'unused', key: randomBytes(32) } })).rejects.toThrow(
      /1 stored authenticator secret\(s\) do not open with this server's secrets key/
    );
    // Positive control: with its own key it starts and the code works.
    app = await startTestApp({ dataDir, authClock: () => clock });
    expect(await signInWithCode(secret)).toBe(200);
  });
});
