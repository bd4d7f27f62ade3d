import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { migratePlatformTables, openDatabase } from '../store/db';
import { createClinic, createUser } from '../store/users';
import { createSessionStore, DEFAULT_SESSION_LIMITS } from './sessions';

/**
 * Sessions at their edges, expected values written out: the default
 * lifetimes, the cookie's age, what a token must look like, when the idle
 * clock is touched, the end reasons reported for sockets, and pruning.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(limits = DEFAULT_SESSION_LIMITS) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-session-edges-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  migratePlatformTables(db);
  const clinic = createClinic(db, { name: 'Edge Clinic' });
  const user = createUser(db, { clinicId: clinic.id, username: 'e.user', name: 'E User', roles: ['nurse'], passwordHash: 'x' });
  let t = 1_000_000;
  const clock = { set: (ms: number) => (t = ms), advance: (ms: number) => (t += ms), get: () => t };
  const store = createSessionStore(db, limits, () => t);
  const lastSeen = (id: string) => (db.prepare('SELECT last_seen_at FROM sessions WHERE id = ?').get(id) as { last_seen_at: number }).last_seen_at;
  return { db, user, store, clock, lastSeen };
}

test('defaults: 12 hours in all, 30 minutes idle; the cookie lives as long as the session', () => {
  expect(DEFAULT_SESSION_LIMITS).toEqual({ absoluteMs: 43_200_000, idleMs: 1_800_000 });
  const { store, user } = setup();
  const s = store.create(user.id);
  expect(s.maxAgeSeconds).toBe(43_200);
  expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test('a token of any other shape is unknown without a lookup', () => {
  const { store, user } = setup();
  const { token } = store.create(user.id);
  expect(store.check(token).ok).toBe(true);
  expect(store.check(`x${token}`)).toEqual({ ok: false, reason: 'unknown' });
  expect(store.check(`${token}x`)).toEqual({ ok: false, reason: 'unknown' });
  expect(store.check(token.slice(1))).toEqual({ ok: false, reason: 'unknown' });
});

test('the idle clock is written at most every 15 seconds', () => {
  const { store, user, clock, lastSeen } = setup();
  const { token, sessionId } = store.create(user.id);
  const created = clock.get();
  clock.advance(14_999);
  store.check(token);
  expect(lastSeen(sessionId)).toBe(created);
  clock.advance(1);
  store.check(token);
  expect(lastSeen(sessionId)).toBe(created + 15_000);
});

describe('why a socket’s session ended', () => {
  test('each recorded reason is reported as itself; an unrecorded one as revoked', () => {
    const { store, user, db } = setup();
    const ids: Record<string, string> = {};
    for (const reason of ['logout', 'revoked', 'disabled', 'password-reset', 'idle', 'expired'] as const) {
      const { sessionId } = store.create(user.id);
      store.revoke(sessionId, reason);
      ids[reason] = sessionId;
    }
    const odd = store.create(user.id).sessionId;
    db.prepare("UPDATE sessions SET revoked_at = 1, end_reason = 'something' WHERE id = ?").run(odd);
    const ended = store.endedAmong([...Object.values(ids), odd]);
    expect(Object.fromEntries(Object.entries(ids).map(([r, id]) => [r, ended.get(id)]))).toEqual({
      logout: { reason: 'logout', userId: user.id, justEnded: false },
      revoked: { reason: 'revoked', userId: user.id, justEnded: false },
      disabled: { reason: 'disabled', userId: user.id, justEnded: false },
      'password-reset': { reason: 'password-reset', userId: user.id, justEnded: false },
      idle: { reason: 'idle', userId: user.id, justEnded: false },
      expired: { reason: 'expired', userId: user.id, justEnded: false }
    });
    expect(ended.get(odd)).toEqual({ reason: 'revoked', userId: user.id, justEnded: false });
  });

  test('nothing asked, nothing ended; a live session is not reported; a disabled user’s is', () => {
    const { store, user, db } = setup();
    expect(store.endedAmong([]).size).toBe(0);
    const { sessionId } = store.create(user.id);
    expect(store.endedAmong([sessionId]).size).toBe(0);
    db.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(user.id);
    expect(store.endedAmong([sessionId]).get(sessionId)).toEqual({ reason: 'disabled', userId: user.id, justEnded: false });
  });
});

test('pruning keeps ended sessions 30 days by default', () => {
  const { store, user, clock } = setup();
  const { sessionId } = store.create(user.id);
  store.revoke(sessionId);
  const revokedAt = clock.get();
  clock.set(revokedAt + 30 * 86_400_000);
  expect(store.prune()).toBe(0);
  clock.set(revokedAt + 30 * 86_400_000 + 1);
  expect(store.prune()).toBe(1);
  expect(store.endedAmong([sessionId]).get(sessionId)).toEqual({ reason: 'unknown', userId: null, justEnded: false });
});
