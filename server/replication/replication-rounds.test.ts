import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { initPatientDoc, readPatient, updatePatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { runEdgeEnrol } from '../cli/edge-enrol';
import { packJson, randomToken, signText, loadKeys, KEY_FILE, unpackJson } from './replication-crypto';
import type { EdgeReplicator } from './replication-edge';
import { HEADER, REPLICATION_MEDIA_TYPE, requestText } from './signed-http';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';

/**
 * Rounds cut into batches, a link cut in the middle of a round, the
 * continuous loop with its backoff, an expired code, and crafted requests
 * (stale, from another key).
 */

let hub: TestApp;
let edge: TestApp;
let clinicId: string;
let deskId: string;
let replicator: EdgeReplicator;
/** The link: while `cutAfter` is a number, that many more requests go through and then every one fails. */
const link: { cutAfter: number | null; sent: number; tamper: boolean } = { cutAfter: null, sent: 0, tamper: false };

const ids = Array.from({ length: 6 }, (_, i) => `5e0c1f7a-2d3b-4c4d-8e5f-00000000000${i + 1}`);

const linkFetch: typeof fetch = async (input, init) => {
  link.sent++;
  if (link.cutAfter !== null) {
    if (link.cutAfter <= 0) throw new TypeError('fetch failed (link down)');
    link.cutAfter--;
  }
  const res = await fetch(input, init);
  if (!link.tamper) return res;
  // Someone on the path swaps the hub's answer for another one, keeping its signature.
  const forged = new Uint8Array(packJson({ clinic: { id: clinicId, name: 'Ward Clinic', secondFactorRoles: [] }, users: [] }));
  return new Response(forged, { status: 200, headers: res.headers });
};

async function family(app: TestApp, id: string): Promise<string | undefined> {
  const state = await app.sync.readState(docName('patient', id), clinicId);
  if (!state) return undefined;
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return readPatient(doc)?.family;
}

async function waitFor(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function register(id: string, fam: string): Promise<void> {
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family: fam, given: ['Test'], birthDate: '1980-01-01', gender: 'male' }, { id: deskId, name: 'desk' }, `MRN-${id.slice(-2)}`);
  await hub.sync.applyServerUpdate(docName('patient', id), clinicId, Y.encodeStateAsUpdate(doc), deskId);
}

