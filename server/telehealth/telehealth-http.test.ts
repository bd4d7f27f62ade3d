import { randomUUID } from 'node:crypto';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterEach, describe, expect, test } from 'vitest';
import { KEYS, postJson, startTelehealthServer, type TelehealthTestServer } from './telehealth-test-support';

const DOB = '1975-09-12';
let app: TelehealthTestServer | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

describe('video visit journey over HTTP', () => {
  test('front desk sends a link; the patient confirms and waits; the clinician admits; the patient gets a token', async () => {
    const patientId = randomUUID();
    const visitId = randomUUID();
    app = await startTelehealthServer(
      [
        { username: 'desk', roles: ['frontdesk'] },
        { username: 'drvega', roles: ['clinician'] }
      ],
      { birthDateOf: async (_clinic, id) => (id === patientId ? DOB : null) }
    );
    const desk = await app.cookieFor('desk');
    const dr = await app.cookieFor('drvega');

    const created = await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId, patientId }, desk);
    expect(created.status).toBe(201);
    const link = (await created.json()) as { token: string; path: string };

    expect(await (await postJson(`${app.url}/api/telehealth/join/check`, { token: link.token })).json()).toMatchObject({ needsBirthDate: true });
    expect((await postJson(`${app.url}/api/telehealth/join/enter`, { token: link.token, birthDate: '1975-09-13' })).status).toBe(403);
    const entered = await postJson(`${app.url}/api/telehealth/join/enter`, { token: link.token, birthDate: DOB });
    const { ticket } = (await entered.json()) as { ticket: string };

    expect(await (await postJson(`${app.url}/api/telehealth/join/poll`, { ticket })).json()).toEqual({ status: 'waiting' });
    expect((await postJson(`${app.url}/api/telehealth/admit`, { visitId }, desk)).status).toBe(403);

    const waiting = await fetch(`${app.url}/api/telehealth/waiting?visitId=${visitId}`, { headers: { cookie: dr } });
    expect(((await waiting.json()) as { waiting: unknown[] }).waiting).toHaveLength(1);

    const admit = await postJson(`${app.url}/api/telehealth/admit`, { visitId }, dr);
    expect(admit.status).toBe(200);
    const own = (await admit.json()) as { token: string; serverUrl: string };
    expect(own.serverUrl).toBe('wss://video.example.test');

    const polled = (await (await postJson(`${app.url}/api/telehealth/join/poll`, { ticket })).json()) as { status: string; token: string };
    expect(polled.status).toBe('admitted');
    const claims = await new TokenVerifier(KEYS.apiKey, KEYS.apiSecret).verify(polled.token);
    expect(claims.sub).toMatch(/^patient-/);

    expect((await postJson(`${app.url}/api/telehealth/end`, { visitId }, dr)).status).toBe(200);
    expect((await postJson(`${app.url}/api/telehealth/join/check`, { token: link.token })).status).toBe(404);
  });

  test('staff routes need a session; malformed secrets are refused before any lookup', async () => {
    app = await startTelehealthServer([]);
    expect((await postJson(`${app.url}/api/telehealth/admit`, { visitId: randomUUID() })).status).toBe(401);
    expect((await postJson(`${app.url}/api/telehealth/join/enter`, { token: 'short' })).status).toBe(400);
  });
});

describe('without LiveKit settings', () => {
  test('every video route answers 503 "Video is not configured"', async () => {
    app = await startTelehealthServer([{ username: 'drvega', roles: ['clinician'] }], { config: { configured: false } });
    const dr = await app.cookieFor('drvega');
    for (const path of ['links', 'admit', 'join/enter', 'join/poll', 'end']) {
      const res = await postJson(`${app.url}/api/telehealth/${path}`, {}, dr);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^Video is not configured/);
    }
    const hook = await fetch(`${app.url}/api/telehealth/webhooks/livekit`, { method: 'POST', headers: { 'content-type': 'application/webhook+json' }, body: '{}' });
    expect(hook.status).toBe(503);
    // Sign-in (the rest of the app) still works: cookieFor succeeded above.
  });
});
