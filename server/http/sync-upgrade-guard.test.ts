import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from './test-app';

/**
 * Crafted upgrade and batch requests, sent directly: a page of another site
 * opening the sync socket with the user's cookie (cross-site websocket
 * hijacking), and made-up document names. Each is refused and audited.
 */
let app: TestApp;
let cookie: string;
let userId: string;
let name: string;

beforeAll(async () => {
  app = await startTestApp({ allowedOrigins: ['https://outpost.clinic.example'] });
  const made = await addClinic(app, 'Origin Clinic', [{ username: 'o.clinician', roles: ['clinician'] }]);
  userId = made.ids['o.clinician'];
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family: 'Banda', given: ['Chikondi'], birthDate: '1990-06-01', gender: 'male' }, { id: 'x', name: 'Outpost import' }, newMrn());
  name = docName('patient', id);
  await app.sync.applyServerUpdate(name, made.clinicId, Y.encodeStateAsUpdate(doc), userId);
  cookie = await sessionCookieFor(app.url, 'o.clinician');
});

afterAll(async () => {
  await app.stop();
});

/** The status an upgrade is answered with (101 when accepted), sending exactly these headers. */
function upgradeStatus(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}${path}`, { headers });
    ws.on('upgrade', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

function denials(reason: string): { user_id: string | null; target: string | null; detail: Record<string, unknown> }[] {
  const rows = app.db
    .prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'authz.denied' AND json_extract(detail, '$.reason') = ? ORDER BY seq")
    .all(reason) as { user_id: string | null; target: string | null; detail: string }[];
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

describe('the sync upgrade checks the page that opens it', () => {
  it('refuses a page of another site with 403 and audits it, though the cookie is valid', async () => {
    const host = new URL(app.url).host;
    expect(await upgradeStatus(`/sync/${name}`, { cookie, origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(`/sync/${name}`, { cookie, origin: `http://${host.replace('127.0.0.1', 'localhost')}` })).toBe(403);
    expect(await upgradeStatus(`/sync/${name}`, { cookie, origin: 'null' })).toBe(403);
    const audited = denials('origin');
    expect(audited.map((a) => a.detail)).toEqual([
      { reason: 'origin', origin: 'https://evil.example', via: 'websocket' },
      { reason: 'origin', origin: `http://${host.replace('127.0.0.1', 'localhost')}`, via: 'websocket' },
      { reason: 'origin', origin: 'null', via: 'websocket' }
    ]);
    expect(audited.every((a) => a.target === name)).toBe(true);
    // Nothing of the document was opened for them.
    const opens = app.db.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'doc.open'").get() as { n: number };
    expect(opens.n).toBe(0);
  });

  it('opens for its own page, a configured origin, and a client that sends no Origin (not a browser)', async () => {
    const host = new URL(app.url).host;
    expect(await upgradeStatus(`/sync/${name}`, { cookie, origin: `http://${host}` })).toBe(101);
    expect(await upgradeStatus(`/sync/${name}`, { cookie, origin: 'https://outpost.clinic.example' })).toBe(101);
    expect(await upgradeStatus(`/sync/${name}`, { cookie })).toBe(101);
  });

  it('also refuses a sign-out posted from another site, and takes one from a configured origin', async () => {
    const other = await sessionCookieFor(app.url, 'o.clinician');
    const post = (origin: string) => fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { cookie: other, origin } });
    expect((await post('https://evil.example')).status).toBe(403);
    expect((await post('https://outpost.clinic.example')).status).toBe(204);
  });
});

describe('a made-up document name is refused and audited', () => {
  it('on the websocket upgrade (400)', async () => {
    const before = denials('invalid-document').length;
    expect(await upgradeStatus('/sync/chart:not-a-uuid', { cookie })).toBe(400);
    expect(await upgradeStatus('/sync/letters:0b6f3c1e-5a7d-4c2b-9e8f-1a2b3c4d5e6f', { cookie })).toBe(400);
    const audited = denials('invalid-document').slice(before);
    expect(audited).toEqual([
      { user_id: userId, target: null, detail: { reason: 'invalid-document', via: 'websocket' } },
      { user_id: userId, target: null, detail: { reason: 'invalid-document', via: 'websocket' } }
    ]);
  });

  it('in a batch (400, nothing of the batch served)', async () => {
    const before = denials('invalid-document').length;
    const res = await fetch(`${app.url}/api/sync/batch`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ docs: [{ name, stateVector: 'AA==' }, { name: '../../etc/passwd', stateVector: 'AA==' }], updates: [] })
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual(['docs.1.name']);
    expect(denials('invalid-document').slice(before)).toEqual([{ user_id: userId, target: null, detail: { reason: 'invalid-document', via: 'batch' } }]);
    // Positive control: a well-formed batch is not audited as a denial.
    const ok = await fetch(`${app.url}/api/sync/batch`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ docs: [{ name, stateVector: 'AA==' }], updates: [] })
    });
    expect(ok.status).toBe(200);
    expect(denials('invalid-document').length).toBe(before + 1);
  });
});

describe('behind a trusted proxy', () => {
  it('audits a sync socket with the address the proxy appended, not one the client wrote', async () => {
    const proxied = await startTestApp({ trustProxy: true });
    try {
      const made = await addClinic(proxied, 'Proxy Clinic', [{ username: 'p.clinician', roles: ['clinician'] }]);
      const id = crypto.randomUUID();
      const doc = new Y.Doc();
      initPatientDoc(doc, id, { family: 'Tembo', given: ['Alinafe'], birthDate: '1988-03-04', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
      await proxied.sync.applyServerUpdate(docName('patient', id), made.clinicId, Y.encodeStateAsUpdate(doc), made.ids['p.clinician']);
      const proxiedCookie = await sessionCookieFor(proxied.url, 'p.clinician');
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${proxied.url.replace(/^http/, 'ws')}/sync/${docName('patient', id)}`, {
          headers: { cookie: proxiedCookie, 'x-forwarded-for': '10.66.6.6, 203.0.113.7' }
        });
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', reject);
      });
      expect(status).toBe(101);
      expect(proxied.db.prepare("SELECT ip FROM audit_log WHERE action = 'doc.open'").all()).toEqual([{ ip: '203.0.113.7' }]);
    } finally {
      await proxied.stop();
    }
  });
});
