import Database from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SessionGuard } from './session-guard';
import type { SyncConnection } from './sync-connection';
import { RecordingAudit } from './sync-test-server';
import { WritePipeline } from './write-pipeline';

/**
 * The checks made before each message (is the session still open, what
 * roles has the writer) are read once per turn of the event loop for all
 * the messages read in it, and afresh in the next turn.
 */
function connection(sessionId: string): SyncConnection & { closedWith: number[] } {
  const closedWith: number[] = [];
  return {
    closedWith,
    user: { id: 'u1', sessionId, name: 'A', roles: ['clinician'], clinicId: 'c1' },
    live: { name: 'chart:x' },
    ip: null,
    ws: { close: (code: number) => closedWith.push(code) }
  } as unknown as SyncConnection & { closedWith: number[] };
}

describe('checks read once per turn', () => {
  it('a session: one look-up for the messages of a turn; a revocation counts from the next turn', async () => {
    const revoked = new Set<string>();
    const lookups: string[][] = [];
    const guard = new SessionGuard({
      endedSessions: (ids) => {
        lookups.push([...ids]);
        return new Map(ids.filter((id) => revoked.has(id)).map((id) => [id, 'revoked']));
      },
      audit: new RecordingAudit(),
      connections: () => [],
      intervalMs: 3_600_000
    });
    try {
      const a = connection('s1');
      const b = connection('s1');
      expect(guard.admits(a)).toBe(true);
      expect(guard.admits(b)).toBe(true);
      expect(guard.admits(a)).toBe(true);
      expect(lookups).toEqual([['s1']]);
      revoked.add('s1');
      await nextTurn();
      expect(guard.admits(a)).toBe(false);
      expect(lookups).toEqual([['s1'], ['s1']]);
      expect(a.closedWith).toEqual([4401]);
      // Positive control: another session in the same turn is looked up and let through.
      expect(guard.admits(connection('s2'))).toBe(true);
      expect(lookups).toEqual([['s1'], ['s1'], ['s2']]);
    } finally {
      guard.stop();
    }
  });

  it("a writer's roles: read once per turn; a role taken away counts from the next turn", async () => {
    const db = new Database(':memory:');
    try {
      db.exec("CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, roles TEXT, disabled INTEGER NOT NULL DEFAULT 0, clinic_id TEXT)");
      db.prepare('INSERT INTO users (id, name, roles) VALUES (?, ?, ?)').run('u1', 'Dr A', '["clinician"]');
      const pipeline = new WritePipeline(db, new RecordingAudit());
      const user = { id: 'u1', name: 'stale name', roles: ['clinician' as const] };
      expect(pipeline.userAuthor(user, 'websocket')).toEqual({ kind: 'user', userId: 'u1', name: 'Dr A', roles: ['clinician'], via: 'websocket' });
      db.prepare("UPDATE users SET roles = '[\"nurse\"]' WHERE id = 'u1'").run();
      expect(pipeline.userAuthor(user, 'websocket').roles).toEqual(['clinician']);
      await nextTurn();
      expect(pipeline.userAuthor(user, 'websocket').roles).toEqual(['nurse']);
      db.prepare("UPDATE users SET disabled = 1 WHERE id = 'u1'").run();
      await nextTurn();
      expect(pipeline.userAuthor(user, 'websocket').roles).toEqual([]);
    } finally {
      db.close();
    }
  });
});
