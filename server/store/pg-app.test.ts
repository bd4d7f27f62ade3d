import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { initPatientDoc, readPatient, updatePatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { verifyAuditChain } from '../audit/audit-log';
import { openDatabase } from './db';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { PgDocumentStore } from './pg-doc-store';
import { createTestPgDatabase } from './pg-test-db';

/**
 * The whole server with its documents in PostgreSQL (DATABASE_URL): two
 * clinicians co-edit over real websockets, the server restarts, the record
 * is whole, and both audit chains verify. Needs the PostgreSQL server of
 * pg-test-db.ts; skipped with the reason printed without one (not under CI=1).
 */

const pgDb = await createTestPgDatabase();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-pg-app-'));
let app: TestApp | null = null;
const providers: WebsocketProvider[] = [];

afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await pgDb?.drop();
});

function open(name: string, cookie: string): { doc: Y.Doc; provider: WebsocketProvider } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(app!.url.replace(/^http/, 'ws') + '/sync', name, doc, {
    WebSocketPolyfill: class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { headers: { cookie } });
      }
    } as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200
  });
  providers.push(provider);
  return { doc, provider };
}

function synced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return Promise.resolve();
  return new Promise((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 8000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pgRows<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: pgDb!.url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!pgDb)('the server on PostgreSQL (DATABASE_URL)', () => {
  it('two clinicians co-edit live; after a restart the record is whole and every audit chain verifies', async () => {
    app = await startTestApp({ dataDir, databaseUrl: pgDb!.url });
    const clinic = await addClinic(app, 'Hub Clinic', [
      { username: 'amara', roles: ['clinician'] },
      { username: 'njeri', roles: ['nurse'] }
    ]);
    const patientId = crypto.randomUUID();
    const name = docName('patient', patientId);
    const seed = new Y.Doc();
    initPatientDoc(seed, patientId, { family: 'Dlamini', given: ['Thandiwe'], birthDate: '1975-04-12', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
    await app.sync.applyServerUpdate(name, clinic.clinicId, Y.encodeStateAsUpdate(seed), clinic.ids.amara);

    const amara = open(name, await sessionCookieFor(app.url, 'amara'));
    const njeri = open(name, await sessionCookieFor(app.url, 'njeri'));
    await Promise.all([synced(amara.provider), synced(njeri.provider)]);
    expect(readPatient(njeri.doc)?.family).toBe('Dlamini');

    updatePatient(amara.doc, { family: 'Dlamini-Nkosi' }, { id: clinic.ids.amara, name: 'amara' });
    await waitFor(() => readPatient(njeri.doc)?.family === 'Dlamini-Nkosi');
    // Njeri signs her change with someone else's name: the server corrects it, in the same transaction as the update.
    updatePatient(njeri.doc, { given: ['Thandi'] }, { id: clinic.ids.njeri, name: 'Dr Someone Else' });
    await waitFor(() => readPatient(amara.doc)?.given[0] === 'Thandi');
    await waitFor(() => amara.doc.getMap('patient').get('updatedBy') === 'njeri');

    // The update log is PostgreSQL's, attributed by the server; SQLite's stays empty.
    const rows = await pgRows<{ user_id: string }>('SELECT user_id FROM doc_updates WHERE name = $1 ORDER BY seq', [name]);
    expect(rows.map((r) => r.user_id)).toEqual([clinic.ids.amara, clinic.ids.amara, clinic.ids.njeri, 'outpost-server']);
    expect((app.db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n).toBe(0);
    // SQLite keeps a directory of the documents for the platform's readers: identity only.
    expect(app.db.prepare('SELECT name, clinic_id, kind, patient_id, last_seq FROM documents').all()).toEqual([
      { name, clinic_id: clinic.clinicId, kind: 'patient', patient_id: patientId, last_seq: 0 }
    ]);
    const corrections = await pgRows<{ action: string; user_id: string; target: string }>('SELECT action, user_id, target FROM audit_log ORDER BY seq');
    expect(corrections).toEqual([{ action: 'doc.update.corrected', user_id: clinic.ids.njeri, target: name }]);

    for (const p of providers.splice(0)) p.destroy();
    await app.close();
    // A stop between PostgreSQL's commit and the directory's write, and a patient list lost: both rebuilt at start.
    const sqlite = openDatabase(dataDir);
    sqlite.exec('DELETE FROM documents; DELETE FROM patients;');
    sqlite.close();
    app = await startTestApp({ dataDir, databaseUrl: pgDb!.url });
    expect(app.db.prepare('SELECT name, clinic_id FROM documents').all()).toEqual([{ name, clinic_id: clinic.clinicId }]);

    const cookie = await sessionCookieFor(app.url, 'amara');
    const again = open(name, cookie);
    await synced(again.provider);
    expect(readPatient(again.doc)).toMatchObject({ family: 'Dlamini-Nkosi', given: ['Thandi'], birthDate: '1975-04-12' });
    expect(again.doc.getMap('patient').get('updatedBy')).toBe('njeri');
    const changes = (await (await getJson(app.url, '/api/sync/changes', cookie)).json()) as { docs: string[] };
    expect(changes.docs).toEqual([name]);
    const list = (await (await getJson(app.url, '/api/patients', cookie)).json()) as { patients: { id: string; name: { family: string } }[] };
    expect(list.patients.map((p) => [p.id, p.name.family])).toEqual([[patientId, 'Dlamini-Nkosi']]);

    expect(verifyAuditChain(app.db)).toMatchObject({ ok: true });
    const store = await PgDocumentStore.open(pgDb!.url, { max: 1 });
    try {
      expect(await store.verifyAudit()).toEqual({ ok: true, count: 1 });
    } finally {
      await store.close();
    }
  });
});
