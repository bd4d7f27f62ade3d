import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './test-app';

const BOOT_SCRIPT = `
  __sveltekit_boot = { base: '' };
  import('/_app/immutable/entry/start.js');
`;
const INDEX = `<!doctype html><html><head><title>Outpost</title>
<link rel="manifest" href="/manifest.webmanifest"></head>
<body><div style="display: contents"><script>${BOOT_SCRIPT}</script></div></body></html>`;

let app: TestApp;
let staticDir: string;

beforeAll(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-build-'));
  fs.mkdirSync(path.join(staticDir, '_app/immutable/entry'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(staticDir, '_app/immutable/entry/start.js'), 'export const start = 1;');
  fs.writeFileSync(path.join(staticDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  fs.writeFileSync(path.join(staticDir, 'manifest.webmanifest'), '{"name":"Outpost"}');
  app = await startTestApp({ staticDir });
});

afterAll(async () => {
  await app.stop();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

describe('security headers', () => {
  it('sends a strict CSP that allows exactly the inline boot script by hash', async () => {
    const res = await fetch(`${app.url}/`);
    const csp = res.headers.get('content-security-policy')!;
    const hash = createHash('sha256').update(BOOT_SCRIPT).digest('base64');
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives['script-src']).toBe(`'self' 'sha256-${hash}'`);
    expect(directives['script-src']).not.toContain('unsafe-inline');
    expect(directives['connect-src']).toBe(`'self' ws://127.0.0.1:${app.port} wss://127.0.0.1:${app.port}`);
    expect(directives['img-src']).toBe("'self' data: blob:");
    expect(directives['worker-src']).toBe("'self'");
    expect(directives['frame-ancestors']).toBe("'none'");
    expect(directives['object-src']).toBe("'none'");
    expect(directives['base-uri']).toBe("'self'");
  });

  it.each(['/', '/patients/0b6f3c1e-5a7d-4c2b-9e8f-1a2b3c4d5e6f', '/api/config', '/api/nope', '/healthz'])(
    'sends the other security headers on %s',
    async (p) => {
      const res = await fetch(`${app.url}${p}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('permissions-policy')).toContain('camera=(self), microphone=(self)');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  );

  it('marks every API answer no-store', async () => {
    for (const p of ['/api/config', '/api/auth/me', '/api/nope', '/healthz']) {
      expect((await fetch(`${app.url}${p}`)).headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('static app', () => {
  it('serves index.html for a deep link such as /patients/<uuid>, revalidated each load', async () => {
    const res = await fetch(`${app.url}/patients/0b6f3c1e-5a7d-4c2b-9e8f-1a2b3c4d5e6f`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
  });

  it('serves / as index.html with no-cache', async () => {
    const res = await fetch(`${app.url}/`);
    expect(await res.text()).toBe(INDEX);
    expect(res.headers.get('cache-control')).toBe('no-cache');
  });

  it('caches hashed files for a year and keeps sw.js and the manifest fresh', async () => {
    const asset = await fetch(`${app.url}/_app/immutable/entry/start.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${app.url}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${app.url}/manifest.webmanifest`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 404, not HTML, for a missing script', async () => {
    const res = await fetch(`${app.url}/_app/immutable/entry/missing.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).not.toContain('html');
  });

  it('answers unknown API paths with a JSON 404, never the app', async () => {
    for (const p of ['/api/nope', '/api', '/sync/patient:x', '/cds-services/nope/x']) {
      const res = await fetch(`${app.url}${p}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not-found');
    }
    // FHIR clients read errors as OperationOutcomes.
    const fhir = await fetch(`${app.url}/fhir/R4/Patient/x/_history/1`);
    expect(fhir.status).toBe(404);
    expect(await fhir.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
  });

  it('answers a wrong method on a known endpoint with 400 and Allow', async () => {
    const res = await fetch(`${app.url}/api/auth/login`);
    expect(res.status).toBe(400);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('serves /healthz and the public config', async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${app.url}/api/config`)).json()).toEqual({
      demo: false,
      clinicName: null,
      idleLockMinutes: 15,
      video: { configured: false },
      version: expect.any(String)
    });
  });
});

describe('without a build', () => {
  it('answers / with a 503 page that says to run npm run build, while the API works', async () => {
    const bare = await startTestApp();
    try {
      const res = await fetch(`${bare.url}/patients/abc`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
      expect((await fetch(`${bare.url}/healthz`)).status).toBe(200);
    } finally {
      await bare.stop();
    }
  });
});
