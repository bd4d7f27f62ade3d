import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { initPatientDoc } from '../../src/lib/chart/patient-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { newMrn } from '../../src/lib/domain/patient';
import { SESSION_ENDED_CLOSE_CODE } from '../../src/lib/domain/sync-close-codes';
import { runAdmin } from '../cli/admin-commands';
import { decodeServerMessage, syncMessage } from '../sync/sync-test-server';
import { addClinic, startTestApp, TEST_PASSWORD, type TestApp } from '../http/test-app';

/**
 * A device reported lost: every session opened on it ends at once, and from
 * then on it gets nothing but the wipe signal (HTTP 410, code
 * `device-revoked`) at sign-in, at a sync upgrade and on any API call,
 * whether it shows its device cookie or only a session cookie copied off
 * it. The same user's other device keeps working. Only an administrator of
 * the user's clinic may report a device lost. All requests here are sent
 * directly, as a hostile client would.
 */

const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

let app: TestApp;
let clinicId: string;
let ids: Record<string, string>;
let patientDoc: string;

beforeAll(async () => {
  app = await startTestApp({ sync: { sessionCheckMs: 100 } });
  const made = await addClinic(app, 'Device Clinic', [
    { username: 'admin.a', roles: ['admin'] },
    { username: 'nurse.a', roles: ['nurse'] },
    { username: 'clin.a', roles: ['clinician'] },
    { username: 'clin.b', roles: ['clinician'] },
    { username: 'clin.c', roles: ['clinician'] },
    { username: 'clin.d', roles: ['clinician'] }
  ]);
  const other = await addClinic(app, 'Other Clinic', [{ username: 'admin.other', roles: ['admin'] }]);
  clinicId = made.clinicId;
  ids = { ...made.ids, ...other.ids };
  const id = crypto.randomUUID();
  const doc = new Y.Doc();
  initPatientDoc(doc, id, { family: 'Banda', given: ['Chiso'], birthDate: '1990-05-06', gender: 'female' }, { id: 'x', name: 'import' }, newMrn());
  patientDoc = docName('patient', id);
  await app.sync.applyServerUpdate(patientDoc, clinicId, Y.encodeStateAsUpdate(doc), made.ids['clin.a']);
});

afterAll(async () => {
  await app.stop();
});

interface Signed {
  deviceId: string;
  session: string;
  /** Both cookies, as the device's browser sends them. */
  cookie: string;
}

async function signInOn(username: string, deviceId = crypto.randomUUID(), ua = CHROME_ANDROID): Promise<Signed> {
  const res = await signInRaw(username, deviceId, { ua });
  expect(res.status).toBe(200);
  const session = (res.headers.get('set-cookie') ?? '').split(';')[0];
  return { deviceId, session, cookie: `${session}; outpost_device=${deviceId}` };
}

function signInRaw(username: string, deviceId: string | undefined, opts: { ua?: string; cookie?: string; password?: string } = {}): Promise<Response> {
  return fetch(`${app.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': opts.ua ?? CHROME_ANDROID, ...(opts.cookie ? { cookie: opts.cookie } : {}) },
    body: JSON.stringify({ username, password: opts.password ?? TEST_PASSWORD, ...(deviceId ? { deviceId } : {}) })
  });
}

function get(path: string, cookie: string): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers: { cookie } });
}

function post(path: string, cookie: string, body?: unknown): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
}

/** Opens a sync socket; resolves with its first sync answer, or the HTTP status that refused the upgrade. */
function openSocket(cookie: string): Promise<{ status: 'open'; ws: WebSocket; closed: Promise<number> } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/sync/${patientDoc}`, { headers: { cookie } });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
    ws.on('open', () => ws.send(syncMessage(0, Y.encodeStateVector(new Y.Doc()))));
    ws.on('message', (data: Buffer) => {
      if (decodeServerMessage(new Uint8Array(data)).kind === 'step2') resolve({ status: 'open', ws, closed });
    });
  });
}

