import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { initPatientDoc, updatePatient } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { SESSION_ENDED_CLOSE_CODE } from '../../src/lib/domain/sync-close-codes';
import { hashPassword } from '../auth/password';
import { runAdmin } from '../cli/admin-commands';
import { createUser } from '../store/users';
import { decodeServerMessage, syncMessage } from '../sync/sync-test-server';
import { CLOSE } from '../sync/sync-connection';
import { LIVEKIT } from '../telehealth/telehealth-test-support';
import { addClinic, getJson, sessionCookieFor, startTestApp, TEST_PASSWORD, type TestApp } from './test-app';

/**
 * A session that ends — sign-out, idle or past its lifetime, revoked, the
 * account disabled or its password reset by an administrator — ends
 * everywhere: its sync sockets close with 4401 within seconds, a write sent
 * after the end is never stored, and every API answers 401. The admin
 * commands write the same SQLite file from another process; the server
 * finds those ends by re-checking open sockets' sessions.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHECK_MS = 100;

let app: TestApp;
let clinicId: string;
let patientId: string;
let userCount = 0;
let edits = 0;

async function seedPatient(target: TestApp, clinic: string, authorId: string): Promise<string> {
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family: 'Moyo', given: ['Tendai'], birthDate: '1981-02-03', gender: 'female' }, { id: 'x', name: 'Outpost import' }, newMrn());
  await target.sync.applyServerUpdate(docName('patient', id), clinic, Y.encodeStateAsUpdate(doc), authorId);
  return id;
}

beforeAll(async () => {
  app = await startTestApp({ sync: { sessionCheckMs: CHECK_MS }, telehealth: LIVEKIT });
  const made = await addClinic(app, 'Session Clinic', [{ username: 'seed.user', roles: ['clinician'] }]);
  clinicId = made.clinicId;
  patientId = await seedPatient(app, clinicId, made.ids['seed.user']);
});

afterAll(async () => {
  await app.stop();
});

/** A y-websocket client at the protocol level, with the session cookie a browser would send. */
interface Socket {
  ws: WebSocket;
  doc: Y.Doc;
  closed: Promise<{ code: number; reason: string }>;
  /** Makes a demographic edit on the local copy (a new surname each time, so it is never a no-op) and sends it as one sync update. */
  write(family: string): void;
}

async function openSocket(target: TestApp, name: string, cookie: string): Promise<Socket> {
  const ws = new WebSocket(`${target.url.replace(/^http/, 'ws')}/sync/${name}`, { headers: { cookie } });
  const doc = new Y.Doc();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const synced = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const m = decodeServerMessage(new Uint8Array(data));
      if (m.kind === 'step2' || m.kind === 'update') Y.applyUpdate(doc, m.payload);
      if (m.kind === 'step2') resolve();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(syncMessage(0, Y.encodeStateVector(doc)));
  await synced;
  return {
    ws,
    doc,
    closed,
    write(family) {
      let update: Uint8Array | null = null;
      const capture = (u: Uint8Array) => (update = u);
      doc.on('update', capture);
      updatePatient(doc, { family: `${family}-${++edits}` }, { id: 'client', name: 'client' });
      doc.off('update', capture);
      // A socket the server already closed cannot send; that write is lost to the socket either way.
      ws.send(syncMessage(2, update!), () => {});
    }
  };
}

