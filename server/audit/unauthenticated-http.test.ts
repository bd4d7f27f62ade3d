import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { addClinic, getJson, login, sessionCookieFor, startTestApp } from '../http/test-app';
import { migratePlatformTables, openDatabase } from '../store/db';
import { loadTrustedKey } from './audit-key';
import { createAuditLog } from './audit-log';
import { createUnauthenticatedSummary } from './unauthenticated-summary';
import { verifyAudit } from './verify-audit';

const dirs: string[] = [];
function freshDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface SummaryRow {
  ip: string | null;
  outcome: string;
  user_id: string | null;
  detail: { count: number; from: string; to: string; routes: string[]; otherAddresses?: boolean };
}

function summaryRows(db: Database.Database): SummaryRow[] {
  const rows = db
    .prepare("SELECT ip, outcome, user_id, detail FROM audit_log WHERE action = 'api.unauthenticated' ORDER BY seq")
    .all() as (Omit<SummaryRow, 'detail'> & { detail: string })[];
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as SummaryRow['detail'] }));
}

const ATTACHMENT = '/api/charts/0b0e4c1e-7a4c-4d5e-9f00-3f1a2b3c4d5e/attachments/5f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

describe('unauthenticated API requests in the audit log', () => {
  it('are summed per address into one entry, named by route, with the checkpoint after them', async () => {
    const dataDir = freshDir('outpost-unauth-');
    const outside = freshDir('outpost-unauth-outside-');
    const auditCheckpoints = { dir: path.join(outside, 'checkpoints'), keyFile: path.join(outside, 'key.pem') };
    const app = await startTestApp({ dataDir, auditCheckpoints });
    await addClinic(app, 'Hillside Clinic', [{ username: 'amina', roles: ['clinician'] }]);

    for (let i = 0; i < 5; i++) expect((await getJson(app.url, '/api/patients')).status).toBe(401);
    expect((await getJson(app.url, '/api/patients', 'outpost_session=forged-token')).status).toBe(401);
    expect((await fetch(`${app.url}/api/sync/batch`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await getJson(app.url, ATTACHMENT)).status).toBe(401);
    // Not counted: a signed-in request, and a failed sign-in (audited on its own as login.failure).
    const cookie = await sessionCookieFor(app.url, 'amina');
    expect((await getJson(app.url, '/api/patients', cookie)).status).toBe(200);
    expect((await login(app.url, 'amina', 'not the password')).status).toBe(401);

    expect(summaryRows(app.db)).toEqual([]); // folded, not one entry per request
    await app.close();

    const db = openDatabase(dataDir);
    try {
      const rows = summaryRows(db);
      expect(rows).toEqual([
        {
          ip: '127.0.0.1',
          outcome: 'failure',
          user_id: null,
          detail: {
            count: 8,
            from: expect.any(String),
            to: expect.any(String),
            routes: ['GET /api/charts/:patientId/attachments/:id', 'GET /api/patients', 'POST /api/sync/batch']
          }
        }
      ]);
      expect(Date.parse(rows[0].detail.to)).toBeGreaterThanOrEqual(Date.parse(rows[0].detail.from));
      expect(db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'login.failure'").get()).toEqual({ n: 1 });
      const verified = verifyAudit(db, { checkpointDir: auditCheckpoints.dir, trustedKeys: [loadTrustedKey(auditCheckpoints.keyFile)] });
      expect(verified).toMatchObject({ ok: true, uncovered: 0 });
    } finally {
      db.close();
    }
  });

  it('are written at the end of each window while the server runs', async () => {
    const app = await startTestApp({ unauthenticatedWindowMs: 50 });
    try {
      expect((await getJson(app.url, '/api/auth/me')).status).toBe(401);
      const deadline = Date.now() + 10_000;
      while (summaryRows(app.db).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(summaryRows(app.db)).toEqual([
        { ip: '127.0.0.1', outcome: 'failure', user_id: null, detail: { count: 1, from: expect.any(String), to: expect.any(String), routes: ['GET /api/auth/me'] } }
      ]);
    } finally {
      await app.stop();
    }
  });

  it('keeps one entry per address per window, and counts addresses beyond the limit together', () => {
    const db = openDatabase(freshDir('outpost-unauth-unit-'));
    migratePlatformTables(db);
    let now = new Date('2026-05-01T10:00:00.000Z');
    const summary = createUnauthenticatedSummary(createAuditLog(db), { maxAddresses: 2, now: () => now, windowMs: 3_600_000 });
    summary.note('10.0.0.1', 'GET /api/patients');
    summary.note('10.0.0.2', 'GET /api/patients');
    now = new Date('2026-05-01T10:00:30.000Z');
    summary.note('10.0.0.1', 'POST /api/sync/batch');
    summary.note('10.0.0.3', 'GET /api/patients');
    summary.note('10.0.0.4', 'GET /api/auth/me');
    summary.flush();
    now = new Date('2026-05-01T10:01:10.000Z');
    summary.note('10.0.0.1', 'GET /api/patients');
    summary.close();
    expect(summaryRows(db)).toEqual([
      {
        ip: '10.0.0.1',
        outcome: 'failure',
        user_id: null,
        detail: { count: 2, from: '2026-05-01T10:00:00.000Z', to: '2026-05-01T10:00:30.000Z', routes: ['GET /api/patients', 'POST /api/sync/batch'] }
      },
      {
        ip: '10.0.0.2',
        outcome: 'failure',
        user_id: null,
        detail: { count: 1, from: '2026-05-01T10:00:00.000Z', to: '2026-05-01T10:00:00.000Z', routes: ['GET /api/patients'] }
      },
      {
        ip: null,
        outcome: 'failure',
        user_id: null,
        detail: {
          count: 2,
          from: '2026-05-01T10:00:30.000Z',
          to: '2026-05-01T10:00:30.000Z',
          routes: ['GET /api/auth/me', 'GET /api/patients'],
          otherAddresses: true
        }
      },
      {
        ip: '10.0.0.1',
        outcome: 'failure',
        user_id: null,
        detail: { count: 1, from: '2026-05-01T10:01:10.000Z', to: '2026-05-01T10:01:10.000Z', routes: ['GET /api/patients'] }
      }
    ]);
    db.close();
  });
});
