import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { Role } from '../../src/lib/domain/roles';
import type { Audit, AuditEvent, SessionUser, SyncDeps } from '../types';
import { SyncServer, type SyncServerOptions } from './sync-service';

/**
 * Test support for the sync server: a real HTTP server on 127.0.0.1 with the
 * service mounted as the platform mounts it, a SQLite file in a temp folder,
 * and an `authenticate` that trusts an `x-test-user` header (real session
 * authentication is tested with the platform).
 */

export const CLINIC_A = 'clinic-a';
export const CLINIC_B = 'clinic-b';
/** A clinic named by a UUID, so its schedule (`schedule:<clinicId>`) can be opened. */
export const CLINIC_S = '00000000-0000-4000-8000-00000000000c';

function user(id: string, roles: Role[], clinicId: string): SessionUser {
  return { id, username: id, name: id, roles, clinicId, clinicName: clinicId, sessionId: `s-${id}` };
}

export const USERS = {
  clinician: user('u-clinician', ['clinician'], CLINIC_A),
  nurse: user('u-nurse', ['nurse'], CLINIC_A),
  frontdesk: user('u-frontdesk', ['frontdesk'], CLINIC_A),
  admin: user('u-admin', ['admin'], CLINIC_A),
  patient: user('u-patient', ['patient'], CLINIC_A),
  otherClinician: user('u-other-clinician', ['clinician'], CLINIC_B),
  scheduleDesk: user('u-schedule-desk', ['frontdesk'], CLINIC_S),
  scheduleClinician: user('u-schedule-clinician', ['clinician'], CLINIC_S)
} as const;
export type TestUserKey = keyof typeof USERS;

export class RecordingAudit implements Audit {
  readonly events: AuditEvent[] = [];
  record(event: AuditEvent): void {
    this.events.push(event);
  }
  of(action: AuditEvent['action']): AuditEvent[] {
    return this.events.filter((e) => e.action === action);
  }
}

export interface TestServer {
  service: SyncServer;
  audit: RecordingAudit;
  db: Database.Database;
  dataDir: string;
  /** `ws://127.0.0.1:<port>/sync` — the provider's server URL. */
  wsBase: string;
  changed: { name: string; clinicId: string }[];
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export function openTestDb(dataDir: string): Database.Database {
  const db = new Database(path.join(dataDir, 'outpost.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-sync-'));
}

export async function startTestServer(
  opts: SyncServerOptions & { dataDir?: string; deps?: Pick<SyncDeps, 'store' | 'fanOut'> } = {}
): Promise<TestServer> {
  const { deps: extra, ...serverOpts } = opts;
  const dataDir = opts.dataDir ?? makeDataDir();
  const db = openTestDb(dataDir);
  const audit = new RecordingAudit();
  const changed: { name: string; clinicId: string }[] = [];
  const service = new SyncServer(
    {
      db,
      audit,
      authenticate: (req) => {
        const key = req.headers['x-test-user'];
        return typeof key === 'string' && key in USERS ? USERS[key as TestUserKey] : null;
      },
      onDocChanged: (name, clinicId) => changed.push({ name, clinicId }),
      ...extra
    },
    { auditWindowMs: 0, ...serverOpts }
  );
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith('/sync/')) service.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    service,
    audit,
    db,
    dataDir,
    wsBase: `ws://127.0.0.1:${port}/sync`,
    changed,
    async stop({ keepData = false } = {}) {
      await service.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
}

/** A `ws` WebSocket class that signs in as a test user, for `WebsocketProvider({ WebSocketPolyfill })`. */
export function webSocketAs(key: TestUserKey): typeof globalThis.WebSocket {
  class SignedInWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers: { 'x-test-user': key } });
    }
  }
  return SignedInWebSocket as unknown as typeof globalThis.WebSocket;
}

/** A protocol-level client: every received message queued, close code captured. */
export interface RawClient {
  ws: WebSocket;
  next(timeoutMs?: number): Promise<Uint8Array>;
  /** Messages received and not yet taken by `next`. */
  pending(): Uint8Array[];
  closed: Promise<{ code: number; reason: string }>;
}

