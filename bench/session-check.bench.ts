import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuditLog } from '../server/audit/audit-log';
import { createAuthService } from '../server/auth/auth-service';
import { migratePlatformTables, openDatabase } from '../server/store/db';
import { createClinic, createUser } from '../server/store/users';

/**
 * What ending sessions everywhere costs the sync server: the check made
 * before each message a socket sends (one session), and the sweep over the
 * sessions behind all open sockets (200 here) every 2 s. Baseline in the
 * same process: the cookie check every HTTP request already makes.
 */
const SESSIONS = 200;

function perCall(n: number, fn: () => void): number {
  for (let i = 0; i < 1000; i++) fn(); // warm-up: JIT, statement cache
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t) / 1000 / n;
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-sessions-'));
  const db = openDatabase(dir);
  try {
    migratePlatformTables(db);
    const clinic = createClinic(db, { name: 'Bench clinic' });
    const auth = createAuthService(db, createAuditLog(db));
    const sessions = Array.from({ length: SESSIONS }, (_, i) => {
      const user = createUser(db, { clinicId: clinic.id, username: `bench${i}`, name: `Bench ${i}`, roles: ['nurse'], passwordHash: 'x' });
      return auth.sessions.create(user.id);
    });
    const ids = sessions.map((s) => s.sessionId);
    const cookie = perCall(20_000, () => auth.sessions.check(sessions[7].token));
    const one = perCall(20_000, () => auth.endedSessions([ids[7]]));
    const sweep = perCall(2_000, () => auth.endedSessions(ids));
    console.log(`session checks (SQLite, ${SESSIONS} open sessions):`);
    console.log(`  before each socket message (one session): ${one.toFixed(1)} µs   baseline, cookie check per HTTP request: ${cookie.toFixed(1)} µs   ratio ${(one / cookie).toFixed(2)}`);
    console.log(`  sweep over all ${SESSIONS} sessions: ${(sweep / 1000).toFixed(2)} ms, every 2 s = ${((sweep / 1000 / 2000) * 100).toFixed(3)} % of one core`);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
