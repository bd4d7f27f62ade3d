import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { docName } from '../../src/lib/domain/doc-names';
import { DocStore } from '../store/doc-store';
import {
  makeDataDir,
  noteString,
  openTestDb,
  rowCount,
  startTestServer,
  typeInto,
  USERS,
  waitFor,
  webSocketAs,
  type TestServer,
  type TestUserKey
} from './sync-test-server';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHART = docName('chart', '0b6f3c1e-5a7d-4c2b-9e8f-1a2b3c4d5e6f');

const providers: WebsocketProvider[] = [];
let server: TestServer | null = null;

afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  await server?.stop();
  server = null;
});

function open(wsBase: string, name: string, as: TestUserKey, doc = new Y.Doc()): { doc: Y.Doc; provider: WebsocketProvider } {
  const provider = new WebsocketProvider(wsBase, name, doc, {
    WebSocketPolyfill: webSocketAs(as),
    // Node has BroadcastChannel: without this, two providers in one process would sync around the server.
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

const text = (doc: Y.Doc) => noteString(doc);

describe('live editing over websockets', () => {
  it('converges two stock providers and attributes every update to its author', async () => {
    server = await startTestServer();
    const a = open(server.wsBase, CHART, 'clinician');
    const b = open(server.wsBase, CHART, 'nurse');
    await Promise.all([synced(a.provider), synced(b.provider)]);

    typeInto(a.doc, 'BP 120/80. ');
    await waitFor(() => text(b.doc) === 'BP 120/80. ');
    typeInto(b.doc, 'Pulse 72.');
    await waitFor(() => text(a.doc) === 'BP 120/80. Pulse 72.');

    const rows = server.db.prepare('SELECT user_id FROM doc_updates WHERE name = ? ORDER BY seq').all(CHART);
    expect(rows).toEqual([{ user_id: USERS.clinician.id }, { user_id: USERS.nurse.id }]);
    expect(server.audit.of('doc.open').map((e) => e.userId).sort()).toEqual([USERS.clinician.id, USERS.nurse.id].sort());
    expect(server.audit.of('doc.update').map((e) => [e.userId, e.target])).toEqual([
      [USERS.clinician.id, CHART],
      [USERS.nurse.id, CHART]
    ]);
    expect(server.changed.map((c) => c.name)).toEqual([CHART, CHART]);
    expect(server.db.prepare('SELECT clinic_id FROM documents WHERE name = ?').get(CHART)).toEqual({ clinic_id: 'clinic-a' });
  });

  it('serves stored state after the service restarts on the same database', async () => {
    server = await startTestServer();
    const a = open(server.wsBase, CHART, 'clinician');
    await synced(a.provider);
    typeInto(a.doc, 'Allergic to penicillin.');
    await waitFor(() => rowCount(server!.db, CHART) === 1);
    const dataDir = server.dataDir;
    a.provider.destroy();
    await server.stop({ keepData: true });

    server = await startTestServer({ dataDir });
    const fresh = open(server.wsBase, CHART, 'nurse');
    await synced(fresh.provider);
    expect(text(fresh.doc)).toBe('Allergic to penicillin.');
    expect(await server.service.readState(CHART, 'clinic-a')).not.toBeNull();
  });

  it('compacts into a snapshot in one transaction and keeps every log row as provenance', async () => {
    server = await startTestServer({ compactEvery: 5 });
    const a = open(server.wsBase, CHART, 'clinician');
    await synced(a.provider);
    for (let i = 0; i < 12; i++) typeInto(a.doc, `${i};`);
    await waitFor(() => rowCount(server!.db, CHART) === 12);
    const snap = server.db.prepare('SELECT upto_seq FROM doc_snapshots WHERE name = ?').get(CHART) as { upto_seq: number };
    const seqs = server.db.prepare('SELECT seq FROM doc_updates WHERE name = ? ORDER BY seq').all(CHART) as { seq: number }[];
    expect(snap.upto_seq).toBe(seqs[9].seq);

    const loaded = new DocStore(server.db).load(CHART);
    expect(loaded?.rowsSinceSnapshot).toBe(2);
    const check = new Y.Doc();
    Y.applyUpdate(check, loaded!.update);
    expect(text(check)).toBe(text(a.doc));
  });

  it('loses nothing a client saw broadcast when the server process is killed', async () => {
    const dataDir = makeDataDir();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/crash-target-server.ts'), dataDir], {
      stdio: ['ignore', 'pipe', 'inherit']
    });
    try {
      const wsBase = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { wsBase: string }).wsBase));
        child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
      });
      const writer = open(wsBase, CHART, 'clinician');
      const watcher = open(wsBase, CHART, 'nurse');
      await Promise.all([synced(writer.provider), synced(watcher.provider)]);
      for (let i = 0; i < 20; i++) typeInto(writer.doc, `line ${i}\n`);
      const expected = text(writer.doc);
      await waitFor(() => text(watcher.doc) === expected);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const db = openTestDb(dataDir);
      try {
        const stored = new DocStore(db).load(CHART);
        const check = new Y.Doc();
        Y.applyUpdate(check, stored!.update);
        expect(text(check)).toBe(expected);
      } finally {
        db.close();
      }
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
