/**
 * Sync server fan-out benchmark (loopback only, about 25 s).
 *
 * 200 websocket clients on 100 documents (two per document) play ping-pong:
 * one client inserts 50 characters into its Y.Doc and sends the update, the
 * other receives it, applies it and answers with its own insert. So each
 * document always has one update in flight and every client sends. Measured:
 * fan-out latency (send → receipt at the other client), updates per second,
 * and memory per open document.
 *
 * Compared in the same process with the same clients:
 * - a bare `ws` relay (no authentication, no Yjs on the server, no storage),
 *   the floor any websocket server on this machine pays;
 * - the sync server on an in-memory database, isolating the cost of the file;
 * - the file with `synchronous = FULL` (what the server uses: an fsync of the
 *   WAL at every group commit, so acknowledged writes survive a power cut)
 *   against `synchronous = NORMAL` (synced only at WAL checkpoints), run
 *   alternately twice each (NORMAL, FULL, FULL, NORMAL) so drift on a busy
 *   machine does not favour either. The file lives in BENCH_DIR (default the
 *   system temp folder): put it on the disk the clinic's data will live on.
 * - the hub's PostgreSQL store (DATABASE_URL), when the server of
 *   server/store/pg-test-db.ts is reachable (says so and skips otherwise).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import Database from 'better-sqlite3';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import type { AuditEvent, SessionUser } from '../server/types';
import { applyPragmas, SYNCHRONOUS, type SynchronousMode } from '../server/store/db';
import { DocStore, migrateSyncTables } from '../server/store/doc-store';
import type { DocumentStore } from '../server/store/document-store';
import { PgDocumentStore } from '../server/store/pg-doc-store';
import { createTestPgDatabase } from '../server/store/pg-test-db';
import { SyncServer } from '../server/sync/sync-service';
import { typeInto } from '../server/sync/sync-test-server';

const DOCS = 100;
const WARMUP_MS = 1000;
const INSERT = 'Patient reports mild headache since this morning..'; // 50 characters

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const BENCH_USER: SessionUser = {
  id: 'u-bench',
  username: 'bench',
  name: 'Bench Clinician',
  roles: ['clinician'],
  clinicId: 'clinic-bench',
  clinicName: 'Bench',
  sessionId: 's-bench'
};

interface Figures {
  label: string;
  updates: number;
  seconds: number;
  p50: number;
  p99: number;
}

interface Target {
  url: string;
  stop(): Promise<void>;
}

function docNameFor(i: number): string {
  return `chart:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
}

function updateMessage(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** The update payload if `m` is a sync update (step 2 or update), else null. */
function readUpdate(m: Uint8Array): Uint8Array | null {
  const d = decoding.createDecoder(m);
  if (decoding.readVarUint(d) !== 0) return null;
  if (decoding.readVarUint(d) === 0) return null;
  return decoding.readVarUint8Array(d);
}

/**
 * One insert into a visit note, as the app types it. The documents are
 * prepared with the visit, and each client has received the document before
 * it types, so every edit is an insert into the existing note.
 */
function edit(doc: Y.Doc): Uint8Array {
  let out: Uint8Array | null = null;
  const capture = (u: Uint8Array) => (out = out ? Y.mergeUpdates([out, u]) : u);
  doc.on('update', capture);
  typeInto(doc, INSERT);
  doc.off('update', capture);
  return out as unknown as Uint8Array;
}

interface Client {
  ws: WebSocket;
  doc: Y.Doc;
}

/**
 * Connects as the app does: sends its state vector (sync step 1) and waits
 * for the server's answer (step 2, the document as stored) before it edits.
 * A client that typed before it had the document would create a visit the
 * document already has, which the server's write policy refuses (a
 * replacement), as it should.
 */
async function connect(url: string, handshake: boolean): Promise<Client> {
  const ws = new WebSocket(url, { headers: { 'x-bench-user': 'bench' }, perMessageDeflate: false });
  const doc = new Y.Doc();
  if (!handshake) {
    // The bare relay holds no document and answers nothing: the first client of a pair creates the visit.
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return { ws, doc };
  }
  await new Promise<void>((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const m = new Uint8Array(data);
      const d = decoding.createDecoder(m);
      if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== 1) return;
      Y.applyUpdate(doc, decoding.readVarUint8Array(d));
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve();
    };
    const onClose = (code: number, reason: Buffer) => reject(new Error(`the server closed the connection before sending the document: ${code} ${reason.toString()}`));
    ws.on('message', onMessage);
    ws.once('close', onClose);
    ws.once('error', reject);
    ws.once('open', () => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint(e, 0);
      encoding.writeVarUint8Array(e, Y.encodeStateVector(doc));
      ws.send(encoding.toUint8Array(e));
    });
  });
  return { ws, doc };
}

