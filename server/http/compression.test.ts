import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { addAttachment } from '../../src/lib/chart/attachment-doc';
import { docName } from '../../src/lib/domain/doc-names';
import { buildPatientDocs } from '../seed/build-docs';
import { generatePatients } from '../seed/generated-patients';
import { acceptedEncodings, negotiateEncoding } from './compression';
import { precompressDir } from './precompress';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from './test-app';

/**
 * Compression on the wire: the built app's precompressed files, index.html
 * for deep links, and the JSON API (the sync batch above all), each asked
 * for with `Accept-Encoding: br`, `gzip` and without. Requests go through
 * node:http so the bytes as sent are seen (fetch would decode them).
 */

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function decode(r: Raw): Buffer {
  const enc = r.headers['content-encoding'];
  if (enc === 'br') return zlib.brotliDecompressSync(r.body);
  if (enc === 'gzip') return zlib.gunzipSync(r.body);
  if (enc === undefined) return r.body;
  throw new Error(`unexpected Content-Encoding ${enc}`);
}

const varyNames = (r: Raw): string[] =>
  String(r.headers.vary ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

describe('negotiateEncoding', () => {
  it.each([
    ['gzip, deflate, br', ['br', 'gzip']],
    ['gzip;q=0.9, br;q=0.1', ['gzip', 'br']],
    ['br', ['br']],
    ['deflate', []]
  ] as const)('acceptedEncodings(%j) is %j', (header, expected) => {
    expect(acceptedEncodings(header)).toEqual(expected);
  });

  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'identity'],
    ['', 'identity'],
    [undefined, 'identity'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['identity', 'identity']
  ] as const)('%j -> %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------
// The static app, from a small built-app fixture with .br/.gz next to its files.

/** Compresses well, as a bundle does. */
const SCRIPT = `export const start = () => {\n${Array.from({ length: 200 }, (_, i) => `  console.log("module line ${i} of the app's start chunk");`).join('\n')}\n};\n`;
const INDEX = `<!doctype html><html><head><title>Outpost</title>
${Array.from({ length: 40 }, (_, i) => `<link rel="modulepreload" href="/_app/immutable/chunks/chunk-${i}.js">`).join('\n')}
</head><body><div style="display: contents"><script>import('/_app/immutable/entry/start.js');</script></div></body></html>`;
/** A PNG: compressed already, never given .br/.gz by the build. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)]);

let site: TestApp;
let siteDir: string;

beforeAll(async () => {
  siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-build-'));
  fs.mkdirSync(path.join(siteDir, '_app/immutable/entry'), { recursive: true });
  fs.mkdirSync(path.join(siteDir, 'icons'));
  fs.writeFileSync(path.join(siteDir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(siteDir, '_app/immutable/entry/start.js'), SCRIPT);
  fs.writeFileSync(path.join(siteDir, 'icons/icon.png'), PNG);
  // As the build writes them (precompress.ts is the build step).
  precompressDir(siteDir);
  site = await startTestApp({ staticDir: siteDir });
});

afterAll(async () => {
  await site?.stop();
  fs.rmSync(siteDir, { recursive: true, force: true });
});

describe('build step', () => {
  it('writes .br and .gz that decode to the file, and none for a PNG', () => {
    const js = path.join(siteDir, '_app/immutable/entry/start.js');
    expect(zlib.brotliDecompressSync(fs.readFileSync(`${js}.br`)).toString()).toBe(SCRIPT);
    expect(zlib.gunzipSync(fs.readFileSync(`${js}.gz`)).toString()).toBe(SCRIPT);
    expect(zlib.brotliDecompressSync(fs.readFileSync(path.join(siteDir, 'index.html.br'))).toString()).toBe(INDEX);
    expect(fs.existsSync(path.join(siteDir, 'icons/icon.png'))).toBe(true);
    expect(fs.existsSync(path.join(siteDir, 'icons/icon.png.br'))).toBe(false);
    expect(fs.existsSync(path.join(siteDir, 'icons/icon.png.gz'))).toBe(false);
  });
});

describe('static app compression', () => {
  const JS = '/_app/immutable/entry/start.js';

  it.each([
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br']
  ])('sends a script precompressed for Accept-Encoding: %s', async (accept, encoding) => {
    const plain = await request(`${site.url}${JS}`);
    const packed = await request(`${site.url}${JS}`, { headers: { 'accept-encoding': accept } });
    expect(packed.status).toBe(200);
    expect(packed.headers['content-encoding']).toBe(encoding);
    expect(varyNames(packed)).toContain('accept-encoding');
    expect(packed.headers['content-type']).toContain('javascript');
    expect(packed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(packed.headers['content-length'])).toBe(packed.body.length);
    expect(decode(packed).toString()).toBe(SCRIPT);
    expect(packed.body.length).toBeLessThan(SCRIPT.length * 0.2);
    // Each encoding is its own representation: its own validator.
    expect(packed.headers.etag).toBeTruthy();
    expect(packed.headers.etag).not.toBe(plain.headers.etag);
  });

  it.each([
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0.5, br;q=0.2', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['deflate', undefined]
  ])('honours the q-values of Accept-Encoding: %s for a script', async (accept, encoding) => {
    const res = await request(`${site.url}${JS}`, { headers: { 'accept-encoding': accept } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(encoding);
    expect(decode(res).toString()).toBe(SCRIPT);
  });

  it('sends the script as it is without Accept-Encoding, still with Vary', async () => {
    const plain = await request(`${site.url}${JS}`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(varyNames(plain)).toContain('accept-encoding');
    expect(plain.body.toString()).toBe(SCRIPT);
    expect(Number(plain.headers['content-length'])).toBe(Buffer.byteLength(SCRIPT));
  });

  it('answers a revalidation of the brotli script with 304', async () => {
    const first = await request(`${site.url}${JS}`, { headers: { 'accept-encoding': 'br' } });
    const again = await request(`${site.url}${JS}`, { headers: { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) } });
    expect(first.status).toBe(200);
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.vary).toBe('Accept-Encoding');
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('sends a PNG as it is even to a client that accepts brotli', async () => {
    const res = await request(`${site.url}/icons/icon.png`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.body.equals(PNG)).toBe(true);
  });

  it.each(['/', '/patients/0b6f3c1e-5a7d-4c2b-9e8f-1a2b3c4d5e6f'])('sends index.html compressed at %s', async (p) => {
    for (const [accept, encoding] of [
      ['br', 'br'],
      ['gzip', 'gzip'],
      ['gzip, deflate, br', 'br']
    ]) {
      const res = await request(`${site.url}${p}`, { headers: { 'accept-encoding': accept } });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe(encoding);
      expect(varyNames(res)).toContain('accept-encoding');
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      expect(decode(res).toString()).toBe(INDEX);
      expect(res.body.length).toBeLessThan(INDEX.length * 0.3);
    }
    const plain = await request(`${site.url}${p}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(varyNames(plain)).toContain('accept-encoding');
    expect(plain.body.toString()).toBe(INDEX);
  });

  it('answers HEAD for a deep link with the compressed length and no body', async () => {
    const deep = `${site.url}/patients/0b6f3c1e-5a7d-4c2b-9e8f-1a2b3c4d5e6f`;
    const get = await request(deep, { headers: { 'accept-encoding': 'br' } });
    const head = await request(deep, { method: 'HEAD', headers: { 'accept-encoding': 'br' } });
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers['content-length']).toBe(String(get.body.length));
    expect(head.body.length).toBe(0);
  });

  it('revalidates a deep link per encoding: 304 for its own ETag, 200 for the other encoding', async () => {
    const deep = `${site.url}/patients/0b6f3c1e-5a7d-4c2b-9e8f-1a2b3c4d5e6f`;
    const br = await request(deep, { headers: { 'accept-encoding': 'br' } });
    const gz = await request(deep, { headers: { 'accept-encoding': 'gzip' } });
    expect(br.headers.etag).not.toBe(gz.headers.etag);
    const same = await request(deep, { headers: { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) } });
    expect(same.status).toBe(304);
    expect(same.headers.vary).toBe('Accept-Encoding');
    const other = await request(deep, { headers: { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) } });
    expect(other.status).toBe(200);
    expect(other.headers['content-encoding']).toBe('gzip');
  });
});

// ---------------------------------------------------------------------------
// The JSON API.

const CHARTS = 40;
let api: TestApp;
let cookie: string;
let docNames: string[];
let clinicA: string;

beforeAll(async () => {
  api = await startTestApp();
  const { clinicId, ids } = await addClinic(api, 'Clinic A', [{ username: 'amara', roles: ['clinician'] }]);
  clinicA = clinicId;
  const actor = { id: ids.amara, name: 'amara' };
  docNames = [];
  for (const p of generatePatients(CHARTS, 7, new Date('2026-05-01T00:00:00Z'))) {
    const docs = buildPatientDocs(p, actor);
    for (const [kind, doc] of [['patient', docs.patient], ['chart', docs.chart]] as const) {
      const name = docName(kind, p.id);
      await api.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc), ids.amara);
      docNames.push(name);
    }
  }
  cookie = await sessionCookieFor(api.url, 'amara');
});

afterAll(async () => {
  await api?.stop();
});

function batch(accept?: string, method = 'POST'): Promise<Raw> {
  const empty = Buffer.from(Y.encodeStateVector(new Y.Doc())).toString('base64');
  return request(`${api.url}/api/sync/batch`, {
    method,
    headers: { cookie, 'content-type': 'application/json', ...(accept === undefined ? {} : { 'accept-encoding': accept }) },
    body: JSON.stringify({ docs: docNames.map((name) => ({ name, stateVector: empty })), updates: [] })
  });
}

describe('API compression', () => {
  it(`sends the first-sign-in batch for ${CHARTS} charts compressed per Accept-Encoding`, async () => {
    const plain = await batch();
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(varyNames(plain)).toContain('accept-encoding');
    expect(plain.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('no-store');
    expect(Number(plain.headers['content-length'])).toBe(plain.body.length);
    const json = JSON.parse(plain.body.toString()) as { docs: { name: string; update?: string }[] };
    expect(json.docs).toHaveLength(80);
    expect(json.docs.every((d) => typeof d.update === 'string')).toBe(true);
    expect(plain.body.length).toBeGreaterThan(100 * 1024);

    for (const [accept, encoding, fraction] of [
      ['br', 'br', 0.4],
      ['gzip', 'gzip', 0.45],
      ['gzip, deflate, br', 'br', 0.4]
    ] as const) {
      const packed = await batch(accept);
      expect(packed.status).toBe(200);
      expect(packed.headers['content-encoding']).toBe(encoding);
      expect(varyNames(packed)).toContain('accept-encoding');
      expect(packed.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(packed.headers['content-length'])).toBe(packed.body.length);
      expect(decode(packed).equals(plain.body)).toBe(true);
      expect(packed.body.length).toBeLessThan(plain.body.length * fraction);
    }
  });

  it('leaves a small JSON answer as it is, even when the client accepts brotli', async () => {
    const small = await request(`${api.url}/api/auth/me`, { headers: { cookie, 'accept-encoding': 'br' } });
    expect(small.status).toBe(200);
    expect(small.body.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString())).toMatchObject({ user: { username: 'amara' } });
    // Positive control: a large answer on the same connection settings is compressed.
    const large = await request(`${api.url}/api/patients`, { headers: { cookie, 'accept-encoding': 'br' } });
    expect(large.body.length).toBeGreaterThan(0);
    expect(Number(large.headers['content-length'])).toBe(large.body.length);
    expect(large.headers['content-encoding']).toBe('br');
    expect((JSON.parse(decode(large).toString()) as { patients: unknown[] }).patients).toHaveLength(CHARTS);
  });

  it('honours the q-values: br;q=0 gets gzip, identity gets the body as it is', async () => {
    const refused = await request(`${api.url}/api/patients`, { headers: { cookie, 'accept-encoding': 'br;q=0, gzip' } });
    expect(refused.headers['content-encoding']).toBe('gzip');
    const none = await request(`${api.url}/api/patients`, { headers: { cookie, 'accept-encoding': 'identity' } });
    expect(none.headers['content-encoding']).toBeUndefined();
    // The list carries the server's clock, so compare the patients only.
    const patients = (b: Buffer): unknown => (JSON.parse(b.toString()) as { patients: unknown[] }).patients;
    expect(patients(decode(refused))).toEqual(patients(none.body));
    expect(patients(none.body)).toHaveLength(CHARTS);
  });

  it('sends a stored attachment (a PDF) as it is, even when the client accepts brotli', async () => {
    // Compresses to a few per cent: it would be compressed if attachments went through the JSON path.
    const pdf = Buffer.from(`%PDF-1.4\n${'1 0 obj << /Type /Page >> endobj\n'.repeat(200)}trailer <<>>\n%%EOF\n`);
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    const chart = docNames.find((n) => n.startsWith('chart:'))!;
    const patientId = chart.slice('chart:'.length);
    const id = crypto.randomUUID();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, (await api.sync.readState(chart, clinicA))!);
    const before = Y.encodeStateVector(doc);
    addAttachment(doc, { title: 'Referral letter', contentType: 'application/pdf', size: pdf.length, sha256 }, { id: 'u', name: 'Nurse' }, id);
    await api.sync.applyServerUpdate(chart, clinicA, Y.encodeStateAsUpdate(doc, before), 'seed');
    const url = `${api.url}/api/charts/${patientId}/attachments/${id}`;
    const up = await fetch(url, { method: 'POST', headers: { cookie, 'content-type': 'application/pdf', 'x-content-sha256': sha256 }, body: new Uint8Array(pdf) });
    expect(up.status).toBe(201);

    const res = await request(url, { headers: { cookie, 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBe(String(pdf.length));
    expect(res.body.equals(pdf)).toBe(true);
  });
});