async function code(cookie: string): Promise<string> {
  const res = await fetch(`${hub.url}/api/admin/edges/enrolment-codes`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ward box' }) });
  return ((await res.json()) as { code: string }).code;
}

beforeAll(async () => {
  // One document per answer at the hub, two per exchange at the box: six documents take many requests.
  hub = await startTestApp({ replication: { role: 'hub', maxBatchBytes: 1 } });
  const made = await addClinic(hub, 'Ward Clinic', [
    { username: 'w.admin', roles: ['admin'] },
    { username: 'w.desk', roles: ['frontdesk'] }
  ]);
  clinicId = made.clinicId;
  deskId = made.ids['w.desk'];
  edge = await startTestApp({ replication: { role: 'edge', start: false, batchDocs: 2, intervalMs: 40, maxBackoffMs: 200, fetchImpl: linkFetch } });
  const admin = await sessionCookieFor(hub.url, 'w.admin');

  // An expired code is refused (positive control below: a fresh one enrols).
  const stale = await code(admin);
  hub.db.prepare('UPDATE edge_enrolment_codes SET expires_at = 0').run();
  expect(await runEdgeEnrol(['--hub', hub.url, '--code', stale], edge.dataDir, () => {})).toBe(1);
  expect(await runEdgeEnrol(['--hub', hub.url, '--code', await code(admin)], edge.dataDir, () => {})).toBe(0);
  replicator = edge.replication.edge()!;
  replicator.stop();
}, 30_000);

afterAll(async () => {
  replicator?.stop();
  await edge?.stop();
  await hub?.stop();
});

const cursor = (name: string) => (edge.db.prepare('SELECT value FROM edge_cursors WHERE name = ?').get(name) as { value: string } | undefined)?.value;

describe('replication rounds', () => {
  it('a round cut in the middle keeps what was applied, stores no cursor, and the next round finishes without resending it', async () => {
    for (const [i, id] of ids.entries()) await register(id, `Family${i + 1}`);
    // users, changes, then two exchanges (one document each), then the link goes.
    link.cutAfter = 4;
    await expect(replicator.round()).rejects.toThrow('link down');
    expect(replicator.status.state).toBe('failing');
    const arrived = (await Promise.all(ids.map((id) => family(edge, id)))).filter(Boolean);
    expect(arrived).toEqual(['Family1', 'Family2']);
    expect(cursor('hub')).toBeUndefined();

    link.cutAfter = null;
    const healed = await replicator.round();
    expect(healed.pulled).toBe(4);
    // The batch applied before the cut costs one exchange with nothing in it; the other two batches one per document.
    expect(healed.exchanges).toBe(5);
    expect(await Promise.all(ids.map((id) => family(edge, id)))).toEqual(['Family1', 'Family2', 'Family3', 'Family4', 'Family5', 'Family6']);
    expect(cursor('hub')).toMatch(/^\d+$/);
  });

  it('runs continuously while the link is up, backs off while it is down, and catches up when it returns', async () => {
    replicator.start();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (await hub.sync.readState(docName('patient', ids[0]), clinicId))!);
    const before = Y.encodeStateVector(doc);
    updatePatient(doc, { family: 'Family1-Live' }, { id: deskId, name: 'desk' });
    await hub.sync.applyServerUpdate(docName('patient', ids[0]), clinicId, Y.encodeStateAsUpdate(doc, before), deskId, 'system');
    await waitFor(async () => (await family(edge, ids[0])) === 'Family1-Live');

    link.cutAfter = 0;
    await waitFor(() => replicator.status.state === 'failing');
    const sentWhileDown = link.sent;
    const b2 = Y.encodeStateVector(doc);
    updatePatient(doc, { family: 'Family1-Later' }, { id: deskId, name: 'desk' });
    await hub.sync.applyServerUpdate(docName('patient', ids[0]), clinicId, Y.encodeStateAsUpdate(doc, b2), deskId, 'system');
    await new Promise((r) => setTimeout(r, 400));
    // Backing off: at 40 ms a round would have tried about ten times; doubling waits to 200 ms try a handful.
    expect(link.sent - sentWhileDown).toBeLessThan(6);
    expect(await family(edge, ids[0])).toBe('Family1-Live');

    link.cutAfter = null;
    await waitFor(async () => (await family(edge, ids[0])) === 'Family1-Later');
    await waitFor(() => replicator.status.state === 'ok');
    replicator.stop();
  });

  it('takes nothing from an answer the hub did not sign (positive control: the same round untouched goes through)', async () => {
    link.tamper = true;
    await expect(replicator.round()).rejects.toThrow('The answer is not signed by the enrolled hub.');
    link.tamper = false;
    // Had the forged answer been believed, every account would be disabled here.
    expect(edge.db.prepare('SELECT username, disabled FROM users ORDER BY username').all()).toEqual([
      { username: 'w.admin', disabled: 0 },
      { username: 'w.desk', disabled: 0 }
    ]);
    await replicator.round();
  });

  it('an authenticator enrolled at the hub is asked for at the box (never a new enrolment on a password alone)', async () => {
    const codeAt = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at });
    const post = (app: TestApp, p: string, body: unknown, cookie?: string) =>
      fetch(`${app.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });
    const admin = await sessionCookieFor(hub.url, 'w.admin');
    expect((await post(hub, '/api/admin/clinic/second-factor', { roles: ['frontdesk'] }, admin)).status).toBe(200);
    await replicator.round();
    // Before the desk enrols at the hub, the box (like the hub) sends them to enrol: what a first sign-in does.
    expect(await (await post(edge, '/api/auth/login', { username: 'w.desk', password: 'correct horse battery' })).json()).toMatchObject({ secondFactor: 'enrol', methods: [] });

    const hubLogin = (await (await post(hub, '/api/auth/login', { username: 'w.desk', password: 'correct horse battery' })).json()) as { pendingToken: string };
    const begun = (await (await post(hub, '/api/auth/login/enrol', { pendingToken: hubLogin.pendingToken })).json()) as { secret: string };
    expect((await post(hub, '/api/auth/login/enrol/confirm', { pendingToken: hubLogin.pendingToken, code: codeAt(begun.secret, Date.now()) })).status).toBe(200);
    await replicator.round();

    const atBox = (await (await post(edge, '/api/auth/login', { username: 'w.desk', password: 'correct horse battery' })).json()) as { pendingToken: string; methods: string[] };
    expect(atBox).toMatchObject({ secondFactor: 'code', methods: ['totp'] });
    expect((await post(edge, '/api/auth/login/enrol', { pendingToken: atBox.pendingToken })).status).not.toBe(200);
    expect((await post(edge, '/api/auth/login/second-factor', { pendingToken: atBox.pendingToken, code: '000000' })).status).toBe(401);
    const again = (await (await post(edge, '/api/auth/login', { username: 'w.desk', password: 'correct horse battery' })).json()) as { pendingToken: string };
    expect((await post(edge, '/api/auth/login/second-factor', { pendingToken: again.pendingToken, code: codeAt(begun.secret, Date.now() + 30_000) })).status).toBe(200);
    // The secret is sealed under the box's own key, not stored as it came.
    const stored = edge.db.prepare('SELECT secret FROM second_factors').all() as { secret: string }[];
    expect(stored.length).toBe(1);
    expect(stored[0].secret).not.toContain(begun.secret);
    expect((await post(hub, '/api/admin/clinic/second-factor', { roles: [] }, admin)).status).toBe(200);
  });

  it('a box writes only its own clinic’s documents at the hub (positive control: its own patient goes in)', async () => {
    const keys = loadKeys(path.join(edge.dataDir, KEY_FILE))!;
    const other = await addClinic(hub, 'Far Clinic', [{ username: 'f.desk', roles: ['frontdesk'] }]);
    const theirs = '5e0c1f7a-2d3b-4c4d-8e5f-0000000000f1';
    const seed = new Y.Doc();
    initPatientDoc(seed, theirs, { family: 'Far', given: ['Away'], birthDate: '1970-01-01', gender: 'male' }, { id: other.ids['f.desk'], name: 'f.desk' }, 'MRN-F');
    await hub.sync.applyServerUpdate(docName('patient', theirs), other.clinicId, Y.encodeStateAsUpdate(seed), other.ids['f.desk']);
    const before = Y.encodeStateVector(seed);
    updatePatient(seed, { family: 'Overwritten' }, { id: deskId, name: 'desk' });
    const ours = new Y.Doc();
    initPatientDoc(ours, ids[5], { family: 'Family6', given: ['Test'], birthDate: '1980-01-01', gender: 'male' }, { id: deskId, name: 'desk' }, 'MRN-06');
    const push = async (docs: { name: string; update: Uint8Array }[]) => {
      const body = packJson({ docs: docs.map((d) => ({ name: d.name, update: Buffer.from(d.update).toString('base64') })) });
      const ts = String(Date.now());
      const nonce = randomToken(16);
      const res = await fetch(`${hub.url}/api/replication/push`, {
        method: 'POST',
        headers: { 'content-type': REPLICATION_MEDIA_TYPE, [HEADER.edge]: replicator.edgeId, [HEADER.timestamp]: ts, [HEADER.nonce]: nonce, [HEADER.signature]: signText(keys.signPrivate, requestText('/api/replication/push', replicator.edgeId, ts, nonce, body)) },
        body: new Uint8Array(body)
      });
      expect(res.status).toBe(200);
      return unpackJson(new Uint8Array(await res.arrayBuffer()), 1 << 20) as { applied: number; refused: { name: string; code: string; rules: string[]; reason: string }[] };
    };
    const answer = await push([
      { name: docName('patient', theirs), update: Y.encodeStateAsUpdate(seed, before) },
      { name: `schedule:${other.clinicId}`, update: Y.encodeStateAsUpdate(new Y.Doc()) },
      { name: docName('patient', ids[5]), update: Y.encodeStateAsUpdate(ours) }
    ]);
    expect(answer).toEqual({
      applied: 1,
      refused: [
        { name: docName('patient', theirs), code: 'forbidden', rules: ['replication.scope'], reason: 'This patient belongs to another clinic.' },
        { name: `schedule:${other.clinicId}`, code: 'forbidden', rules: ['replication.scope'], reason: 'This document belongs to another clinic.' }
      ]
    });
    const held = new Y.Doc();
    Y.applyUpdate(held, (await hub.sync.readState(docName('patient', theirs), other.clinicId))!);
    expect(readPatient(held)?.family).toBe('Far');
  });

  it('refuses a crafted request: a stale time, another key, another box’s id (positive control: the same request signed now goes through)', async () => {
    const keys = loadKeys(path.join(edge.dataDir, KEY_FILE))!;
    const edgeId = replicator.edgeId;
    const send = (opts: { ts?: number; key?: typeof keys; id?: string }) => {
      const body = packJson({});
      const ts = String(opts.ts ?? Date.now());
      const nonce = randomToken(16);
      const sig = signText((opts.key ?? keys).signPrivate, requestText('/api/replication/users', opts.id ?? edgeId, ts, nonce, body));
      return fetch(`${hub.url}/api/replication/users`, {
        method: 'POST',
        headers: { 'content-type': REPLICATION_MEDIA_TYPE, [HEADER.edge]: opts.id ?? edgeId, [HEADER.timestamp]: ts, [HEADER.nonce]: nonce, [HEADER.signature]: sig },
        body: new Uint8Array(body)
      });
    };
    expect((await send({})).status).toBe(200);
    expect((await send({ ts: Date.now() - 10 * 60_000 })).status).toBe(401);
    const other = (await import('./replication-crypto')).generateKeys();
    expect((await send({ key: other })).status).toBe(401);
    expect((await send({ id: '00000000-0000-4000-8000-000000000000' })).status).toBe(401);
    const reasons = hub.db.prepare("SELECT json_extract(detail, '$.reason') AS r FROM audit_log WHERE action = 'edge.refused' ORDER BY seq").all();
    expect(reasons).toEqual([{ r: 'stale' }, { r: 'bad-signature' }, { r: 'unknown-edge' }]);
  });
});