async function expectWipeSignal(res: Response): Promise<void> {
  expect(res.status).toBe(410);
  // The dead session cookie is dropped with the signal (the app cannot clear an httpOnly cookie itself).
  expect(res.headers.get('set-cookie')).toMatch(/^outpost_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('device-revoked');
  expect(body.error.message).toBe('This device was reported lost or stolen. It has been signed out and must erase its data.');
}

function auditRows(action: string, target?: string): { user_id: string | null; target: string; detail: Record<string, unknown> }[] {
  const rows = (
    target
      ? app.db.prepare('SELECT user_id, target, detail FROM audit_log WHERE action = ? AND target = ? ORDER BY seq').all(action, target)
      : app.db.prepare('SELECT user_id, target, detail FROM audit_log WHERE action = ? ORDER BY seq').all(action)
  ) as { user_id: string | null; target: string; detail: string }[];
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('device registry', () => {
  it('records the device at sign-in with a short browser summary, and an administrator lists it', async () => {
    const admin = await signInOn('admin.a');
    const phone = await signInOn('clin.d', undefined, CHROME_ANDROID);
    const laptop = await signInOn('clin.d', undefined, FIREFOX_LINUX);
    const res = await get(`/api/users/${ids['clin.d']}/devices`, admin.cookie);
    expect(res.status).toBe(200);
    const { devices } = (await res.json()) as { devices: { id: string; userAgent: string; lostAt: string | null }[] };
    expect(devices.map((d) => d.id).sort()).toEqual([phone.deviceId, laptop.deviceId].sort());
    expect(devices.find((d) => d.id === phone.deviceId)?.userAgent).toBe('Chrome 131 on Android');
    expect(devices.find((d) => d.id === laptop.deviceId)?.userAgent).toBe('Firefox 133 on Linux');
    expect(devices.every((d) => d.lostAt === null)).toBe(true);
    expect(app.auth.devices.knows(phone.deviceId, ids['clin.d'])).toBe(true);
    expect(app.auth.devices.knows(phone.deviceId, ids['clin.c'])).toBe(false);
    expect(app.auth.devices.knows(crypto.randomUUID(), ids['clin.d'])).toBe(false);
  });

  it('refuses a malformed device id at sign-in with a readable error', async () => {
    const res = await signInRaw('clin.d', 'not-a-device');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { message: string }[] } }).error.details[0].message).toBe('Not a device id');
  });
});

describe('a device reported lost', () => {
  let lost: Signed;
  let other: Signed;
  let lostSocket: { ws: WebSocket; closed: Promise<number> };
  let otherSocket: { ws: WebSocket; closed: Promise<number> };

  beforeAll(async () => {
    lost = await signInOn('clin.a');
    other = await signInOn('clin.a');
    // Positive controls: both devices read and sync before the report.
    expect((await get('/api/auth/me', lost.cookie)).status).toBe(200);
    const a = await openSocket(lost.cookie);
    const b = await openSocket(other.cookie);
    if (a.status !== 'open' || b.status !== 'open') throw new Error('sockets did not open');
    lostSocket = a;
    otherSocket = b;
    const admin = await signInOn('admin.a');
    const res = await post(`/api/devices/${lost.deviceId}/lost`, admin.cookie);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deviceId: lost.deviceId, sessionsEnded: 1, alreadyLost: false });
  });

  it('has its open sync socket closed at once; the other device keeps its socket', async () => {
    expect(await lostSocket.closed).toBe(SESSION_ENDED_CLOSE_CODE);
    expect(otherSocket.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('gets the wipe signal on any API call, with its cookies or with only its session cookie copied into another browser', async () => {
    await expectWipeSignal(await get('/api/auth/me', lost.cookie));
    await expectWipeSignal(await get('/api/patients', lost.session));
    await expectWipeSignal(await get('/api/config', `outpost_device=${lost.deviceId}`));
    await expectWipeSignal(await post('/api/sync/batch', lost.session, { docs: [{ name: patientDoc, stateVector: '' }], updates: [] }));
  });

  it('gets the wipe signal at sign-in, even with the right password, named in the body or only in its cookie', async () => {
    await expectWipeSignal(await signInRaw('clin.a', lost.deviceId));
    await expectWipeSignal(await signInRaw('clin.a', undefined, { cookie: `outpost_device=${lost.deviceId}` }));
    // Another user on the same (shared) device is refused too: the whole install is erased.
    await expectWipeSignal(await signInRaw('clin.b', lost.deviceId));
    // The cookie-only attempt is stopped before the sign-in is even looked at (no login.failure, only the signal).
    const refused = auditRows('login.failure').filter((r) => r.detail.reason === 'device-lost');
    expect(refused.map((r) => r.target)).toEqual(['clin.a', 'clin.b']);
    expect(app.db.prepare('SELECT count(*) AS n FROM sessions WHERE device_id = ? AND revoked_at IS NULL').get(lost.deviceId)).toEqual({ n: 0 });
  });

  it('cannot open a sync socket: the upgrade is refused with 410 before any document byte', async () => {
    const withBoth = await openSocket(lost.cookie);
    expect(withBoth.status).toBe(410);
    expect(JSON.parse((withBoth as { body: string }).body).error.code).toBe('device-revoked');
    expect((await openSocket(lost.session)).status).toBe(410);
  });

  it('leaves the same user’s other device working', async () => {
    expect((await get('/api/auth/me', other.cookie)).status).toBe(200);
    expect((await get('/api/patients', other.cookie)).status).toBe(200);
    const again = await openSocket(other.cookie);
    expect(again.status).toBe('open');
    if (again.status === 'open') again.ws.close();
    expect(otherSocket.ws.readyState).toBe(WebSocket.OPEN);
    otherSocket.ws.close();
  });

  it('audits the report once and the wipe signal at most once a minute, however often the device calls', () => {
    const target = `device:${lost.deviceId}`;
    const reports = auditRows('device.lost', target);
    expect(reports.length).toBe(1);
    expect(reports[0].user_id).toBe(ids['admin.a']);
    expect(reports[0].detail).toMatchObject({ by: 'admin.a', sessionsEnded: 1, alreadyLost: false, users: [ids['clin.a']] });
    expect(auditRows('device.wipe-signal', target).length).toBe(1);
    expect(app.auth.devices.knows(lost.deviceId, ids['clin.a'])).toBe(false);
  });

  it('may say it is erasing itself (audited, its device cookie cleared); a device not lost may not', async () => {
    const notLost = await post('/api/device/wiped', `outpost_device=${other.deviceId}`);
    expect(notLost.status).toBe(409);
    expect(auditRows('device.wipe-confirmed', `device:${other.deviceId}`).length).toBe(0);
    const res = await post('/api/device/wiped', lost.cookie);
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBe('outpost_device=; Path=/; SameSite=Strict; Max-Age=0');
    expect(auditRows('device.wipe-confirmed', `device:${lost.deviceId}`).length).toBe(1);
    // Saying so opens nothing: the next call still gets the signal.
    await expectWipeSignal(await get('/api/auth/me', lost.cookie));
  });
});

describe('who may report a device lost', () => {
  it.each([
    ['a nurse', 'nurse.a', 403],
    ['a clinician (even the device’s own user)', 'clin.c', 403],
    ['an administrator of another clinic', 'admin.other', 404]
  ])('%s is refused, audited, and the device keeps working', async (_label, username, status) => {
    const device = await signInOn('clin.c');
    const caller = await signInOn(username);
    const res = await post(`/api/devices/${device.deviceId}/lost`, caller.cookie);
    expect(res.status).toBe(status);
    const list = await get(`/api/users/${ids['clin.c']}/devices`, caller.cookie);
    expect(list.status).toBe(status);
    expect((await get('/api/auth/me', device.cookie)).status).toBe(200);
    const denied = auditRows('authz.denied', `device:${device.deviceId}`);
    expect(denied.map((d) => d.user_id)).toEqual([ids[username]]);
    expect(auditRows('device.lost', `device:${device.deviceId}`).length).toBe(0);
  });

  it('a request without a session is asked to sign in', async () => {
    const device = await signInOn('clin.c');
    expect((await post(`/api/devices/${device.deviceId}/lost`, '')).status).toBe(401);
    expect((await get('/api/auth/me', device.cookie)).status).toBe(200);
  });

  it('an unknown device id is not found and a malformed one is refused', async () => {
    const admin = await signInOn('admin.a');
    expect((await post(`/api/devices/${crypto.randomUUID()}/lost`, admin.cookie)).status).toBe(404);
    expect((await post('/api/devices/zzz/lost', admin.cookie)).status).toBe(404);
  });

  it('the admin command lists a user’s devices and reports one lost; the running server refuses it', async () => {
    const device = await signInOn('clin.c', undefined, FIREFOX_LINUX);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), askPassword: () => Promise.reject(new Error('no prompt')) };
    expect(await runAdmin(['list-devices', '--username', 'clin.c'], app.dataDir, io)).toBe(0);
    expect(lines.some((l) => l.startsWith(`${device.deviceId}  Firefox 133 on Linux  first seen `))).toBe(true);
    expect(await runAdmin(['mark-device-lost', '--device', device.deviceId], app.dataDir, io)).toBe(0);
    expect(lines.at(-1)).toBe(`Device ${device.deviceId} reported lost; 1 session(s) ended. At its next contact it is told to erase its data.`);
    await expectWipeSignal(await get('/api/auth/me', device.cookie));
    expect(await runAdmin(['mark-device-lost', '--device', 'nope'], app.dataDir, io)).toBe(2);
    expect(lines.at(-1)).toBe('Error: Not a device id.');
  });
});

