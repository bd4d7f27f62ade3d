import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { addAppointment, initScheduleDoc, listAppointments, listAppointmentTypes, setAppointmentType } from '../../src/lib/chart/schedule-doc';
import { scheduleMonthName, scheduleName } from '../../src/lib/domain/doc-names';
import { addClinic, getJson, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * The clinic's appointment book over the real platform: session cookies,
 * the upgrade ACL, the batch endpoint and the change list. The clinic check
 * comes from the document's name, so another clinic cannot open (or claim)
 * a schedule even before its first write.
 */

let app: TestApp;
let wsBase: string;
let clinicA: string;
let clinicB: string;
const providers: WebsocketProvider[] = [];
const PATIENT = '4384bf23-1dc3-48ca-8c84-89fbaff201ae';

function webSocketWithCookie(cookie: string) {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers: { cookie } });
    }
  } as unknown as typeof globalThis.WebSocket;
}

function openProvider(name: string, cookie: string): { doc: Y.Doc; provider: WebsocketProvider } {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(wsBase, name, doc, { WebSocketPolyfill: webSocketWithCookie(cookie), disableBc: true, maxBackoffTime: 200 });
  providers.push(provider);
  return { doc, provider };
}

const synced = (p: WebsocketProvider) => (p.synced ? Promise.resolve() : new Promise<void>((r) => p.once('sync', (s: boolean) => s && r())));

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function upgradeStatus(name: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/${name}`, { headers: { cookie } });
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

function batch(cookie: string, body: unknown): Promise<Response> {
  return fetch(`${app.url}/api/sync/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');


beforeAll(async () => {
  app = await startTestApp();
  wsBase = app.url.replace(/^http/, 'ws') + '/sync';
  clinicA = (
    await addClinic(app, 'Clinic A', [
      { username: 'priya', roles: ['frontdesk'] },
      { username: 'amara', roles: ['clinician'] },
      { username: 'alex', roles: ['admin'] },
      { username: 'pat', roles: ['patient'] }
    ])
  ).clinicId;
  clinicB = (await addClinic(app, 'Clinic B', [{ username: 'b.desk', roles: ['frontdesk'] }])).clinicId;
});

afterEach(() => {
  for (const p of providers.splice(0)) p.destroy();
});

afterAll(async () => {
  await app.stop();
});

describe('schedule document', () => {
  it('the front desk opens its own clinic schedule and books; the booking is stored as theirs', async () => {
    const cookie = await sessionCookieFor(app.url, 'priya');
    const { doc, provider } = openProvider(scheduleName(clinicA), cookie);
    await synced(provider);
    initScheduleDoc(doc, clinicA, 'UTC');
    setAppointmentType(doc, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 30 });
    addAppointment(doc, { providerId: 'dr-a', patientId: PATIENT, typeId: 'consult', start: '2026-12-01T09:00:00Z' }, { id: 'priya', name: 'Priya' });
    await waitFor(() => {
      const row = app.db.prepare('SELECT count(*) AS n FROM doc_updates WHERE name = ?').get(scheduleName(clinicA)) as { n: number };
      return row.n >= 3;
    });
    const state = await app.sync.readState(scheduleName(clinicA), clinicA);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, state!);
    expect(listAppointments(copy).map((a) => a.patientId)).toEqual([PATIENT]);
    const authors = app.db.prepare('SELECT DISTINCT u.username FROM doc_updates d JOIN users u ON u.id = d.user_id WHERE d.name = ?').all(scheduleName(clinicA));
    expect(authors).toEqual([{ username: 'priya' }]);
    expect(app.db.prepare('SELECT clinic_id, kind FROM documents WHERE name = ?').get(scheduleName(clinicA))).toEqual({ clinic_id: clinicA, kind: 'schedule' });
  });

  it("refuses another clinic's schedule (403), even one never written, and a patient account", async () => {
    const other = await sessionCookieFor(app.url, 'b.desk');
    expect(await upgradeStatus(scheduleName(clinicA), other)).toBe(403);
    // Clinic B's own schedule does not exist yet; clinic A's desk still may not claim it.
    const priya = await sessionCookieFor(app.url, 'priya');
    expect(await upgradeStatus(scheduleName(clinicB), priya)).toBe(403);
    expect(app.db.prepare('SELECT count(*) AS n FROM documents WHERE name = ?').get(scheduleName(clinicB))).toEqual({ n: 0 });
    const patient = await sessionCookieFor(app.url, 'pat');
    expect(await upgradeStatus(scheduleName(clinicA), patient)).toBe(403);
    expect(await upgradeStatus(scheduleName(clinicB), other)).toBe(101);

    const res = await batch(priya, { docs: [{ name: scheduleName(clinicB), stateVector: b64(Y.encodeStateVector(new Y.Doc())) }], updates: [] });
    const body = (await res.json()) as { docs: { name: string; error?: { code: string } }[] };
    expect(body.docs[0].error?.code).toBe('forbidden');
  });

  it('lets the administrator read but not write', async () => {
    const cookie = await sessionCookieFor(app.url, 'alex');
    const { doc, provider } = openProvider(scheduleName(clinicA), cookie);
    await synced(provider);
    expect(listAppointments(doc)).toHaveLength(1);
    const before = app.db.prepare('SELECT count(*) AS n FROM doc_updates WHERE name = ?').get(scheduleName(clinicA));
    // A write the rules of the record would accept from the desk, so only the role stops it.
    setAppointmentType(doc, { id: 'admin-type', name: 'Admin', mode: 'in-person', minutes: 5 });
    const write = new Y.Doc();
    write.getMap('meta').set('x', 1);
    const res = await batch(cookie, { docs: [], updates: [{ name: scheduleName(clinicA), update: b64(Y.encodeStateAsUpdate(write)) }] });
    const body = (await res.json()) as { docs: { error?: { code: string } }[] };
    expect(body.docs[0].error?.code).toBe('forbidden');
    // The write sent over the socket had its chance: the server looked at it
    // and recorded the refusal...
    const alexId = (app.db.prepare("SELECT id FROM users WHERE username = 'alex'").get() as { id: string }).id;
    const rejected = () =>
      (app.db.prepare("SELECT user_id, detail FROM audit_log WHERE action = 'doc.update.rejected' AND target = ? ORDER BY seq").all(scheduleName(clinicA)) as { user_id: string; detail: string }[]).map(
        (r): Record<string, unknown> => ({ userId: r.user_id, ...(JSON.parse(r.detail) as Record<string, unknown>) })
      );
    await waitFor(() => rejected().some((r) => r.via === undefined));
    expect(rejected()).toEqual(
      expect.arrayContaining([
        { userId: alexId, reason: 'read-only', via: 'batch', updates: 1 },
        { userId: alexId, reason: 'read-only', bytes: expect.any(Number) }
      ])
    );
    expect(rejected()).toHaveLength(2);
    // ...and a later, allowed write from the desk has been stored since, so
    // anything the server had queued for storage before it is stored too.
    const desk = openProvider(scheduleName(clinicA), await sessionCookieFor(app.url, 'priya'));
    await synced(desk.provider);
    setAppointmentType(desk.doc, { id: 'follow-up', name: 'Follow-up', mode: 'in-person', minutes: 15 });
    const since = (before as { n: number }).n;
    const authorsSince = () =>
      (app.db.prepare('SELECT coalesce(u.username, d.user_id) AS username FROM doc_updates d LEFT JOIN users u ON u.id = d.user_id WHERE d.name = ? ORDER BY d.seq').all(scheduleName(clinicA)) as { username: string }[])
        .slice(since)
        .map((r) => r.username);
    await waitFor(() => authorsSince().includes('priya'));
    expect(authorsSince()).toEqual(['priya']);
    const state = new Y.Doc();
    Y.applyUpdate(state, (await app.sync.readState(scheduleName(clinicA), clinicA))!);
    expect(listAppointmentTypes(state).map((t) => t.id).sort()).toEqual(['consult', 'follow-up']);
    expect(listAppointments(state).map((a) => a.patientId)).toEqual([PATIENT]);
  });

  it('is in the change list for the desk and clinicians, so the batch catch-up brings it to the device', async () => {
    for (const user of ['priya', 'amara', 'alex']) {
      const cookie = await sessionCookieFor(app.url, user);
      const changes = (await (await getJson(app.url, '/api/sync/changes', cookie)).json()) as { docs: string[] };
      expect(changes.docs).toContain(scheduleName(clinicA));
    }
    const cookie = await sessionCookieFor(app.url, 'priya');
    const res = await batch(cookie, { docs: [{ name: scheduleName(clinicA), stateVector: b64(Y.encodeStateVector(new Y.Doc())) }], updates: [] });
    const body = (await res.json()) as { docs: { update: string }[] };
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Buffer.from(body.docs[0].update, 'base64'));
    expect(listAppointments(copy)).toHaveLength(1);
  });

  it('a month of the book takes only appointments that start in that month, and only from the staff of its clinic', async () => {
    const march = scheduleMonthName(clinicA, '2026-03');
    const priya = await sessionCookieFor(app.url, 'priya');
    const appointment = (id: string, start: string) => {
      const d = new Y.Doc();
      d.getMap('meta').set('kind', 'schedule');
      d.getMap('meta').set('clinicId', clinicA);
      const e = new Y.Map<unknown>();
      d.getMap('appointments').set(id, e);
      for (const [k, v] of Object.entries({ id, providerId: 'dr-a', patientId: PATIENT, typeId: 'consult', mode: 'in-person', start, end: start.replace(':00:00', ':30:00'), status: 'booked', createdAt: start, createdBy: 'Priya', updatedAt: start, updatedBy: 'Priya' })) e.set(k, v);
      return b64(Y.encodeStateAsUpdate(d));
    };
    // The allowed case: 31 March 23:00 UTC is March's.
    let res = await batch(priya, { docs: [], updates: [{ name: march, update: appointment('in-march', '2026-03-31T23:00:00.000Z') }] });
    expect(((await res.json()) as { docs: { error?: unknown }[] }).docs[0].error).toBeUndefined();
    // A crafted appointment for April sent to March's document is refused and audited.
    res = await batch(priya, { docs: [], updates: [{ name: march, update: appointment('in-april', '2026-04-01T00:00:00.000Z') }] });
    const refused = ((await res.json()) as { docs: { error?: { code: string; rules?: string[] } }[] }).docs[0].error;
    expect(refused?.code).toBe('refused');
    expect(refused?.rules).toEqual(['schedule.month']);
    // Settings belong to the book, not to a month.
    const settings = new Y.Doc();
    settings.getMap('providers').set('dr-a', { id: 'dr-a', name: 'Dr A', active: true });
    res = await batch(priya, { docs: [], updates: [{ name: march, update: b64(Y.encodeStateAsUpdate(settings)) }] });
    expect(((await res.json()) as { docs: { error?: { rules?: string[] } }[] }).docs[0].error?.rules).toEqual(['schedule.settings']);
    // A month names its own clinic, never another's.
    // Written over the stored month (causally after its clinicId), so Yjs's tie-break between concurrent writes cannot hide the change.
    const claim = new Y.Doc();
    Y.applyUpdate(claim, (await app.sync.readState(march, clinicA))!);
    const before = Y.encodeStateVector(claim);
    claim.getMap('meta').set('clinicId', clinicB);
    res = await batch(priya, { docs: [], updates: [{ name: march, update: b64(Y.encodeStateAsUpdate(claim, before)) }] });
    expect(((await res.json()) as { docs: { error?: { rules?: string[] } }[] }).docs[0].error?.rules).toEqual(['meta.identity']);
    const state = new Y.Doc();
    Y.applyUpdate(state, (await app.sync.readState(march, clinicA))!);
    expect(listAppointments(state).map((a) => a.id)).toEqual(['in-march']);
    expect(app.db.prepare('SELECT clinic_id, kind FROM documents WHERE name = ?').get(march)).toEqual({ clinic_id: clinicA, kind: 'schedule' });
    // The same access rules as the book: another clinic's desk and a patient are refused, the administrator reads only.
    expect(await upgradeStatus(march, await sessionCookieFor(app.url, 'b.desk'))).toBe(403);
    expect(await upgradeStatus(march, await sessionCookieFor(app.url, 'pat'))).toBe(403);
    expect(await upgradeStatus(march, await sessionCookieFor(app.url, 'amara'))).toBe(101);
    res = await batch(await sessionCookieFor(app.url, 'alex'), { docs: [], updates: [{ name: march, update: appointment('by-admin', '2026-03-02T09:00:00.000Z') }] });
    expect(((await res.json()) as { docs: { error?: { code: string } }[] }).docs[0].error?.code).toBe('forbidden');
    // A month name that is not one is not a document at all.
    expect(await upgradeStatus(`schedule:${clinicA}:2026-13`, priya)).not.toBe(101);
  });
});
