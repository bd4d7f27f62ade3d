/**
 * Bytes on the wire (loopback only, bodies without HTTP headers), through
 * the real server, each asked for as a browser asks: without
 * Accept-Encoding (the baseline), with `gzip` and with `br`.
 *
 * - First load of the app: index.html and the scripts and style sheets it
 *   loads (its modulepreload and stylesheet links).
 * - Service-worker install: sw.js, the Workbox runtime it imports and every
 *   file its precache list names.
 * - A clinician's first sign-in: the batch catch-up of every document of
 *   PATIENTS seeded patients (a patient and a chart document each) in
 *   requests of 100 documents, as the app sends them; also compared with the
 *   sum of the Yjs updates it carries (decoded from base64), the floor for
 *   an uncompressed binary format.
 *
 * The app part needs `npm run build` (with its .br/.gz); it says so and
 * skips otherwise.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as Y from 'yjs';
import { docName } from '../src/lib/domain/doc-names';
import { BATCH_MAX_DOCS } from '../src/lib/sync/batch-protocol';
import { buildPatientDocs } from '../server/seed/build-docs';
import { generatePatients } from '../server/seed/generated-patients';
import { compress } from '../server/http/compression';
import { addClinic, sessionCookieFor, startTestApp } from '../server/http/test-app';

const PATIENTS = 500;
const BUILD = path.resolve('build');
const ENCODINGS = [
  { label: 'uncompressed', accept: undefined },
  { label: 'gzip', accept: 'gzip' },
  { label: 'brotli', accept: 'br' }
] as const;

interface Reply {
  status: number;
  encoding: string;
  bytes: number;
  body: Buffer;
}

function request(url: string, accept: string | undefined, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...(opts.headers ?? {}), ...(accept ? { 'accept-encoding': accept } : {}) };
    const req = http.request(url, { method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, encoding: String(res.headers['content-encoding'] ?? 'identity'), bytes: body.length, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
const pct = (n: number, base: number): string => `${((n / base) * 100).toFixed(1)} %`;

async function sumOver(base: string, paths: string[], accept: string | undefined): Promise<{ bytes: number; encoded: number }> {
  let bytes = 0;
  let encoded = 0;
  for (const p of paths) {
    const r = await request(`${base}${p}`, accept);
    if (r.status !== 200) throw new Error(`${p} answered ${r.status}`);
    bytes += r.bytes;
    if (r.encoding !== 'identity') encoded++;
  }
  return { bytes, encoded };
}

function printRows(title: string, rows: { label: string; bytes: number; note?: string }[]): void {
  const base = rows[0].bytes;
  console.log(`${title}:`);
  for (const r of rows) {
    const ratio = r === rows[0] ? 'baseline' : `${pct(r.bytes, base)} of it, ratio ${(r.bytes / base).toFixed(3)}`;
    console.log(`  ${r.label.padEnd(13)} ${kib(r.bytes).padStart(11)}   ${ratio}${r.note ? `   ${r.note}` : ''}`);
  }
}

async function appBytes(): Promise<void> {
  if (!fs.existsSync(path.join(BUILD, 'index.html'))) {
    console.log('app: skipped, the app is not built (npm run build)');
    return;
  }
  const app = await startTestApp({ staticDir: BUILD });
  try {
    const index = fs.readFileSync(path.join(BUILD, 'index.html'), 'utf8');
    const linked = [...index.matchAll(/<link\b[^>]*>/g)]
      .map((m) => m[0])
      .filter((tag) => /rel="(modulepreload|stylesheet)"/.test(tag))
      .map((tag) => /href="([^"]+)"/.exec(tag)![1]);
    const firstLoad = ['/', ...linked];

    const sw = fs.readFileSync(path.join(BUILD, 'sw.js'), 'utf8');
    // sw.js loads the Workbox runtime as `define(["./workbox-<hash>"], …)`.
    const imported = [...sw.matchAll(/["']\.\/(workbox-[\w-]+?)(\.js)?["']/g)].map((m) => `/${m[1]}.js`);
    const precached = [...sw.matchAll(/url:\s*"([^"]+)"/g)].map((m) => `/${m[1].replace(/^\//, '')}`);
    const install = [...new Set(['/sw.js', ...imported, ...precached])];

    for (const [title, paths] of [
      ['first load: index.html and the scripts and styles it loads', firstLoad],
      ['service-worker install: sw.js, Workbox and the precache list', install]
    ] as const) {
      const rows = [];
      for (const e of ENCODINGS) {
        const { bytes, encoded } = await sumOver(app.url, paths, e.accept);
        rows.push({ label: e.label, bytes, note: e.accept ? `${encoded} of ${paths.length} sent compressed` : undefined });
      }
      printRows(`${title} (${paths.length} files)`, rows);
    }
  } finally {
    await app.stop();
  }
}

async function batchBytes(): Promise<void> {
  const app = await startTestApp();
  try {
    const { clinicId, ids } = await addClinic(app, 'Bench clinic', [{ username: 'dr.bench', roles: ['clinician'] }]);
    const actor = { id: ids['dr.bench'], name: 'Dr Bench' };
    const t0 = performance.now();
    const names: string[] = [];
    for (const p of generatePatients(PATIENTS, 20_240_601, new Date('2026-05-01T00:00:00Z'))) {
      const docs = buildPatientDocs(p, actor);
      for (const [kind, doc] of [['patient', docs.patient], ['chart', docs.chart]] as const) {
        const name = docName(kind, p.id);
        await app.sync.applyServerUpdate(name, clinicId, Y.encodeStateAsUpdate(doc), actor.id);
        names.push(name);
      }
    }
    console.log(`first sign-in batch: ${PATIENTS} seeded patients, ${names.length} documents (seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const cookie = await sessionCookieFor(app.url, 'dr.bench');
    const empty = Buffer.from(Y.encodeStateVector(new Y.Doc())).toString('base64');
    const bodies: string[] = [];
    for (let i = 0; i < names.length; i += BATCH_MAX_DOCS) {
      bodies.push(JSON.stringify({ docs: names.slice(i, i + BATCH_MAX_DOCS).map((name) => ({ name, stateVector: empty })), updates: [] }));
    }

    // Warm-up, not counted: the first pass reads every document from the database.
    for (const body of bodies) await request(`${app.url}/api/sync/batch`, undefined, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body });

    const plainBodies: Buffer[] = [];
    const rows: { label: string; bytes: number; note?: string }[] = [];
    for (const e of ENCODINGS) {
      let bytes = 0;
      const started = performance.now();
      for (const body of bodies) {
        const r = await request(`${app.url}/api/sync/batch`, e.accept, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json' },
          body
        });
        if (r.status !== 200) throw new Error(`batch answered ${r.status}`);
        if (r.encoding !== (e.accept === 'br' ? 'br' : e.accept === 'gzip' ? 'gzip' : 'identity')) throw new Error(`batch came as ${r.encoding}`);
        bytes += r.bytes;
        if (!e.accept) plainBodies.push(r.body);
      }
      const ms = performance.now() - started;
      rows.push({ label: e.label, bytes, note: `server and client time ${ms.toFixed(0)} ms` });
    }
    printRows(`  batch answers (${bodies.length} requests of up to ${BATCH_MAX_DOCS} documents)`, rows);
    let yjsBytes = 0;
    for (const b of plainBodies) {
      for (const d of (JSON.parse(b.toString()) as { docs: { update?: string }[] }).docs) yjsBytes += Buffer.from(d.update ?? '', 'base64').length;
    }
    const [plain, gz, br] = rows.map((r) => r.bytes);
    const largest = plainBodies.reduce((a, b) => (b.length > a.length ? b : a));
    const cost = (enc: 'br' | 'gzip'): number => {
      compress(largest, enc);
      const t = performance.now();
      for (let i = 0; i < 5; i++) compress(largest, enc);
      return (performance.now() - t) / 5;
    };
    console.log(
      `  server's compression of the largest answer (${kib(largest.length)}): gzip ${cost('gzip').toFixed(1)} ms, brotli ${cost('br').toFixed(1)} ms (blocking, per request)`
    );
    console.log(`  Yjs updates carried (binary, decoded from base64): ${kib(yjsBytes)}`);
    console.log(
      `  against the Yjs bytes: uncompressed JSON ${(plain / yjsBytes).toFixed(3)}x, gzip ${(gz / yjsBytes).toFixed(3)}x, brotli ${(br / yjsBytes).toFixed(3)}x`
    );
  } finally {
    await app.stop();
  }
}

export async function run(): Promise<void> {
  await appBytes();
  await batchBytes();
}
