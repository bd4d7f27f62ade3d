import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterEach, describe, expect, test } from 'vitest';
import { auditRows, KEYS, postJson, startTelehealthServer, type TelehealthTestServer } from './telehealth-test-support';

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

  test('a link may carry one of the five languages; any other is refused', async () => {
    const patientId = randomUUID();
    app = await startTelehealthServer([{ username: 'desk', roles: ['frontdesk'] }]);
    const desk = await app.cookieFor('desk');
    const refused = await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId: randomUUID(), patientId, language: 'de' }, desk);
    expect(refused.status).toBe(400);
    const created = await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId: randomUUID(), patientId, language: 'fr' }, desk);
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    expect(await (await postJson(`${app.url}/api/telehealth/join/check`, { token })).json()).toEqual({ scope: 'patient', needsBirthDate: true, guestLabel: null, language: 'fr' });
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

/** A JSON POST sent from another loopback address (the server listens on 127.0.0.1; Linux answers for all of 127/8). */
function postFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; retryAfter: string | undefined }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('probing join links', () => {
  test('one address cannot move from link to link: after 10 failures it is refused, another address is not', async () => {
    app = await startTelehealthServer([{ username: 'desk', roles: ['frontdesk'] }], { birthDateOf: async () => DOB });
    const desk = await app.cookieFor('desk');
    const newLink = async () => {
      const res = await postJson(`${app!.url}/api/telehealth/links`, { scope: 'patient', visitId: randomUUID(), patientId: randomUUID() }, desk);
      return ((await res.json()) as { token: string }).token;
    };
    const enter = (from: string, token: string, birthDate: string) => postFrom(from, `${app!.url}/api/telehealth/join/enter`, { token, birthDate });

    // Two links guessed to their per-link limit from one address: 10 failures.
    for (const token of [await newLink(), await newLink()]) {
      for (let i = 0; i < 5; i++) expect((await enter('127.0.0.2', token, `1975-01-${String(i + 10)}`)).status).toBe(403);
    }
    const third = await newLink();
    const refused = await enter('127.0.0.2', third, DOB);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect((await postFrom('127.0.0.2', `${app.url}/api/telehealth/join/check`, { token: third })).status).toBe(429);
    // The same link from another address: the limit is the address's, not the link's.
    expect((await enter('127.0.0.3', third, DOB)).status).toBe(200);

    const reasons = auditRows(app.store.db, 'telehealth.verify').map((r) => [r.outcome, (JSON.parse(r.detail) as { reason?: string }).reason]);
    expect(reasons.filter(([, r]) => r === 'birth-date')).toHaveLength(10);
    expect(reasons.filter(([, r]) => r === 'rate-limited')).toHaveLength(2);
    expect(reasons.at(-1)).toEqual(['success', undefined]);
  });

  test('unknown, expired and revoked link secrets are audited with why, and count against the address', async () => {
    app = await startTelehealthServer([{ username: 'desk', roles: ['frontdesk'] }], { birthDateOf: async () => DOB });
    const desk = await app.cookieFor('desk');
    const made = (await (await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId: randomUUID(), patientId: randomUUID() }, desk)).json()) as { token: string; linkId: string };
    expect((await postJson(`${app.url}/api/telehealth/links/revoke`, { linkId: made.linkId }, desk)).status).toBe(200);
    app.store.db.prepare("UPDATE telehealth_join_links SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id != ?").run(made.linkId);
    const expired = (await (await postJson(`${app.url}/api/telehealth/links`, { scope: 'patient', visitId: randomUUID(), patientId: randomUUID() }, desk)).json()) as { token: string };
    app.store.db.prepare("UPDATE telehealth_join_links SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id != ?").run(made.linkId);

    expect((await postFrom('127.0.0.4', `${app.url}/api/telehealth/join/check`, { token: 'Z'.repeat(43) })).status).toBe(404);
    expect((await postFrom('127.0.0.4', `${app.url}/api/telehealth/join/check`, { token: made.token })).status).toBe(404);
    expect((await postFrom('127.0.0.4', `${app.url}/api/telehealth/join/enter`, { token: expired.token, birthDate: DOB })).status).toBe(404);
    const probes = auditRows(app.store.db, 'telehealth.verify').map((r) => JSON.parse(r.detail) as { reason: string; step: string; linkId?: string });
    expect(probes.map((p) => [p.reason, p.step])).toEqual([
      ['link-unknown', 'check'],
      ['link-revoked', 'check'],
      ['link-expired', 'enter']
    ]);
    expect(probes[1].linkId).toBe(made.linkId);
    // Nothing of the secret is kept.
    expect(JSON.stringify(app.store.db.prepare('SELECT * FROM audit_log').all())).not.toContain(made.token);
    for (let i = 0; i < 7; i++) await postFrom('127.0.0.4', `${app.url}/api/telehealth/join/check`, { token: 'Y'.repeat(43) });
    expect((await postFrom('127.0.0.4', `${app.url}/api/telehealth/join/check`, { token: 'Y'.repeat(43) })).status).toBe(429);
  });
});