export async function connectRaw(wsBase: string, docName: string, key: TestUserKey): Promise<RawClient> {
  const ws = new WebSocket(`${wsBase}/${docName}`, { headers: { 'x-test-user': key } });
  const queue: Uint8Array[] = [];
  const waiters: ((m: Uint8Array) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const m = new Uint8Array(data);
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    pending: () => queue.splice(0),
    next(timeoutMs = 2000) {
      const m = queue.shift();
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message')), timeoutMs);
        waiters.push((msg) => {
          clearTimeout(timer);
          resolve(msg);
        });
      });
    }
  };
}

/** The HTTP status an upgrade was refused with (or 101 when accepted). */
export function upgradeStatus(wsBase: string, docName: string, key: TestUserKey | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/${docName}`, { headers: key ? { 'x-test-user': key } : {} });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

export type Decoded =
  | { kind: 'step1'; payload: Uint8Array }
  | { kind: 'step2'; payload: Uint8Array }
  | { kind: 'update'; payload: Uint8Array }
  | { kind: 'awareness'; payload: Uint8Array };

/** Decodes a server message for assertions. */
export function decodeServerMessage(m: Uint8Array): Decoded {
  const d = decoding.createDecoder(m);
  const type = decoding.readVarUint(d);
  if (type === 1) return { kind: 'awareness', payload: decoding.readVarUint8Array(d) };
  if (type !== 0) throw new Error(`unexpected message type ${type}`);
  const step = decoding.readVarUint(d);
  const payload = decoding.readVarUint8Array(d);
  return { kind: step === 0 ? 'step1' : step === 1 ? 'step2' : 'update', payload };
}

export function syncMessage(step: 0 | 1 | 2, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, step);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}

/** The visit every test text edit types into (the write policy takes only what the app writes). */
export const TEST_VISIT = '7e57e57e-0000-4000-8000-00000000a11c';

/**
 * The shared text test edits type into: the subjective section of one
 * visit's note in a chart, created (in the same update as the first text)
 * when the document has none yet.
 */
export function noteText(doc: Y.Doc): Y.Text {
  const visits = doc.getMap('encounters');
  let visit = visits.get(TEST_VISIT);
  if (!(visit instanceof Y.Map)) {
    visit = new Y.Map<unknown>();
    visits.set(TEST_VISIT, visit);
    const note = new Y.Map<unknown>();
    (visit as Y.Map<unknown>).set('note', note);
    note.set('subjective', new Y.Text());
  }
  return ((visit as Y.Map<unknown>).get('note') as Y.Map<unknown>).get('subjective') as Y.Text;
}

/** The test note's text as a document holds it ('' when it has none). */
export function noteString(doc: Y.Doc): string {
  const visit = doc.getMap('encounters').get(TEST_VISIT);
  if (!(visit instanceof Y.Map)) return '';
  const note = visit.get('note');
  const t = note instanceof Y.Map ? note.get('subjective') : null;
  return t instanceof Y.Text ? t.toString() : '';
}

/** Types `text` at the end of the test note, in one transaction (creating the visit on first use). */
export function typeInto(doc: Y.Doc, text: string): void {
  doc.transact(() => {
    const t = noteText(doc);
    t.insert(t.length, text);
  });
}

/** A small text edit as a Yjs update, made on `doc` (a chart: see `noteText`). */
export function textEdit(doc: Y.Doc, text: string): Uint8Array {
  let captured: Uint8Array | null = null;
  const capture = (u: Uint8Array) => (captured = captured ? Y.mergeUpdates([captured, u]) : u);
  doc.on('update', capture);
  typeInto(doc, text);
  doc.off('update', capture);
  if (!captured) throw new Error('edit produced no update');
  return captured;
}

/** A demographics edit (a `patient:` document's family name) as a Yjs update, made on `doc`. */
export function demographicsEdit(doc: Y.Doc, family: string): Uint8Array {
  let captured: Uint8Array | null = null;
  const capture = (u: Uint8Array) => (captured = u);
  doc.on('update', capture);
  doc.getMap('patient').set('family', family);
  doc.off('update', capture);
  if (!captured) throw new Error('edit produced no update');
  return captured;
}

export function rowCount(db: Database.Database, name: string): number {
  return (db.prepare('SELECT count(*) AS n FROM doc_updates WHERE name = ?').get(name) as { n: number }).n;
}

export async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
