import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migratePlatformTables, openDatabase } from '../store/db';
import { createClinic, createUser } from '../store/users';
import { createSessionStore } from './sessions';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-sessions-'));
  dirs.push(dir);
  const db = openDatabase(dir);
  migratePlatformTables(db);
  const clinic = createClinic(db, { name: 'Session Clinic' });
  const user = createUser(db, { clinicId: clinic.id, username: 's.user', name: 'S User', roles: ['nurse'], passwordHash: 'x' });
  let t = 1_000_000;
  const clock = { advance: (ms: number) => (t += ms) };
  const store = createSessionStore(db, { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 }, () => t);
  return { db, user, store, clock };
}

describe('sessions', () => {
  it('slide with activity: a session used every 20 minutes lives on, one left 30 minutes ends', () => {
    const { store, clock, user } = setup();
    const { token } = store.create(user.id);
    for (let i = 0; i < 5; i++) {
      clock.advance(20 * 60_000);
      expect(store.check(token).ok).toBe(true);
    }
    clock.advance(30 * 60_000);
    expect(store.check(token)).toMatchObject({ ok: false, reason: 'idle' });
    // Once ended it stays ended.
    expect(store.check(token)).toMatchObject({ ok: false, reason: 'revoked' });
  });

  it('end at the absolute lifetime however active', () => {
    const { store, clock, user } = setup();
    const { token } = store.create(user.id);
    for (let i = 0; i < 36; i++) {
      clock.advance(20 * 60_000);
      if (i < 35) expect(store.check(token).ok).toBe(true);
    }
    expect(store.check(token)).toMatchObject({ ok: false, reason: 'expired', userId: user.id });
  });

  it('end for a disabled user and for every session of a user on revokeAllForUser', () => {
    const { store, user, db } = setup();
    const a = store.create(user.id);
    const b = store.create(user.id);
    expect(store.revokeAllForUser(user.id)).toBe(2);
    expect(store.check(a.token).ok).toBe(false);
    expect(store.check(b.token).ok).toBe(false);
    const c = store.create(user.id);
    db.prepare('UPDATE users SET disabled = 1').run();
    expect(store.check(c.token)).toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('tell in one call which of many sessions ended, and why', () => {
    const { store, user, clock, db } = setup();
    const live = store.create(user.id);
    const out = store.create(user.id);
    const revoked = store.create(user.id);
    const idle = store.create(user.id);
    clock.advance(20 * 60_000);
    expect(store.check(live.token).ok).toBe(true);
    expect(store.check(out.token).ok).toBe(true);
    expect(store.check(revoked.token).ok).toBe(true);
    store.revoke(out.sessionId, 'logout');
    db.prepare('UPDATE sessions SET revoked_at = 1, end_reason = ? WHERE id = ?').run('revoked', revoked.sessionId);
    clock.advance(15 * 60_000); // `idle` was last seen 35 minutes ago
    const ended = store.endedAmong([live.sessionId, out.sessionId, revoked.sessionId, idle.sessionId, 'gone']);
    expect(Object.fromEntries(ended)).toEqual({
      [out.sessionId]: { reason: 'logout', userId: user.id, justEnded: false },
      [revoked.sessionId]: { reason: 'revoked', userId: user.id, justEnded: false },
      [idle.sessionId]: { reason: 'idle', userId: user.id, justEnded: true },
      gone: { reason: 'unknown', userId: null, justEnded: false }
    });
    // Ended once, reported as already ended afterwards (so its expiry is audited once).
    expect(store.endedAmong([idle.sessionId]).get(idle.sessionId)).toEqual({ reason: 'idle', userId: user.id, justEnded: false });
    expect(store.check(idle.token)).toMatchObject({ ok: false, reason: 'revoked' });
    db.prepare('UPDATE users SET disabled = 1').run();
    expect(store.endedAmong([live.sessionId]).get(live.sessionId)).toMatchObject({ reason: 'disabled' });
  });

  it('prunes sessions that ended long ago', () => {
    const { store, user, clock, db } = setup();
    store.create(user.id);
    clock.advance(13 * 3_600_000);
    expect(store.prune(60_000)).toBe(1);
    expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
  });
});
