import { afterEach, describe, expect, it } from 'vitest';
import type { TelehealthConfig } from '../telehealth/telehealth-config';
import { liveKitConnectSources } from './security-headers';
import { startTestApp, type TestApp } from './test-app';

/**
 * The browser opens LiveKit's signalling socket (`<LIVEKIT_URL>/rtc`) and
 * makes a few http requests to the same server (`/rtc/validate`, HEAD probes,
 * LiveKit Cloud's `/settings/regions`). LiveKit is always another origin, so
 * the CSP's connect-src must name it, or no call ever connects.
 */

const KEYS = { apiKey: 'APIunittestkey', apiSecret: 'unit-secret-that-is-long-enough-for-hs256-0123456789' };

let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function connectSrc(telehealth: TelehealthConfig): Promise<{ port: number; value: string }> {
  app = await startTestApp({ telehealth });
  const csp = (await fetch(`${app.url}/`)).headers.get('content-security-policy') ?? '';
  const directive = csp.split('; ').find((d) => d.startsWith('connect-src ')) ?? '';
  return { port: app.port, value: directive };
}

describe('connect-src and the LiveKit server', () => {
  it('names a wss LiveKit URL in its wss and https forms', async () => {
    const { port, value } = await connectSrc({ configured: true, url: 'wss://lk.example.org', ...KEYS });
    expect(value).toBe(`connect-src 'self' ws://127.0.0.1:${port} wss://127.0.0.1:${port} wss://lk.example.org https://lk.example.org`);
  });

  it('names a ws LiveKit URL with a port and a path by its origin, in its ws and http forms', async () => {
    const { port, value } = await connectSrc({ configured: true, url: 'ws://127.0.0.1:7880/livekit', ...KEYS });
    expect(value).toBe(`connect-src 'self' ws://127.0.0.1:${port} wss://127.0.0.1:${port} ws://127.0.0.1:7880 http://127.0.0.1:7880`);
  });

  it('stays as it was when video is not configured', async () => {
    const { port, value } = await connectSrc({ configured: false });
    expect(value).toBe(`connect-src 'self' ws://127.0.0.1:${port} wss://127.0.0.1:${port}`);
  });

  it('leaves an odd LiveKit URL out of the header entirely', async () => {
    const { port, value } = await connectSrc({ configured: true, url: 'wss://lk.example.org%3bscript-src', ...KEYS });
    expect(value).toBe(`connect-src 'self' ws://127.0.0.1:${port} wss://127.0.0.1:${port}`);
    expect(value).not.toContain('lk.example.org');
  });
});

describe('liveKitConnectSources', () => {
  it.each([
    ['wss://project-x.livekit.cloud', ['wss://project-x.livekit.cloud', 'https://project-x.livekit.cloud']],
    ['https://LK.Example.org:443/base/', ['wss://lk.example.org', 'https://lk.example.org']],
    ['http://10.0.0.5:7880', ['ws://10.0.0.5:7880', 'http://10.0.0.5:7880']],
    ['ws://[::1]:7880', ['ws://[::1]:7880', 'http://[::1]:7880']],
    ['wss://lk.example.org/rtc?x=1;y', ['wss://lk.example.org', 'https://lk.example.org']]
  ])('%s → its origin in both forms', (url, sources) => {
    expect(liveKitConnectSources(url)).toEqual(sources);
  });

  it.each([
    'javascript:alert(1)',
    'data:text/plain,x',
    'ftp://lk.example.org',
    'wss://user:pw@lk.example.org',
    'wss://lk.example.org%3bx',
    "wss://lk.example.org'",
    'wss://*.example.org',
    'wss://lk.example.org; script-src *',
    'lk.example.org',
    '',
    undefined
  ])('%s → nothing', (url) => {
    expect(liveKitConnectSources(url)).toEqual([]);
  });
});
