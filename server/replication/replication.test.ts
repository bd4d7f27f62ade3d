import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { initPatientDoc, readPatient, updatePatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { verifyAuditChain } from '../audit/audit-log';
import { addClinic, getJson, login, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { receiveAudit, verifyReceivedAudit } from './replication-core';
import { runEdgeEnrol } from '../cli/edge-enrol';
import { readEdgeLink, type EdgeReplicator } from './replication-edge';
import { ReplicationHttpError } from './signed-http';

/**
 * A district hub and a clinic box as two real servers, each with its own
 * data directory, and staff devices (websocket sync clients) on each.
 */

let hub: TestApp;
let edge: TestApp;
let clinicId: string;
let hubIds: Record<string, string>;
let edgeId: string;
let replicator: EdgeReplicator;
let hubAdmin: string;
/** The last signed request the box sent, as sent (for the replay check). */
let lastSent: { url: string; init: RequestInit } | null = null;
const providers: WebsocketProvider[] = [];

const P1 = '0b8f5d3e-7c1a-4e2b-9f60-1a2b3c4d5e01';
const P2 = '0b8f5d3e-7c1a-4e2b-9f60-1a2b3c4d5e02';

function openDevice(app: TestApp, name: string, cookie: string): { doc: Y.Doc; provider: WebsocketProvider } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(app.url.replace(/^http/, 'ws') + '/sync', name, doc, {
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

async function waitFor(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stateJson(app: TestApp, name: string): Promise<unknown> {
  const state = await app.sync.readState(name, clinicId);
  if (!state) return null;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  // Roots arrive untyped; every root of these documents is a map.
  for (const key of [...doc.share.keys()]) doc.getMap(key);
  return { json: doc.toJSON(), sv: Buffer.from(Y.encodeStateVector(doc)).toString('base64') };
}

async function family(app: TestApp, id: string): Promise<string | undefined> {
  const state = await app.sync.readState(docName('patient', id), clinicId);
  if (!state) return undefined;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return readPatient(doc)?.family;
}

const count = (app: TestApp, sql: string, ...args: unknown[]) => (app.db.prepare(sql).get(...args) as { n: number }).n;

beforeAll(async () => {
  hub = await startTestApp({ replication: { role: 'hub' } });
  const made = await addClinic(hub, 'Kisumu Clinic', [
    { username: 'k.admin', roles: ['admin'] },
    { username: 'k.desk', roles: ['frontdesk'] },
    { username: 'k.clin', roles: ['clinician'] }
  ]);
  await addClinic(hub, 'Other Clinic', [{ username: 'o.nurse', roles: ['nurse'] }]);
  clinicId = made.clinicId;
  hubIds = made.ids;
  hubAdmin = await sessionCookieFor(hub.url, 'k.admin');
  const recordingFetch: typeof fetch = (input, init) => {
    lastSent = { url: String(input), init: init ?? {} };
    return fetch(input, init);
  };
  edge = await startTestApp({ replication: { role: 'edge', start: false, fetchImpl: recordingFetch } });
}, 30_000);

afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
});

afterAll(async () => {
  await edge?.stop();
  await hub?.stop();
});

async function newCode(): Promise<string> {
  const res = await fetch(`${hub.url}/api/admin/edges/enrolment-codes`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Kisumu box' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { code: string }).code;
}

describe('a clinic box and its hub', () => {
  it('enrols with a one-time code (audited), and a used or wrong code is refused', async () => {
    const code = await newCode();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const desk = await sessionCookieFor(hub.url, 'k.desk');
    const notAdmin = await fetch(`${hub.url}/api/admin/edges/enrolment-codes`, { method: 'POST', headers: { cookie: desk, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
    expect(notAdmin.status).toBe(403);

    // The box's one setup command, as an operator runs it.
    const said: string[] = [];
    expect(await runEdgeEnrol(['--hub', hub.url, '--code', 'WRONG-CODE-0000'], edge.dataDir, (l) => said.push(l))).toBe(1);
    expect(said.at(-1)).toBe('Enrolment failed: This enrolment code is not valid: it is wrong, was used already, or has expired. Ask the hub’s administrator for a new one.');
    expect(await runEdgeEnrol(['--hub', hub.url, '--code', code.toLowerCase()], edge.dataDir, (l) => said.push(l))).toBe(0);
    const linked = readEdgeLink(edge.db)!;
    expect(linked.clinicId).toBe(clinicId);
    expect(said.at(-2)).toBe(`Enrolled as clinic box ${linked.edgeId} ("Kisumu box") of Kisumu Clinic, with the hub at ${hub.url}.`);
    edgeId = linked.edgeId;
    replicator = edge.replication.edge()!;
    expect(replicator.edgeId).toBe(edgeId);

    // The same code a second time, on another box: refused.
    const again = await fetch(`${hub.url}/api/replication/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, signKey: linked.hubSignKey, boxKey: linked.hubBoxKey }) });
    expect(again.status).toBe(403);
    expect(await runEdgeEnrol(['--hub', hub.url, '--code', code], edge.dataDir, (l) => said.push(l))).toBe(1);
    expect(said.at(-1)).toBe('Enrolment failed: This box is already enrolled with a hub.');
    const wrong = await fetch(`${hub.url}/api/replication/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'AAAA-BBBB-CCCC', signKey: linked.hubSignKey, boxKey: linked.hubBoxKey }) });
    expect(wrong.status).toBe(403);
    const audited = hub.db.prepare("SELECT action, outcome FROM audit_log WHERE action IN ('edge.enrolment-code', 'edge.enrol') ORDER BY seq").all();
    expect(audited).toEqual([
      { action: 'edge.enrolment-code', outcome: 'success' },
      { action: 'edge.enrol', outcome: 'failure' },
      { action: 'edge.enrol', outcome: 'success' },
      { action: 'edge.enrol', outcome: 'failure' },
      { action: 'edge.enrol', outcome: 'failure' }
    ]);
  });

  it('brings the clinic’s staff to the box (not another clinic’s), so they sign in there with the hub’s password', async () => {
    expect((await login(edge.url, 'k.desk')).status).toBe(401);
    const first = await replicator.round();
    expect(first.users).toBe(3);
    expect(edge.db.prepare('SELECT username FROM users ORDER BY username').all()).toEqual([{ username: 'k.admin' }, { username: 'k.clin' }, { username: 'k.desk' }]);
    expect((await login(edge.url, 'k.desk')).status).toBe(200);
    expect((await login(edge.url, 'o.nurse')).status).toBe(401);
  });

  it('edits made on both sides during a partition merge when the link heals, with devices on each side', async () => {
    // A patient registered at the hub reaches the box.
    const seed = new Y.Doc();
    initPatientDoc(seed, P1, { family: 'Otieno', given: ['Akinyi'], birthDate: '1988-02-03', gender: 'female' }, { id: hubIds['k.desk'], name: 'k.desk' }, 'MRN-1');
    await hub.sync.applyServerUpdate(docName('patient', P1), clinicId, Y.encodeStateAsUpdate(seed), hubIds['k.desk']);
    const r1 = await replicator.round();
    expect(r1.pulled).toBe(1);
    expect(await family(edge, P1)).toBe('Otieno');

    // Partition: no rounds. A device at the hub and one at the box edit the same patient; the box registers another.
    const hubDevice = openDevice(hub, docName('patient', P1), await sessionCookieFor(hub.url, 'k.desk'));
    const edgeDevice = openDevice(edge, docName('patient', P1), await sessionCookieFor(edge.url, 'k.desk'));
    await Promise.all([synced(hubDevice.provider), synced(edgeDevice.provider)]);
    updatePatient(hubDevice.doc, { family: 'Otieno-Were' }, { id: hubIds['k.desk'], name: 'k.desk' });
    updatePatient(edgeDevice.doc, { phone: '+254 700 000 111' }, { id: hubIds['k.desk'], name: 'k.desk' });
    const newPatient = openDevice(edge, docName('patient', P2), await sessionCookieFor(edge.url, 'k.desk'));
    await synced(newPatient.provider);
    initPatientDoc(newPatient.doc, P2, { family: 'Wanjiru', given: ['Grace'], birthDate: '1990-07-01', gender: 'female' }, { id: hubIds['k.desk'], name: 'k.desk' }, 'MRN-2');
    await waitFor(async () => (await family(hub, P1)) === 'Otieno-Were');
    await waitFor(async () => {
      const s = (await stateJson(edge, docName('patient', P1))) as { json: { patient?: { phone?: string } } } | null;
      return s?.json.patient?.phone === '+254 700 000 111';
    });
    await waitFor(async () => (await family(edge, P2)) === 'Wanjiru');
    // Still apart.
    expect(await family(edge, P1)).toBe('Otieno');
    expect(await family(hub, P2)).toBeUndefined();

    // Heal.
    const healed = await replicator.round();
    expect(healed.pulled).toBe(1);
    expect(healed.pushed).toBe(2);
    expect(healed.refused).toBe(0);
    for (const name of [docName('patient', P1), docName('patient', P2)]) {
      expect(await stateJson(edge, name)).toEqual(await stateJson(hub, name));
    }
    const merged = (await stateJson(hub, docName('patient', P1))) as { json: { patient: { family: string; phone: string } } };
    expect([merged.json.patient.family, merged.json.patient.phone]).toEqual(['Otieno-Were', '+254 700 000 111']);
    // The devices see the other side's change live.
    await waitFor(() => readPatient(hubDevice.doc)?.phone === '+254 700 000 111');
    await waitFor(() => readPatient(edgeDevice.doc)?.family === 'Otieno-Were');
    // The hub's log names the box as the writer of what came over the link.
    const writers = hub.db.prepare('SELECT DISTINCT user_id AS u FROM doc_updates WHERE name = ?').all(docName('patient', P2));
    expect(writers).toEqual([{ u: `edge:${edgeId}` }]);

    // A round with nothing new moves nothing.
    const quiet = await replicator.round();
    expect([quiet.pulled, quiet.pushed]).toEqual([0, 0]);
  });

  it('the box’s audit chain arrives at the hub as its own chain, verified on receipt; both sides verify', async () => {
    await replicator.round();
    expect(verifyAuditChain(hub.db).ok).toBe(true);
    expect(verifyAuditChain(edge.db).ok).toBe(true);
    const received = verifyReceivedAudit(hub.db, edgeId);
    const sentUpTo = Number((edge.db.prepare("SELECT value FROM edge_cursors WHERE name = 'audit'").get() as { value: string }).value);
    expect(received).toEqual({ ok: true, count: sentUpTo });
    expect(sentUpTo).toBeGreaterThan(5);
    // Kept apart from the hub's own log: the box's sign-ins are not in the hub's audit_log.
    expect(count(hub, "SELECT count(*) AS n FROM edge_audit WHERE origin = ? AND action = 'login.success'", edgeId)).toBeGreaterThan(0);

    // An entry changed on the way, or one that skips ahead, is refused and nothing after it is kept.
    await login(edge.url, 'k.desk');
    await login(edge.url, 'k.desk');
    const logId = (edge.db.prepare("SELECT value FROM audit_meta WHERE key = 'log_id'").get() as { value: string }).value;
    const next = edge.db.prepare('SELECT seq, ts, user_id, action, outcome, target, detail, ip, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 2').all(sentUpTo) as Parameters<typeof receiveAudit>[2]['rows'][number][];
    expect(next.length).toBe(2);
    const forged = receiveAudit(hub.db, edgeId, { logId, rows: [{ ...next[0], outcome: 'failure' === next[0].outcome ? 'success' : 'failure' }, next[1]] }, Date.now());
    expect(forged.added).toBe(0);
    expect(forged.problem).toContain('does not match its hash');
    const gap = receiveAudit(hub.db, edgeId, { logId, rows: [next[1]] }, Date.now());
    expect(gap.problem).toBe(`Entry #${sentUpTo + 1} is missing.`);
    // The honest entries still go in.
    expect(receiveAudit(hub.db, edgeId, { logId, rows: next }, Date.now()).added).toBe(2);
    expect(verifyReceivedAudit(hub.db, edgeId)).toEqual({ ok: true, count: sentUpTo + 2 });
  });

  it('a user disabled at the hub cannot sign in at the box after its next contact, and the open session there ends', async () => {
    const edgeSession = await sessionCookieFor(edge.url, 'k.clin');
    expect((await getJson(edge.url, '/api/auth/me', edgeSession)).status).toBe(200);
    const res = await fetch(`${hub.url}/api/admin/users/${hubIds['k.clin']}/disabled`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: JSON.stringify({ disabled: true }) });
    expect(res.status).toBe(200);
    await replicator.round();
    expect((await getJson(edge.url, '/api/auth/me', edgeSession)).status).toBe(401);
    expect((await login(edge.url, 'k.clin')).status).toBe(401);
    expect((await login(edge.url, 'k.desk')).status).toBe(200);
  });

  it('refuses an unsigned request, a changed body and a replayed request', async () => {
    const unsigned = await fetch(`${hub.url}/api/replication/users`, { method: 'POST', headers: { 'content-type': 'application/vnd.outpost.replication' }, body: new Uint8Array([1, 2, 3]) });
    expect(unsigned.status).toBe(401);
    await replicator.round();
    const sent = lastSent!;
    const replay = await fetch(sent.url, sent.init);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toContain('replay');
    const headers = { ...(sent.init.headers as Record<string, string>), 'x-outpost-nonce': 'f'.repeat(32) };
    const changed = await fetch(sent.url, { ...sent.init, headers });
    expect(changed.status).toBe(401);
  });

  it('carries the same exchange by hand: signed, encrypted files both ways; importing twice changes nothing', async () => {
    // The box works on with no link at all.
    const device = openDevice(edge, docName('patient', P2), await sessionCookieFor(edge.url, 'k.desk'));
    await synced(device.provider);
    updatePatient(device.doc, { family: 'Wanjiru-Kamau' }, { id: hubIds['k.desk'], name: 'k.desk' });
    await waitFor(async () => (await family(edge, P2)) === 'Wanjiru-Kamau');
    const edgeAdmin = await sessionCookieFor(edge.url, 'k.admin');
    const file = await (await fetch(`${edge.url}/api/admin/edge/bundle/export`, { method: 'POST', headers: { cookie: edgeAdmin, 'content-type': 'application/json' }, body: '{}' })).text();
    expect(file).not.toContain('Wanjiru');
    const parsed = JSON.parse(file) as { format: string; from: string; edgeId: string };
    expect([parsed.format, parsed.from, parsed.edgeId]).toEqual(['outpost-replication-bundle', 'edge', edgeId]);

    const importAtHub = () => fetch(`${hub.url}/api/admin/edges/bundle`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: file });
    const first = await importAtHub();
    expect(first.status).toBe(200);
    expect(((await first.json()) as { alreadyImported: boolean }).alreadyImported).toBe(false);
    expect(await family(hub, P2)).toBe('Wanjiru-Kamau');
    const rows = count(hub, 'SELECT count(*) AS n FROM doc_updates');
    const chain = count(hub, 'SELECT count(*) AS n FROM edge_audit');
    const second = await importAtHub();
    expect(((await second.json()) as { alreadyImported: boolean; docs: number; auditAdded: number })).toMatchObject({ alreadyImported: true, auditAdded: 0 });
    expect(count(hub, 'SELECT count(*) AS n FROM doc_updates')).toBe(rows);
    expect(count(hub, 'SELECT count(*) AS n FROM edge_audit')).toBe(chain);
    expect(verifyReceivedAudit(hub.db, edgeId).ok).toBe(true);

    // A file changed by one byte is refused.
    const tampered = file.replace(/"ciphertext":"(.)/, (_m, c: string) => `"ciphertext":"${c === 'A' ? 'B' : 'A'}`);
    const bad = await fetch(`${hub.url}/api/admin/edges/bundle`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: tampered });
    expect(bad.status).toBe(403);

    // The reverse: the hub's file for this box.
    const hubDoc = new Y.Doc();
    Y.applyUpdate(hubDoc, (await hub.sync.readState(docName('patient', P1), clinicId))!);
    const before = Y.encodeStateVector(hubDoc);
    updatePatient(hubDoc, { family: 'Otieno-Were-Odhiambo' }, { id: hubIds['k.desk'], name: 'k.desk' });
    await hub.sync.applyServerUpdate(docName('patient', P1), clinicId, Y.encodeStateAsUpdate(hubDoc, before), hubIds['k.desk'], 'system');
    const back = await (await fetch(`${hub.url}/api/admin/edges/${edgeId}/bundle`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: '{}' })).text();
    const importAtEdge = () => fetch(`${edge.url}/api/admin/edge/bundle`, { method: 'POST', headers: { cookie: edgeAdmin, 'content-type': 'application/json' }, body: back });
    expect((await importAtEdge()).status).toBe(200);
    expect(await family(edge, P1)).toBe('Otieno-Were-Odhiambo');
    const edgeRows = count(edge, 'SELECT count(*) AS n FROM doc_updates');
    const again = (await (await importAtEdge()).json()) as { alreadyImported: boolean; users: number };
    expect(again).toMatchObject({ alreadyImported: true, users: 0 });
    expect(count(edge, 'SELECT count(*) AS n FROM doc_updates')).toBe(edgeRows);
    // The file is for this box only: the hub cannot read its own file back.
    const wrongWay = await fetch(`${hub.url}/api/admin/edges/bundle`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: back });
    expect(wrongWay.status).toBe(400);
  });

  it('a revoked box is refused, over the link and by file', async () => {
    const edgeAdmin = await sessionCookieFor(edge.url, 'k.admin');
    const file = await (await fetch(`${edge.url}/api/admin/edge/bundle/export`, { method: 'POST', headers: { cookie: edgeAdmin, 'content-type': 'application/json' }, body: '{}' })).text();
    await replicator.round(); // positive control: still accepted
    const res = await fetch(`${hub.url}/api/admin/edges/${edgeId}/revoke`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    const refused = await replicator.round().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ReplicationHttpError);
    expect((refused as ReplicationHttpError).status).toBe(403);
    expect(replicator.status.state).toBe('revoked');
    const byFile = await fetch(`${hub.url}/api/admin/edges/bundle`, { method: 'POST', headers: { cookie: hubAdmin, 'content-type': 'application/json' }, body: file });
    expect(byFile.status).toBe(403);
    expect(count(hub, "SELECT count(*) AS n FROM audit_log WHERE action = 'edge.refused' AND detail LIKE '%revoked%'")).toBe(1);
  });
});
