import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { addAllergy, initChartDoc } from '../../src/lib/chart/chart-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp } from '../http/test-app';

/**
 * `doc.update` audit entries are folded over a window in memory; a server
 * killed mid-window must not leave stored writes that the audit log never
 * mentions. Real process, real SIGKILL, real audit log on disk.
 */
const here = path.dirname(fileURLToPath(import.meta.url));

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('audit of updates across a crash', () => {
  it('audits at the next start every update stored before a kill -9, attributed to its author', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-audit-crash-'));
    const setup = await startTestApp({ dataDir });
    const { ids } = await addClinic(setup, 'Crash Clinic', [{ username: 'crash.nurse', roles: ['nurse'] }]);
    await setup.close();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/crash-target-app.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const patientId = crypto.randomUUID();
    const name = docName('chart', patientId);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url));
        child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
      });
      const cookie = await sessionCookieFor(url, 'crash.nurse');
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(`${url.replace('http', 'ws')}/sync`, name, doc, {
        WebSocketPolyfill: class extends WebSocket {
          constructor(u: string | URL, p?: string | string[]) {
            super(u, p, { headers: { cookie } });
          }
        } as unknown as typeof globalThis.WebSocket,
        disableBc: true
      });
      await new Promise<void>((resolve) => provider.once('sync', (s: boolean) => s && resolve()));
      initChartDoc(doc, patientId);
      for (const s of ['Penicillin', 'Latex', 'Sulfa']) addAllergy(doc, { substance: s, category: 'medication' }, { id: ids['crash.nurse'], name: 'crash.nurse' });
      const reader = new Database(path.join(dataDir, 'outpost.sqlite'), { readonly: true });
      const stored = () => (reader.prepare('SELECT count(*) AS n FROM doc_updates WHERE name = ?').get(name) as { n: number }).n;
      await waitFor(() => stored() === 4);
      const audited = () => (reader.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'doc.update' AND target = ?").get(name) as { n: number }).n;
      // The entries are still folded in memory: nothing is audited yet.
      expect(audited()).toBe(0);
      reader.close();
      provider.destroy();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      child.kill('SIGKILL');
    }

    const again = await startTestApp({ dataDir });
    try {
      const rows = again.db.prepare('SELECT seq, user_id FROM doc_updates WHERE name = ? ORDER BY seq').all(name) as { seq: number; user_id: string }[];
      expect(rows).toHaveLength(4);
      const entries = (again.db.prepare("SELECT user_id, detail FROM audit_log WHERE action = 'doc.update' AND target = ?").all(name) as { user_id: string; detail: string }[]).map((e) => ({ user: e.user_id, ...JSON.parse(e.detail) }));
      expect(entries).toEqual([{ user: ids['crash.nurse'], via: 'recovered', updates: 4, bytes: expect.any(Number), firstSeq: rows[0].seq, lastSeq: rows[3].seq, seqs: rows.map((r) => r.seq) }]);
      // A second start finds nothing more to recover.
      await again.close();
      const third = await startTestApp({ dataDir });
      expect((third.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'doc.update' AND target = ?").get(name) as { n: number }).n).toBe(1);
      await third.stop();
    } finally {
      await again.close().catch(() => undefined);
    }
  });
});