/** Runs the ping-pong on every document for `ms`, recording latencies after the warm-up. */
async function pingPong(label: string, base: string, ms: number, handshake = true): Promise<{ figures: Figures; clients: Client[] }> {
  const clients: Client[] = [];
  for (let i = 0; i < DOCS; i++) {
    const url = `${base}/${docNameFor(i)}`;
    clients.push(...(await Promise.all([connect(url, handshake), connect(url, handshake)])));
  }
  const latencies: number[] = [];
  const refused: string[] = [];
  let running = true;
  let measuring = false;
  let inFlight = 0;
  let measureStart = 0;

  for (let i = 0; i < DOCS; i++) {
    const pair = [clients[2 * i], clients[2 * i + 1]];
    let sentAt = 0;
    const send = (from: Client) => {
      inFlight += 1;
      sentAt = performance.now();
      from.ws.send(updateMessage(edit(from.doc)));
    };
    for (const me of pair) {
      // A refused update closes the connection: the run stops with the server's reason instead of waiting forever.
      me.ws.once('close', (code: number, reason: Buffer) => {
        if (running) refused.push(`${code} ${reason.toString()}`);
      });
      me.ws.on('message', (data: Buffer) => {
        const update = readUpdate(new Uint8Array(data));
        if (!update) return;
        if (measuring) latencies.push(performance.now() - sentAt);
        Y.applyUpdate(me.doc, update);
        inFlight -= 1;
        if (running) send(me);
      });
    }
    send(pair[0]);
  }
  await sleep(WARMUP_MS);
  measuring = true;
  measureStart = performance.now();
  await sleep(ms);
  measuring = false;
  const seconds = (performance.now() - measureStart) / 1000;
  running = false;
  const drainUntil = Date.now() + 2000;
  while (inFlight > 0 && Date.now() < drainUntil) await sleep(5);
  if (refused.length > 0) throw new Error(`${label}: ${refused.length} connection(s) closed during the run, first: ${refused[0]}`);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { figures: { label, updates: latencies.length, seconds, p50: at(0.5), p99: at(0.99) }, clients };
}

async function closeClients(clients: Client[]): Promise<void> {
  await Promise.all(
    clients.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
          c.ws.close();
        })
    )
  );
  for (const c of clients) c.doc.destroy();
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The sync server as the platform mounts it, on a file (WAL) or in-memory database. */
async function startSyncTarget(
  dbFile: string | ':memory:',
  synchronous: SynchronousMode = SYNCHRONOUS,
  store?: DocumentStore
): Promise<Target & { service: SyncServer; audited: () => number }> {
  const db = new Database(dbFile);
  applyPragmas(db, synchronous);
  let audited = 0;
  const service = new SyncServer(
    {
      db,
      store,
      authenticate: (req) => (req.headers['x-bench-user'] === 'bench' ? BENCH_USER : null),
      audit: { record: (_e: AuditEvent) => void (audited += 1) }
    },
    // Every bench client signs in as one user; in a clinic they are many, so the per-user connection cap is lifted here.
    { idleEvictMs: 10 * 60_000, maxConnectionsPerUser: 1_000 }
  );
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => service.handleUpgrade(req, socket, head));
  const port = await listen(server);
  return {
    service,
    audited: () => audited,
    url: `ws://127.0.0.1:${port}/sync`,
    async stop() {
      await service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
    }
  };
}

