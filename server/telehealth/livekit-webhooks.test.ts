import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { WEBHOOK_CONTENT_TYPE } from './livekit-webhooks';
import { auditRows, KEYS, postJson, signWebhook, startTelehealthServer, type TelehealthTestServer } from './telehealth-test-support';

/**
 * The webhook endpoint over real HTTP, with bodies signed in the test the
 * way LiveKit signs them, checked by the SDK's own WebhookReceiver.
 */

const DOB = '1980-01-31';
let app: TelehealthTestServer;
let room: string;
let clinicianIdentity: string;
let patientIdentity: string;
let visitId: string;
const T0 = Math.floor(Date.now() / 1000);

beforeEach(async () => {
  const patientId = randomUUID();
  visitId = randomUUID();
  app = await startTelehealthServer([{ username: 'drvega', roles: ['clinician'] }], { birthDateOf: async () => DOB });
  const cookie = await app.cookieFor('drvega');
  const link = (await (await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId }, cookie)).json()) as { token: string };
  const { ticket } = (await (await postJson(`${app.url}/api/telehealth/join/enter`, { token: link.token, birthDate: DOB })).json()) as { ticket: string };
  expect((await postJson(`${app.url}/api/telehealth/admit`, { visitId }, cookie)).status).toBe(200);
  expect((await (await postJson(`${app.url}/api/telehealth/join/poll`, { ticket })).json()).status).toBe('admitted');
  const ids = app.store.db.prepare('SELECT identity, role FROM telehealth_participants').all() as { identity: string; role: string }[];
  clinicianIdentity = ids.find((p) => p.role === 'clinician')!.identity;
  patientIdentity = ids.find((p) => p.role === 'patient')!.identity;
  room = (app.store.db.prepare('SELECT room_name FROM telehealth_visits').get() as { room_name: string }).room_name;
});
afterEach(() => app.stop());

function event(id: string, kind: string, secondsAfter: number, identity?: string) {
  return {
    id,
    event: kind,
    createdAt: String(T0 + secondsAfter),
    room: { sid: 'RM_1', name: room },
    ...(identity ? { participant: { sid: `PA_${identity}`, identity } } : {})
  };
}

async function deliver(body: unknown, opts: { contentType?: string; auth?: string | null; rawBody?: string } = {}) {
  const raw = opts.rawBody ?? JSON.stringify(body);
  const auth = opts.auth === undefined ? await signWebhook(raw) : opts.auth;
  return fetch(`${app.url}/api/telehealth/webhooks/livekit`, {
    method: 'POST',
    headers: { 'content-type': opts.contentType ?? WEBHOOK_CONTENT_TYPE, ...(auth ? { authorization: auth } : {}) },
    body: raw
  });
}

const visitRow = () =>
  app.store.db.prepare('SELECT status, duration_seconds, started_at, ended_at FROM telehealth_visits WHERE visit_id = ?').get(visitId) as {
    status: string;
    duration_seconds: number;
    started_at: string | null;
    ended_at: string | null;
  };