function storedBy(target: TestApp, name: string, userId: string): number {
  return (target.db.prepare('SELECT count(*) AS n FROM doc_updates WHERE name = ? AND user_id = ?').get(name, userId) as { n: number }).n;
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function forcedCloses(target: TestApp, userId: string): { target: string; detail: Record<string, unknown> }[] {
  const rows = target.db.prepare("SELECT target, detail FROM audit_log WHERE action = 'doc.close' AND user_id = ? ORDER BY seq").all(userId) as { target: string; detail: string }[];
  return rows.map((r) => ({ target: r.target, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

/** A batch that pushes one update: the catch-up path must refuse an ended session as the socket does. */
function pushBatch(target: TestApp, cookie: string, name: string, update: Uint8Array): Promise<Response> {
  return fetch(`${target.url}/api/sync/batch`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ docs: [], updates: [{ name, update: Buffer.from(update).toString('base64') }] })
  });
}

function editOf(doc: Y.Doc, family: string): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  const before = Y.encodeStateVector(copy);
  updatePatient(copy, { family: `${family}-${++edits}` }, { id: 'client', name: 'client' });
  return Y.encodeStateAsUpdate(copy, before);
}

function adminCli(args: string[], dataDir: string): Promise<number> {
  // The real `npm run admin` entry point in its own process, on the same SQLite file as the running server.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/admin.ts', ...args], {
    cwd: root,
    env: { ...process.env, OUTPOST_DATA_DIR: dataDir },
    stdio: 'ignore'
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

const quiet = { out: () => {}, askPassword: () => Promise.reject(new Error('no prompt in tests')) };

interface Trigger {
  name: string;
  reason: string;
  end(ctx: { target: TestApp; username: string; cookie: string }): Promise<void>;
}

const TRIGGERS: Trigger[] = [
  {
    name: 'sign-out',
    reason: 'logout',
    async end({ target, cookie }) {
      expect((await fetch(`${target.url}/api/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    }
  },
  {
    name: 'npm run admin -- revoke-sessions (another process)',
    reason: 'revoked',
    async end({ target, username }) {
      expect(await adminCli(['revoke-sessions', '--username', username], target.dataDir)).toBe(0);
    }
  },
  {
    name: 'disable-user',
    reason: 'disabled',
    async end({ target, username }) {
      expect(await runAdmin(['disable-user', '--username', username], target.dataDir, quiet)).toBe(0);
    }
  },
  {
    name: 'reset-password',
    reason: 'password-reset',
    async end({ target, username }) {
      expect(await runAdmin(['reset-password', '--username', username, '--password', 'a brand new passphrase'], target.dataDir, quiet)).toBe(0);
    }
  }
];

/** Signs a fresh clinician in, opens two sockets on the patient (one writes, one only listens), proves a write is stored. */
async function signedInWithSockets(target: TestApp, clinic: string, name: string) {
  const username = `ended.${++userCount}`;
  const { ids } = await addClinicUser(target, clinic, username);
  const userId = ids[username];
  const cookie = await sessionCookieFor(target.url, username);
  const writer = await openSocket(target, name, cookie);
  const listener = await openSocket(target, name, cookie);
  writer.write('Before');
  await waitFor(() => storedBy(target, name, userId) === 1);
  return { username, userId, cookie, writer, listener };
}

async function addClinicUser(target: TestApp, clinic: string, username: string): Promise<{ ids: Record<string, string> }> {
  const user = createUser(target.db, { clinicId: clinic, username, name: username, roles: ['clinician'], passwordHash: await hashPassword(TEST_PASSWORD) });
  return { ids: { [username]: user.id } };
}

/** Every effect of an ended session, whatever ended it. */
async function expectEnded(target: TestApp, name: string, s: Awaited<ReturnType<typeof signedInWithSockets>>, reason: string) {
  // Sent after the end, before the socket is closed: the server must drop it.
  s.writer.write('After');
  const [w, l] = await Promise.all([s.writer.closed, s.listener.closed]);
  expect(w).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'session ended' });
  expect(l).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'session ended' });
  expect(CLOSE.sessionEnded).toBe(4401);

  const batch = await pushBatch(target, s.cookie, name, editOf(s.writer.doc, 'ViaBatch'));
  expect(batch.status).toBe(401);
  expect((await getJson(target.url, '/api/sync/changes', s.cookie)).status).toBe(401);
  // The batch answered after the socket's last frame was handled: nothing more of this user is stored.
  expect(storedBy(target, name, s.userId)).toBe(1);

  const closes = forcedCloses(target, s.userId);
  expect(closes).toHaveLength(2);
  for (const c of closes) {
    expect(c.target).toBe(name);
    expect(c.detail).toEqual({ reason: 'session-ended', session: reason, via: 'websocket' });
  }
  // The upgrade is refused too: the stock client would otherwise reconnect with the dead cookie.
  await expect(openSocket(target, name, s.cookie)).rejects.toThrow(/401/);
}

describe('an ended session closes its sync sockets (4401) and stores nothing more', () => {
  it.each(TRIGGERS)('$name', async (trigger) => {
    const name = docName('patient', patientId);
    const s = await signedInWithSockets(app, clinicId, name);
    await trigger.end({ target: app, username: s.username, cookie: s.cookie });
    await expectEnded(app, name, s, trigger.reason);
  });

  it('a session left idle past its limit', async () => {
    const idle = await startTestApp({ sync: { sessionCheckMs: CHECK_MS }, sessionLimits: { idleMs: 3000, absoluteMs: 3_600_000 } });
    try {
      const made = await addClinic(idle, 'Idle Clinic', [{ username: 'idle.seed', roles: ['clinician'] }]);
      const name = docName('patient', await seedPatient(idle, made.clinicId, made.ids['idle.seed']));
      const s = await signedInWithSockets(idle, made.clinicId, name);
      // No request for longer than the idle limit: the periodic check ends the session and closes both sockets.
      await s.listener.closed;
      await expectEnded(idle, name, s, 'idle');
      const expired = idle.db.prepare("SELECT detail FROM audit_log WHERE action = 'session.expired' AND user_id = ?").all(s.userId);
      expect(expired).toEqual([{ detail: '{"reason":"idle"}' }]);
    } finally {
      await idle.stop();
    }
  });

  it('a session past its absolute lifetime, however active', async () => {
    const brief = await startTestApp({ sync: { sessionCheckMs: CHECK_MS }, sessionLimits: { idleMs: 3_600_000, absoluteMs: 3000 } });
    try {
      const made = await addClinic(brief, 'Brief Clinic', [{ username: 'brief.seed', roles: ['clinician'] }]);
      const name = docName('patient', await seedPatient(brief, made.clinicId, made.ids['brief.seed']));
      const s = await signedInWithSockets(brief, made.clinicId, name);
      await s.listener.closed;
      await expectEnded(brief, name, s, 'expired');
    } finally {
      await brief.stop();
    }
  });

  it('drops a write sent after a revocation in another process even before the periodic check runs; a sign-out here closes at once', async () => {
    // A check period far longer than the test: only the check made before each message can stop this write.
    const slow = await startTestApp({ sync: { sessionCheckMs: 3_600_000 } });
    try {
      const made = await addClinic(slow, 'Slow Clinic', [{ username: 'slow.seed', roles: ['clinician'] }]);
      const name = docName('patient', await seedPatient(slow, made.clinicId, made.ids['slow.seed']));
      const s = await signedInWithSockets(slow, made.clinicId, name);
      expect(await runAdmin(['revoke-sessions', '--username', s.username], slow.dataDir, quiet)).toBe(0);
      s.writer.write('After');
      expect((await s.writer.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
      expect((await getJson(slow.url, '/api/auth/me', s.cookie)).status).toBe(401);
      expect(storedBy(slow, name, s.userId)).toBe(1);
      // The socket that sent nothing waits for the periodic check, which this server runs hourly.
      expect(s.listener.ws.readyState).toBe(WebSocket.OPEN);
      s.listener.ws.close();

      // A sign-out in this process closes the session's sockets at once, periodic check or not.
      const t = await signedInWithSockets(slow, made.clinicId, name);
      expect((await fetch(`${slow.url}/api/auth/logout`, { method: 'POST', headers: { cookie: t.cookie } })).status).toBe(204);
      expect((await t.listener.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
      expect((await t.writer.closed).code).toBe(SESSION_ENDED_CLOSE_CODE);
    } finally {
      await slow.stop();
    }
  });

  it('leaves the sockets of the same user’s other sessions open', async () => {
    const name = docName('patient', patientId);
    const s = await signedInWithSockets(app, clinicId, name);
    const otherDevice = await openSocket(app, name, await sessionCookieFor(app.url, s.username));
    expect((await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: { cookie: s.cookie } })).status).toBe(204);
    await s.writer.closed;
    otherDevice.write('Still here');
    await waitFor(() => storedBy(app, name, s.userId) === 2);
    expect(otherDevice.ws.readyState).toBe(WebSocket.OPEN);
    otherDevice.ws.close();
  });
});

describe('every API refuses an ended session', () => {
  /**
   * Routes anyone may call: sign-in, the app's public settings, the patient's join page, the video service's webhooks,
   * SMART discovery and token endpoint (clients authenticate by assertion) and a printed transfer's SMART Health Link
   * (the link's random id and the key in its QR code are the credential; it works once), and the steps of a two-step
   * sign-in (the pending sign-in token from the password step is the credential).
   */
  const PUBLIC = new Set([
    'GET /healthz',
    'GET /.well-known/smart-configuration',
    'GET /fhir/R4/.well-known/smart-configuration',
    'POST /auth/token',
    'GET /api/config',
    'POST /api/auth/login',
    'POST /api/auth/logout',
    'POST /api/auth/login/second-factor',
    'POST /api/auth/login/enrol',
    'POST /api/auth/login/enrol/confirm',
    // The passkey's second step (the pending token is the credential) and sign-in with a passkey alone (the signed assertion is).
    'POST /api/auth/login/passkey/options',
    'POST /api/auth/login/passkey',
    'POST /api/auth/passkey-sign-in/options',
    'POST /api/auth/passkey-sign-in',
    // A lost device says it is erasing itself; it has no session by then (server/devices/lost-device.test.ts).
    'POST /api/device/wiped',
    'GET /cds-services',
    'POST /api/telehealth/join/check',
    'POST /api/telehealth/join/enter',
    'POST /api/telehealth/join/poll',
    'POST /api/telehealth/webhooks/livekit',
    'GET /api/shl/:id',
    // A patient sets up their account from the clinic's invitation (its secret is the credential; server/portal/).
    'POST /api/portal/activate',
    // A clinic box enrols with its one-time code, and signs every replication request with its enrolled key (server/replication/).
    'POST /api/replication/enrol',
    'POST /api/replication/changes',
    'POST /api/replication/exchange',
    'POST /api/replication/push',
    'POST /api/replication/users',
    'POST /api/replication/audit'
  ]);

  function concretePath(p: string): string {
    if (p.startsWith('/cds-services/')) return '/cds-services/outpost-drug-checks';
    return p.replace(/:[A-Za-z]+/g, () => crypto.randomUUID());
  }

  it('answers 401 on every route that is not public, with a revoked cookie', async () => {
    const username = `ended.${++userCount}`;
    await addClinicUser(app, clinicId, username);
    const cookie = await sessionCookieFor(app.url, username);
    // Positive control: the cookie works before the revocation.
    expect((await getJson(app.url, '/api/auth/me', cookie)).status).toBe(200);
    expect(await runAdmin(['revoke-sessions', '--username', username], app.dataDir, quiet)).toBe(0);

    const protectedRoutes = app.routes.filter((r) => !PUBLIC.has(`${r.method} ${r.path}`));
    expect(protectedRoutes.length).toBeGreaterThan(10);
    for (const route of protectedRoutes) {
      const res = await fetch(`${app.url}${concretePath(route.path)}`, {
        method: route.method,
        headers: { cookie, 'content-type': 'application/json' },
        body: route.method === 'POST' ? '{}' : undefined
      });
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 });
    }
  });
});