/** A bare relay: forwards each message to the other sockets of the same path. */
async function startRelayTarget(): Promise<Target> {
  const rooms = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const key = req.url ?? '';
      const room = rooms.get(key) ?? new Set<WebSocket>();
      rooms.set(key, room);
      room.add(ws);
      ws.on('message', (data: Buffer) => {
        for (const other of room) if (other !== ws) other.send(data);
      });
      ws.on('close', () => room.delete(ws));
    });
  });
  const port = await listen(server);
  return {
    url: `ws://127.0.0.1:${port}/sync`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/** Runs of one setting together: updates and seconds summed, latency percentiles averaged. */
function combine(label: string, runs: Figures[]): Figures {
  const mean = (pick: (f: Figures) => number) => runs.reduce((sum, f) => sum + pick(f), 0) / runs.length;
  return {
    label,
    updates: runs.reduce((sum, f) => sum + f.updates, 0),
    seconds: runs.reduce((sum, f) => sum + f.seconds, 0),
    p50: mean((f) => f.p50),
    p99: mean((f) => f.p99)
  };
}

function line(f: Figures): string {
  const rate = Math.round(f.updates / f.seconds);
  return `${f.label.padEnd(36)} ${String(rate).padStart(7)} updates/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms`;
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR || os.tmpdir(), 'outpost-bench-'));
  const dbFile = path.join(dir, 'bench.sqlite');
  try {
    console.log(`sync server fan-out: ${DOCS * 2} clients, ${DOCS} documents, ${INSERT.length}-character inserts, loopback`);
    // Memory first, in a fresh heap: documents prepared on disk, then opened.
    prepareDocuments(dbFile);
    const reopened = await startSyncTarget(dbFile);
    const perDoc = await memoryPerOpenDocument(reopened.url);
    await reopened.stop();
    const relayForMemory = await startRelayTarget();
    const perRelayConn = await memoryPerOpenDocument(relayForMemory.url, false);
    await relayForMemory.stop();

    const durability: Record<SynchronousMode, Figures[]> = { FULL: [], NORMAL: [] };
    const runs: Figures[] = [];
    let audited = 0;
    for (const mode of ['NORMAL', 'FULL', 'FULL', 'NORMAL'] as const) {
      const file = await startSyncTarget(dbFile, mode);
      const run = await pingPong(`sync server (file, WAL, ${mode})`, file.url, 3000);
      await closeClients(run.clients);
      audited = file.audited();
      await file.stop();
      durability[mode].push(run.figures);
      runs.push(run.figures);
    }
    const withFile = { figures: combine(`sync server (file, WAL, ${SYNCHRONOUS})`, durability[SYNCHRONOUS]) };
    const normal = combine('sync server (file, WAL, NORMAL)', durability.NORMAL);
    const full = combine('sync server (file, WAL, FULL)', durability.FULL);

    const memory = await startSyncTarget(':memory:');
    const inMemory = await pingPong('sync server (in-memory SQLite)', memory.url, 3000);
    await closeClients(inMemory.clients);
    await memory.stop();

    // The hub's store: the same server with its documents in PostgreSQL (a fresh database, dropped after).
    const pgDb = await createTestPgDatabase();
    let onPg: Figures | null = null;
    if (pgDb) {
      const store = await PgDocumentStore.open(pgDb.url);
      try {
        const target = await startSyncTarget(':memory:', SYNCHRONOUS, store);
        const run = await pingPong('sync server (PostgreSQL store)', target.url, 3000);
        await closeClients(run.clients);
        await target.stop();
        onPg = run.figures;
      } finally {
        await store.close();
        await pgDb.drop();
      }
    }

    const relay = await startRelayTarget();
    const bare = await pingPong('baseline: bare ws relay', relay.url, 4000, false);
    await closeClients(bare.clients);
    await relay.stop();

    for (const [i, f] of runs.entries()) console.log(`  run ${i + 1}: ${line(f)}`);
    for (const f of [normal, full, inMemory.figures, ...(onPg ? [onPg] : []), bare.figures]) console.log(line(f));
    const rate = (f: Figures) => f.updates / f.seconds;
    console.log(
      `durability FULL/NORMAL: throughput ${(rate(full) / rate(normal)).toFixed(2)}x, ` +
        `p50 latency ${(full.p50 / normal.p50).toFixed(2)}x, p99 ${(full.p99 / normal.p99).toFixed(2)}x ` +
        `(the server uses ${SYNCHRONOUS}; file in ${dir})`
    );
    console.log(
      `ratio sync/relay: throughput ${(rate(withFile.figures) / rate(bare.figures)).toFixed(2)}x, ` +
        `p50 latency ${(withFile.figures.p50 / bare.figures.p50).toFixed(2)}x, p99 ${(withFile.figures.p99 / bare.figures.p99).toFixed(2)}x; ` +
        `file/in-memory throughput ${(rate(withFile.figures) / rate(inMemory.figures)).toFixed(2)}x`
    );
    if (onPg) {
      console.log(
        `PostgreSQL/SQLite file (${SYNCHRONOUS}): throughput ${(rate(onPg) / rate(withFile.figures)).toFixed(2)}x, ` +
          `p50 latency ${(onPg.p50 / withFile.figures.p50).toFixed(2)}x, p99 ${(onPg.p99 / withFile.figures.p99).toFixed(2)}x`
      );
    }
    console.log(
      `memory per open document (${PREPARED_EDITS} edits, ~${(PREPARED_BYTES / 1024).toFixed(0)} KiB encoded, loaded from disk, one connection): ` +
        `RSS +${kib(perDoc.rss)} KiB, heap +${kib(perDoc.heap)} KiB; ` +
        `baseline bare relay connection: RSS +${kib(perRelayConn.rss)} KiB, heap +${kib(perRelayConn.heap)} KiB`
    );
    console.log(`audit entries written in the file run: ${audited} (doc.update folded per connection per second)`);
    // The worst case for FULL: one writer alone, so every update is its own commit and its own fsync.
    const single = { NORMAL: singleCommits(dir, 'NORMAL'), FULL: singleCommits(dir, 'FULL') };
    console.log(
      `one update per commit (${SINGLE_COMMITS} in a row, one writer): NORMAL ${single.NORMAL.toFixed(3)} ms/commit, ` +
        `FULL ${single.FULL.toFixed(3)} ms/commit (${(single.FULL / single.NORMAL).toFixed(2)}x)`
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Opens one connection to each document and measures what the process grew
 * by, per document (both ends of the connection live in this process).
 */
async function memoryPerOpenDocument(base: string, handshake = true): Promise<{ rss: number; heap: number }> {
  gc();
  const before = process.memoryUsage();
  const clients = await Promise.all(Array.from({ length: DOCS }, (_, i) => connect(`${base}/${docNameFor(i)}`, handshake)));
  await sleep(200);
  gc();
  const after = process.memoryUsage();
  await closeClients(clients);
  return { rss: (after.rss - before.rss) / DOCS, heap: (heapAndExternal(after) - heapAndExternal(before)) / DOCS };
}

const kib = (bytes: number) => (bytes / 1024).toFixed(0);

function heapAndExternal(m: NodeJS.MemoryUsage): number {
  return m.heapUsed + m.external;
}

const SINGLE_COMMITS = 300;

/** Mean time of one append in its own transaction, on a fresh file with the given synchronous mode. */
function singleCommits(dir: string, mode: SynchronousMode): number {
  const file = path.join(dir, `single-${mode}.sqlite`);
  const db = new Database(file);
  applyPragmas(db, mode);
  migrateSyncTables(db);
  const store = new DocStore(db);
  const doc = new Y.Doc();
  const name = docNameFor(0);
  const identity = { name, clinicId: BENCH_USER.clinicId, kind: 'chart' as const, patientId: name.slice(6) };
  const started = performance.now();
  for (let i = 0; i < SINGLE_COMMITS; i++) store.append(identity, edit(doc), BENCH_USER.id);
  const ms = (performance.now() - started) / SINGLE_COMMITS;
  doc.destroy();
  db.close();
  return ms;
}

const PREPARED_EDITS = 300;
let PREPARED_BYTES = 0;

/** Writes DOCS documents of PREPARED_EDITS inserts each, as a clinic's notes would accumulate. */
function prepareDocuments(dbFile: string): void {
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  migrateSyncTables(db);
  const store = new DocStore(db);
  for (let i = 0; i < DOCS; i++) {
    const doc = new Y.Doc();
    for (let k = 0; k < PREPARED_EDITS; k++) edit(doc);
    const update = Y.encodeStateAsUpdate(doc);
    PREPARED_BYTES = update.byteLength;
    const name = docNameFor(i);
    store.append({ name, clinicId: BENCH_USER.clinicId, kind: 'chart', patientId: name.slice(6) }, update, BENCH_USER.id);
    doc.destroy();
  }
  db.close();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    }
  );
}
