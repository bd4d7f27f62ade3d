import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { DOC_KINDS, docAccess, parseDocName, type DocAccess } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { DocStore, migrateSyncTables } from '../store/doc-store';
import { findUserById } from '../store/users';
import type { BatchDocResult, SessionUser, SyncDeps, SyncOptions, SyncService } from '../types';
import { exchangeBatch, type BatchContext } from './batch-exchange';
import { DocRegistry, OtherClinicError } from './doc-registry';
import { GroupCommit } from './group-commit';
import type { LiveDoc } from './live-doc';
import { CLOSE, SyncConnection, type ConnectionContext } from './sync-connection';
import { PendingCorrections } from './pending-corrections';
import { SessionGuard } from './session-guard';
import { applyCorrections, PrescriptionAudit, SERVER_WRITER_ID, type Correction } from './prescription-audit';
import { UpdateAuditLog } from './update-audit';
import { checkUpdate, InvalidUpdateError, isRedundant } from './update-check';
import { parseSyncTarget, refuseUpgrade } from './upgrade-request';
import { writeUpdate } from './write-update';

/** Options beyond the platform contract; all optional, defaults suit production. */
export interface SyncServerOptions extends SyncOptions {
  /** Keepalive ping period; a connection that missed the previous pong is terminated (default 30 s). */
  pingIntervalMs?: number;
  /** Window over which a connection's `doc.update` audit entries are folded into one (default 1 s; 0 = one per update). */
  auditWindowMs?: number;
}

/** Builds the sync service the platform mounts on `/sync/*` and `/api/sync/*`. */
export function createSyncService(deps: SyncDeps, opts: SyncServerOptions = {}): SyncService {
  return new SyncServer(deps, opts);
}

const CURSOR_RE = /^\d{1,15}$/;

/**
 * Live collaboration and catch-up for the clinic's documents: authenticates
 * and authorises each document before any byte of it is sent, persists every
 * accepted update with its author before anyone sees it, and keeps in memory
 * only the documents in use.
 */
export class SyncServer implements SyncService {
  private readonly store: DocStore;
  private readonly registry: DocRegistry;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<SyncConnection>();
  private readonly updateAudit: UpdateAuditLog;
  private readonly groupCommit: GroupCommit;
  private readonly connectionContext: ConnectionContext;
  private readonly batchContext: BatchContext;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly maxMessageBytes: number;
  private readonly prescriptions: PrescriptionAudit;
  private readonly pendingCorrections: PendingCorrections;
  private readonly sessions: SessionGuard;
  private closing = false;

