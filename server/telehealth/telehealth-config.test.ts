import { expect, test } from 'vitest';
import { telehealthConfigFromEnv } from './telehealth-config';

test('all three LiveKit settings are needed; any missing means not configured', () => {
  const full = { LIVEKIT_URL: 'wss://v.example', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' };
  expect(telehealthConfigFromEnv(full)).toEqual({ configured: true, url: 'wss://v.example', apiKey: 'k', apiSecret: 's' });
  expect(telehealthConfigFromEnv({ ...full, LIVEKIT_API_SECRET: '' })).toEqual({ configured: false });
  expect(telehealthConfigFromEnv({})).toEqual({ configured: false });
});

test('the environment can never switch on the test-only call simulation', () => {
  const env = { LIVEKIT_URL: 'wss://v.example', LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's', LIVEKIT_CALL_SIMULATION: '1', OUTPOST_CALL_SIMULATION: 'true' };
  expect(telehealthConfigFromEnv(env)).not.toHaveProperty('callSimulation');
});