describe('LiveKit webhooks', () => {
  test('a valid join moves the visit into the call and is audited against the clinician', async () => {
    const res = await deliver(event('EV_1', 'participant_joined', 0, clinicianIdentity));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, visit: { status: 'in-call' } });
    expect(auditRows(app.store.db, 'telehealth.join')).toMatchObject([{ user_id: app.ids.drvega, target: `visit:${visitId}` }]);
  });

  test('a duplicate delivery is acknowledged and ignored: one stored event, one audit entry', async () => {
    const body = event('EV_dup', 'participant_joined', 0, patientIdentity);
    await deliver(body);
    const again = await deliver(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ok: true, duplicate: true });
    expect(auditRows(app.store.db, 'telehealth.join')).toHaveLength(1);
    expect(app.store.db.prepare('SELECT count(*) AS n FROM telehealth_webhook_events').get()).toEqual({ n: 1 });
  });

  test('out of order: the same events in any arrival order give the same status and duration', async () => {
    const events = [
      event('E1', 'room_started', 0),
      event('E2', 'participant_joined', 0, clinicianIdentity),
      event('E3', 'participant_joined', 20, patientIdentity),
      event('E4', 'participant_left', 620, patientIdentity),
      event('E5', 'participant_left', 640, clinicianIdentity),
      event('E6', 'room_finished', 700)
    ];
    for (const e of [events[5], events[3], events[1], events[4], events[2], events[0]]) expect((await deliver(e)).status).toBe(200);
    expect(visitRow()).toEqual({
      status: 'ended',
      duration_seconds: 640,
      started_at: new Date(T0 * 1000).toISOString(),
      ended_at: new Date((T0 + 700) * 1000).toISOString()
    });
    const actions = auditRows(app.store.db).map((r) => r.action).filter((a) => ['telehealth.join', 'telehealth.leave', 'telehealth.end'].includes(a));
    expect(actions.sort()).toEqual(['telehealth.end', 'telehealth.join', 'telehealth.join', 'telehealth.leave', 'telehealth.leave']);
  });

  test('a late leave after the room finished does not reopen the call', async () => {
    await deliver(event('A', 'participant_joined', 0, patientIdentity));
    await deliver(event('B', 'room_finished', 100));
    await deliver(event('C', 'participant_joined', 50, clinicianIdentity));
    expect(visitRow().status).toBe('ended');
  });

  test('bad signature: signed with another secret → 401, nothing stored', async () => {
    const body = JSON.stringify(event('EV_bad', 'participant_joined', 0, patientIdentity));
    const forged = await signWebhook(body, { apiKey: KEYS.apiKey, apiSecret: 'an-attacker-secret-that-is-long-enough-000000' });
    const res = await deliver(null, { rawBody: body, auth: forged });
    expect(res.status).toBe(401);
    expect(app.store.db.prepare('SELECT count(*) AS n FROM telehealth_webhook_events').get()).toEqual({ n: 0 });
    const audited = auditRows(app.store.db, 'telehealth.webhook');
    expect(audited.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown }))).toEqual([
      { action: 'telehealth.webhook', outcome: 'failure', user_id: null, target: null, detail: { reason: 'signature', bytes: Buffer.byteLength(body) } }
    ]);
  });

  test('a body changed after signing → 401', async () => {
    const signed = JSON.stringify(event('EV_x', 'participant_joined', 0, patientIdentity));
    const tampered = JSON.stringify(event('EV_x', 'room_finished', 0));
    expect((await deliver(null, { rawBody: tampered, auth: await signWebhook(signed) })).status).toBe(401);
    expect(auditRows(app.store.db, 'telehealth.webhook').map((r) => JSON.parse(r.detail).reason)).toEqual(['signature']);
  });

  test('no Authorization header → 401, audited', async () => {
    expect((await deliver(event('EV_n', 'room_started', 0), { auth: null })).status).toBe(401);
    expect(auditRows(app.store.db, 'telehealth.webhook').map((r) => r.outcome)).toEqual(['failure']);
    // Positive control: a well-signed event leaves no failure behind.
    expect((await deliver(event('EV_ok', 'room_started', 0))).status).toBe(200);
    expect(auditRows(app.store.db, 'telehealth.webhook')).toHaveLength(1);
  });

  test('wrong content type → 400 with the expected type named', async () => {
    const res = await deliver(event('EV_ct', 'room_started', 0), { contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('application/webhook+json');
  });

  test('events for rooms this server does not know, and kinds it does not use, are acknowledged and ignored', async () => {
    const foreign = { ...event('EV_f', 'participant_joined', 0, 'patient-zzz'), room: { name: 'room-unknown' } };
    expect(await (await deliver(foreign)).json()).toEqual({ ok: true, ignored: 'unknown-room' });
    expect(await (await deliver(event('EV_t', 'track_published', 0, patientIdentity))).json()).toEqual({ ok: true, ignored: 'event-kind' });
  });
});