  constructor(
    private readonly deps: SyncDeps,
    opts: SyncServerOptions = {}
  ) {
    this.maxMessageBytes = opts.maxMessageBytes ?? 2 * 1024 * 1024;
    migrateSyncTables(deps.db);
    this.store = new DocStore(deps.db);
    this.registry = new DocRegistry(this.store, {
      idleEvictMs: opts.idleEvictMs ?? 60_000,
      compactEvery: opts.compactEvery ?? 200
    });
    this.groupCommit = new GroupCommit(this.store, this.registry);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.maxMessageBytes });
    this.updateAudit = new UpdateAuditLog(deps.audit, opts.auditWindowMs ?? 1000);
    this.sessions = new SessionGuard({
      endedSessions: deps.endedSessions,
      audit: deps.audit,
      connections: () => this.connections,
      intervalMs: opts.sessionCheckMs ?? 2000
    });
    this.pendingCorrections = new PendingCorrections(deps.db);
    this.prescriptions = new PrescriptionAudit({
      audit: deps.audit,
      rolesOf: (userId) => findUserById(deps.db, userId)?.roles ?? null,
      correct: (live, corrections) => this.correct(live, corrections)
    });
    const write = { updateAudit: this.updateAudit, onDocChanged: deps.onDocChanged, watch: (live: LiveDoc) => this.watch(live) };
    this.connectionContext = {
      ...write,
      audit: deps.audit,
      registry: this.registry,
      groupCommit: this.groupCommit,
      maxBufferedBytes: Math.max(8 * this.maxMessageBytes, 16 * 1024 * 1024),
      onClosed: (conn) => this.connections.delete(conn),
      admits: (conn) => this.sessions.admits(conn)
    };
    this.batchContext = {
      ...write,
      audit: deps.audit,
      store: this.store,
      registry: this.registry,
      maxUpdateBytes: this.maxMessageBytes
    };
    this.pingTimer = setInterval(() => this.keepAlive(), opts.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  /**
   * Call from the HTTP server's `upgrade` event for `/sync/*` paths. Answers
   * 401/403 (400 for a path that names no document) with a plain HTTP
   * response and closes the socket; otherwise loads the document, completes
   * the handshake and speaks y-websocket.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const onSocketError = (err: Error & { code?: string }) => {
      console.warn('[sync] socket error during upgrade', err.code ?? err.message);
    };
    socket.on('error', onSocketError);
    if (this.closing) return refuseUpgrade(socket, 503, 'unavailable');
    let user: SessionUser | null;
    try {
      user = this.deps.authenticate(req);
    } catch (err) {
      console.error('[sync] authentication failed', err);
      return refuseUpgrade(socket, 500, 'internal');
    }
    const target = parseSyncTarget(req.url);
    const ip = this.deps.clientIp?.(req) ?? req.socket.remoteAddress ?? null;
    if (!user) {
      this.auditDenied(null, target?.name ?? null, ip, 'no-session');
      return refuseUpgrade(socket, 401, 'unauthenticated');
    }
    if (!target) {
      // Not kept: an invalid name is whatever the caller sent.
      this.auditDenied(user.id, null, ip, 'invalid-document');
      return refuseUpgrade(socket, 400, 'invalid');
    }
    const access = docAccess(user.roles, target.parsed.kind);
    if (access === 'none') {
      this.auditDenied(user.id, target.name, ip, 'role');
      return refuseUpgrade(socket, 403, 'forbidden');
    }
    let live: LiveDoc;
    try {
      live = this.registry.acquire(target.name, target.parsed, user.clinicId);
    } catch (err) {
      if (err instanceof OtherClinicError) {
        this.auditDenied(user.id, target.name, ip, 'other-clinic');
        return refuseUpgrade(socket, 403, 'forbidden');
      }
      console.error('[sync] could not load a document', err);
      return refuseUpgrade(socket, 500, 'internal');
    }
    this.watch(live);
    this.completeUpgrade(req, socket, head, { live, user, access, ip, onSocketError });
  }

  private completeUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    c: { live: LiveDoc; user: SessionUser; access: DocAccess; ip: string | null; onSocketError: (err: Error) => void }
  ): void {
    let attached = false;
    // ws may refuse a bad handshake without calling back; the hold must still go.
    socket.once('close', () => {
      if (!attached) this.registry.release(c.live);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      attached = true;
      socket.off('error', c.onSocketError);
      const conn = new SyncConnection(ws, c.live, c.user, c.access === 'write' ? 'write' : 'read', c.ip, this.connectionContext);
      this.connections.add(conn);
      this.deps.audit.record({
        action: 'doc.open',
        outcome: 'success',
        userId: c.user.id,
        target: c.live.name,
        ip: c.ip,
        detail: { access: conn.access, via: 'websocket' }
      });
    });
  }

  async handleBatch(user: SessionUser, body: unknown): Promise<{ docs: BatchDocResult[] }> {
    return exchangeBatch(this.batchContext, user, body);
  }

  /**
   * Names of documents of the user's clinic that the user may read, written
   * after `since` (a cursor from a previous answer). The cursor is the highest
   * update sequence number seen, so no write between two calls is missed.
   */
  changes(user: SessionUser, since: string | undefined): { docs: string[]; cursor: string } {
    if (since !== undefined && since !== '' && !CURSOR_RE.test(since)) {
      throw new AppError('invalid', 'The changes cursor is not valid.', [{ path: 'since', message: 'Use a cursor from a previous answer' }]);
    }
    const sinceSeq = since ? Number(since) : 0;
    const kinds = DOC_KINDS.filter((k) => docAccess(user.roles, k) !== 'none');
    const { names, maxSeq } = this.store.changedSince(user.clinicId, kinds, sinceSeq);
    return { docs: names, cursor: String(maxSeq) };
  }

  async applyServerUpdate(name: string, clinicId: string, update: Uint8Array, userId: string): Promise<void> {
    const parsed = parseDocName(name);
    if (!parsed) throw new AppError('invalid', 'Not a document name.');
    if (update.byteLength > this.maxMessageBytes) throw new AppError('too-large', 'The document update is too large.');
    let checked;
    try {
      checked = checkUpdate(update);
    } catch (err) {
      if (err instanceof InvalidUpdateError) throw new AppError('invalid', 'Not a valid document update.');
      throw err;
    }
    let live: LiveDoc;
    try {
      live = this.registry.acquire(name, parsed, clinicId);
    } catch (err) {
      if (err instanceof OtherClinicError) throw new AppError('forbidden', 'This document belongs to another clinic.');
      throw err;
    }
    this.watch(live);
    const auditKey = {};
    try {
      if (!isRedundant(checked, live.doc)) {
        // `server`: written by the server's own code (import, seed), which may add imported entries.
        writeUpdate(this.batchContext, live, checked, { userId, server: true }, { docName: name, userId, via: 'server' }, auditKey);
      }
    } finally {
      this.updateAudit.flush(auditKey);
      this.registry.release(live, { evictIfIdle: true });
    }
  }

  async readState(name: string, clinicId: string): Promise<Uint8Array | null> {
    const owner = this.registry.clinicOf(name);
    if (owner === null) return null;
    if (owner !== clinicId) throw new AppError('forbidden', 'This document belongs to another clinic.');
    const live = this.registry.get(name);
    if (live) return Y.encodeStateAsUpdate(live.doc);
    return this.store.load(name)?.update ?? null;
  }

  stats(): { openDocs: number; connections: number } {
    return { openDocs: this.registry.size, connections: this.connections.size };
  }

  endSession(sessionId: string, reason: string): number {
    return this.sessions.end(sessionId, reason);
  }

  /** The in-memory document, if loaded; for diagnostics and tests. */
  liveDocument(name: string): LiveDoc | undefined {
    return this.registry.get(name);
  }

  /** Closes every connection (1001, so clients reconnect elsewhere), writes pending audit entries and snapshots. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.pingTimer);
    this.sessions.stop();
    const closed = [...this.connections].map(
      (conn) =>
        new Promise<void>((resolve) => {
          conn.ws.once('close', () => resolve());
          conn.ws.close(CLOSE.goingAway, 'server shutting down');
        })
    );
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([Promise.all(closed), grace]);
    for (const conn of this.connections) conn.ws.terminate();
    this.groupCommit.flush();
    this.updateAudit.flushAll();
    this.registry.closeAll();
    await new Promise<void>((resolve, reject) => this.wss.close((err) => (err ? reject(err) : resolve())));
  }

  /** Starts the prescribing watcher on a chart, then writes any correction an earlier run stored but could not apply. */
  private watch(live: LiveDoc): void {
    if (!this.prescriptions.attach(live)) return;
    for (const p of this.pendingCorrections.of(live.name)) this.writeCorrection(live, p.id, p.corrections);
  }

  /**
   * Writes server corrections at once, with the write that called for them
   * (right after its group commit is applied, so before that write's caller
   * is answered, and also while the server is shutting down): built on a copy of the document so they encode
   * as an ordinary update, then stored and broadcast like any write,
   * attributed to the server. They are first stored as pending, so one that
   * cannot be written now is written when the chart is next opened.
   */
  private correct(live: LiveDoc, corrections: readonly Correction[]): void {
    const pendingId = this.pendingCorrections.add(live.name, corrections);
    // Held so the document stays loaded until the correction is written.
    this.registry.hold(live);
    this.groupCommit.afterGroup(() => {
      try {
        this.writeCorrection(live, pendingId, corrections);
      } finally {
        this.registry.release(live);
      }
    });
  }

  private writeCorrection(live: LiveDoc, pendingId: number, corrections: readonly Correction[]): void {
    const auditKey = {};
    try {
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(live.doc));
      const before = Y.encodeStateVector(copy);
      applyCorrections(copy, corrections);
      const update = Y.encodeStateAsUpdate(copy, before);
      copy.destroy();
      const checked = checkUpdate(update);
      if (!isRedundant(checked, live.doc)) {
        writeUpdate(this.batchContext, live, checked, { userId: SERVER_WRITER_ID, server: true }, { docName: live.name, userId: SERVER_WRITER_ID, via: 'server' }, auditKey);
      }
      this.pendingCorrections.done(pendingId);
    } catch (err) {
      console.error('[sync] could not write a server correction; it is kept and retried when the chart is next opened', err instanceof Error ? err.name : 'error');
    } finally {
      this.updateAudit.flush(auditKey);
    }
  }

  private keepAlive(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  private auditDenied(userId: string | null, target: string | null, ip: string | null, reason: string): void {
    this.deps.audit.record({ action: 'authz.denied', outcome: 'failure', userId, target, ip, detail: { reason, via: 'websocket' } });
  }
}
