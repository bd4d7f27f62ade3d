import { TokenVerifier } from 'livekit-server-sdk';
import { describe, expect, test } from 'vitest';
import { mintJoinToken } from './livekit-tokens';
import { KEYS } from './telehealth-test-support';

const verifier = new TokenVerifier(KEYS.apiKey, KEYS.apiSecret);

describe('mintJoinToken (checked with the real TokenVerifier)', () => {
  test('patient: camera and microphone, subscribe, data; no screen share, no admin, no name', async () => {
    const { token } = await mintJoinToken(KEYS, { room: 'room-abc', identity: 'patient-xyz', role: 'patient' });
    const claims = await verifier.verify(token);
    expect(claims.sub).toBe('patient-xyz');
    expect(claims.iss).toBe(KEYS.apiKey);
    expect(claims.name).toBeUndefined();
    expect(claims.video).toEqual({
      room: 'room-abc',
      roomJoin: true,
      canPublish: true,
      canPublishSources: ['camera', 'microphone'],
      canSubscribe: true,
      canPublishData: true,
      canUpdateOwnMetadata: false
    });
  });

  test('clinician: adds screen share and a display name, still no room admin', async () => {
    const { token } = await mintJoinToken(KEYS, { room: 'room-abc', identity: 'clinician-q', role: 'clinician', name: 'Dr. Vega' });
    const claims = await verifier.verify(token);
    expect(claims.name).toBe('Dr. Vega');
    expect(claims.video?.canPublishSources).toEqual(['camera', 'microphone', 'screen_share']);
    for (const admin of ['roomAdmin', 'roomCreate', 'roomList', 'roomRecord', 'ingressAdmin', 'hidden', 'recorder', 'agent'] as const) {
      expect(claims.video?.[admin]).toBeUndefined();
    }
  });

  test('guest: same rights as the patient', async () => {
    const { token } = await mintJoinToken(KEYS, { room: 'r', identity: 'guest-1', role: 'guest', name: 'Interpreter' });
    expect((await verifier.verify(token)).video?.canPublishSources).toEqual(['camera', 'microphone']);
  });

  test('short lifetime: ten minutes, usable from now', async () => {
    const before = Math.floor(Date.now() / 1000);
    const now = Date.now();
    const { token, expiresAt } = await mintJoinToken(KEYS, { room: 'r', identity: 'patient-1', role: 'patient' }, now);
    const after = Math.ceil(Date.now() / 1000);
    await verifier.verify(token);
    // The payload read straight from the JWT, not through the SDK's claims type.
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { nbf: number; exp: number; iat?: number };
    // Ten minutes is 600 seconds, stated here rather than read from the code.
    expect(payload.exp - payload.nbf).toBe(600);
    if (payload.iat !== undefined) expect(payload.exp - payload.iat).toBe(600);
    expect(payload.nbf).toBeGreaterThanOrEqual(before);
    expect(payload.nbf).toBeLessThanOrEqual(after);
    expect(payload.exp - before).toBeGreaterThanOrEqual(600);
    expect(payload.exp - after).toBeLessThanOrEqual(600);
    expect(Date.parse(expiresAt) - now).toBe(600_000);
    expect(Math.abs(Date.parse(expiresAt) / 1000 - payload.exp)).toBeLessThanOrEqual(1);
  });

  test('a token from another secret, or an expired one, does not verify', async () => {
    const { token } = await mintJoinToken({ ...KEYS, apiSecret: 'another-secret-that-is-also-long-enough-000000' }, { room: 'r', identity: 'patient-1', role: 'patient' });
    await expect(verifier.verify(token)).rejects.toThrow();
    const old = await mintJoinToken(KEYS, { room: 'r', identity: 'patient-1', role: 'patient' }, Date.now(), 1);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(verifier.verify(old.token, 0)).rejects.toThrow(/exp/);
  });
});