describe('sign out everywhere', () => {
  it('ends the user’s sessions on every device and closes their sockets; other users are untouched', async () => {
    const phone = await signInOn('clin.b');
    const desk = await signInOn('clin.b');
    const bystander = await signInOn('nurse.a');
    const socket = await openSocket(desk.cookie);
    if (socket.status !== 'open') throw new Error('socket did not open');
    const res = await post('/api/auth/logout-everywhere', phone.cookie);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ended: 2 });
    expect(res.headers.get('set-cookie')).toMatch(/^outpost_session=; /);
    expect(await socket.closed).toBe(SESSION_ENDED_CLOSE_CODE);
    expect((await get('/api/auth/me', phone.cookie)).status).toBe(401);
    expect((await get('/api/auth/me', desk.cookie)).status).toBe(401);
    expect((await get('/api/auth/me', bystander.cookie)).status).toBe(200);
    const audited = auditRows('sessions.sign-out-everywhere', 'clin.b');
    expect(audited.length).toBe(1);
    expect(audited[0]).toMatchObject({ user_id: ids['clin.b'], detail: { count: 2 } });
    await waitFor(() => auditRows('doc.close').some((r) => r.user_id === ids['clin.b'] && r.detail.session === 'everywhere'));
  });

  it('needs a session', async () => {
    expect((await post('/api/auth/logout-everywhere', '')).status).toBe(401);
  });
});
