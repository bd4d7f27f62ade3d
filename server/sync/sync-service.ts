import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { DOC_KINDS, docAccess, parseDocName, type DocAccess } from '../../src/lib/domain/doc-names';
import { AppError } from '../../src/lib/domain/errors';
import { migrateSyncTables } from '../store/doc-store';
import { SqliteDocumentStore, type DocumentStore } from '../store/document-store';
import type { AccessGate, BatchDocResult, SessionUser, SyncDeps, SyncOptions, SyncService } from '../types';

type Grant = NonNullable<ReturnType<AccessGate['grant']>>;
import { exchangeBatch, type BatchContext } from './batch-exchange';
import { DocRegistry, OtherClinicError, QuarantinedError } from './doc-registry';
import { StoreFollower } from './fan-out';
import { GroupCommit } from './group-commit';
import { PresenceRelay } from './presence-relay';
import type { LiveDoc } from './live-doc';
import { CLOSE, SyncConnection, type ConnectionContext } from './sync-connection';
import { reconcileUpdateAudit, UpdateAuditLog } from './update-audit';
import { SessionGuard } from './session-guard';
import { checkUpdate, InvalidUpdateError, isRedundant } from './update-check';
import { parseSyncTarget, refuseUpgrade } from './upgrade-request';
import { SERVER_WRITER_ID, WritePipeline } from './write-pipeline';
import { writeRows } from './write-update';

/** Options beyond the platform contract; all optional, defaults suit production. */
export interface SyncServerOptions extends SyncOptions {
  /** Keepalive ping period; a connection that missed the previous pong is terminated (default 30 s). */
  pingIntervalMs?: number;
  /** Window over which a connection's `doc.update` audit entries are folded into one (default 1 s; 0 = one per update). */
  auditWindowMs?: number;
  /** Largest stored size of one document (default 64 MiB); updates beyond it are refused. */
  maxDocBytes?: number;
  /** Open sync connections one user may hold (default 64), and the server as a whole (default 4,000). */
  maxConnectionsPerUser?: number;
  maxConnections?: number;
  /** With other processes on the same store: how often every open document is read back regardless of messages (default 5 s). */
  fanOutResyncMs?: number;
}

/** After a refused update ends a connection, the same user's upgrades to that document wait this long (the stock client retries at once). */
const REFUSAL_COOLDOWN_MS = 30_000;

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
  private readonly store: DocumentStore;
  private readonly registry: DocRegistry;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<SyncConnection>();
  private readonly updateAudit: UpdateAuditLog;
  private readonly groupCommit: GroupCommit;
  private readonly connectionContext: ConnectionContext;
  private readonly batchContext: BatchContext;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly maxMessageBytes: number;
  private readonly maxConnectionsPerUser: number;
  private readonly maxConnections: number;
  private readonly pipeline: WritePipeline;
  /** `user|doc` → until when that user's upgrades to the document are held off after a refusal. */
  private readonly cooldown = new Map<string, number>();
  private readonly sessions: SessionGuard;
  /** With other server processes on the same store (deps.fanOut): reads their rows back. */
  private follower: StoreFollower | null = null;
  /** With other server processes: presence (awareness) to and from them. */
  private presence: PresenceRelay | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    private readonly deps: SyncDeps,
    opts: SyncServerOptions = {}
  ) {
    this.maxMessageBytes = opts.maxMessageBytes ?? 2 * 1024 * 1024;
    this.maxConnectionsPerUser = opts.maxConnectionsPerUser ?? 64;
    this.maxConnections = opts.maxConnections ?? 4000;
    const maxDocBytes = opts.maxDocBytes ?? 64 * 1024 * 1024;
    migrateSyncTables(deps.db);
    this.store = deps.store ?? new SqliteDocumentStore(deps.db, deps.audit);
    this.registry = new DocRegistry(this.store, {
      idleEvictMs: opts.idleEvictMs ?? 60_000,
      compactEvery: opts.compactEvery ?? 200,
      followsStore: deps.fanOut !== undefined,
      onQuarantine: (name, reason) => this.safeAudit({ action: 'doc.quarantined', outcome: 'failure', userId: null, target: name, detail: { reason } }),
      onLoaded: (live) => this.presence?.opened(live)
    });
    this.pipeline = new WritePipeline(deps.db, deps.audit);
    this.groupCommit = new GroupCommit({
      store: this.store,
      registry: this.registry,
      onApplied: (live, rows) => this.pipeline.gate.applied(live, rows),
      onDropped: (live, rows) => this.pipeline.gate.dropUnapplied(live, rows.map((r) => r.bytes)),
      onCommitted: (names) => {
        if (!this.follower) return;
        deps.fanOut?.publish(names);
        // This process's own rows move what its copy holds once read back in order (LiveDoc.followsStore).
        this.follower.touchAll(names);
      }
    });
    if (deps.fanOut) {
      const follower = new StoreFollower({
        store: this.store,
        registry: this.registry,
        onAdvanced: (live) => {
          this.pipeline.gate.invalidate(live);
          this.notifyChanged(live);
        }
      });
      this.follower = follower;
      const presence = new PresenceRelay(deps.fanOut, this.registry);
      this.presence = presence;
      deps.fanOut.listen({
        changed: (names) => follower.touchAll(names),
        resync: () => {
          follower.touchAll(this.registry.names());
          presence.resync();
        },
        presence: (node, name, update) => presence.received(node, name, update),
        presenceQuery: (_node, name) => presence.queried(name),
        nodeGone: (node) => presence.gone(node)
      });
      // A process that stopped between its commit and its message told nobody: every open document is read back now and then.
      this.resyncTimer = setInterval(() => follower.touchAll(this.registry.names()), opts.fanOutResyncMs ?? 5000);
      this.resyncTimer.unref();
    }
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.maxMessageBytes });
    this.updateAudit = new UpdateAuditLog(deps.audit, opts.auditWindowMs ?? 1000, (write) => deps.db.transaction(write)());
    this.sessions = new SessionGuard({
      endedSessions: deps.endedSessions,
      audit: deps.audit,
      connections: () => this.connections,
      intervalMs: opts.sessionCheckMs ?? 2000
    });
    // It reads SQLite's update log (on PostgreSQL that log is empty and reading it costs nothing).
    try {
      const recovered = reconcileUpdateAudit(deps.db, deps.audit, SERVER_WRITER_ID);
      if (recovered > 0) console.warn(`[sync] audited ${recovered} stored update(s) a stop had left without an audit entry`);
    } catch (err) {
      console.error('[sync] could not reconcile the update audit at start', err instanceof Error ? err.name : 'error');
    }
    const write = { updateAudit: this.updateAudit, onDocChanged: deps.onDocChanged, pipeline: this.pipeline, groupCommit: this.groupCommit };
    this.connectionContext = {
      ...write,
      audit: deps.audit,
      registry: this.registry,
      maxBufferedBytes: Math.max(8 * this.maxMessageBytes, 16 * 1024 * 1024),
      maxDocBytes,
      onRefused: (conn) => this.cooldown.set(`${conn.user.id}|${conn.live.name}`, Date.now() + REFUSAL_COOLDOWN_MS),
      onClosed: (conn) => this.connections.delete(conn),
      admits: (conn) => this.sessions.admits(conn)
    };
    this.batchContext = {
      ...write,
      audit: deps.audit,
      store: this.store,
      registry: this.registry,
      access: deps.access,
      maxUpdateBytes: this.maxMessageBytes,
      maxDocBytes
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
      // A device reported lost: refused before the handshake, with the code that tells the app to erase itself.
      if (err instanceof AppError && err.code === 'device-revoked') return refuseUpgrade(socket, 410, 'device-revoked');
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
    const limit = this.connectionLimit(user.id, target.name);
    if (limit) {
      this.safeAudit({ action: 'sync.limit', outcome: 'failure', userId: user.id, target: target.name, ip, detail: { limit } });
      return refuseUpgrade(socket, 503, limit);
    }
    const patientId = 'patientId' in target.parsed ? target.parsed.patientId : null;
    // Emergency access: a running grant opens a restricted part, or another clinic's record, until it ends.
    let grant: Grant | null = null;
    if (target.parsed.kind === 'restricted' && patientId && this.deps.access && !this.deps.access.named(user.id, patientId)) {
      grant = this.deps.access.grant(user.id, patientId);
      if (!grant) {
        this.auditDenied(user.id, target.name, ip, 'restricted');
        return refuseUpgrade(socket, 403, 'forbidden');
      }
    }
    void this.openDocument(target, user, patientId, grant).then(
      ({ live, grant: granted }) => {
        // The client may have gone, or the server begun to stop, while the document loaded.
        if (socket.destroyed || this.closing) {
          this.registry.release(live);
          return socket.destroyed ? undefined : refuseUpgrade(socket, 503, 'unavailable');
        }
        this.completeUpgrade(req, socket, head, { live, user, access, ip, onSocketError, grant: granted });
      },
      (err: unknown) => {
        if (err instanceof OtherClinicError) {
          this.auditDenied(user.id, target.name, ip, 'other-clinic');
          return refuseUpgrade(socket, 403, 'forbidden');
        }
        if (err instanceof QuarantinedError) return refuseUpgrade(socket, 503, 'quarantined');
        console.error('[sync] could not load a document', err instanceof Error ? err.name : 'error');
        return refuseUpgrade(socket, 500, 'internal');
      }
    );
  }

  /** Loads the document for the user's clinic, or for its owner under a running emergency grant. */
  private async openDocument(
    target: NonNullable<ReturnType<typeof parseSyncTarget>>,
    user: SessionUser,
    patientId: string | null,
    grant: Grant | null
  ): Promise<{ live: LiveDoc; grant: Grant | null }> {
    try {
      return { live: await this.registry.acquire(target.name, target.parsed, user.clinicId), grant };
    } catch (err) {
      if (!(err instanceof OtherClinicError) || !patientId) throw err;
      grant ??= this.deps.access?.grant(user.id, patientId) ?? null;
      const owner = await this.registry.clinicOf(target.name);
      if (!grant || owner === null) throw err;
      return { live: await this.registry.acquire(target.name, target.parsed, owner), grant };
    }
  }

  private completeUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    c: { live: LiveDoc; user: SessionUser; access: DocAccess; ip: string | null; onSocketError: (err: Error) => void; grant: Grant | null }
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
      if (c.grant) this.watchGrant(conn, c.grant);
    });
  }

  /** A connection opened by emergency access: audited as such, and closed (4401-like, not retried) when the grant ends. */
  private watchGrant(conn: SyncConnection, grant: Grant): void {
    this.safeAudit({ action: 'breakglass.open', outcome: 'success', userId: conn.user.id, target: conn.live.name, ip: conn.ip, detail: { grant: grant.id, via: 'websocket' } });
    const end = () => {
      this.safeAudit({ action: 'breakglass.expire', outcome: 'success', userId: conn.user.id, target: conn.live.name, ip: conn.ip, detail: { grant: grant.id } });
      conn.ws.close(CLOSE.accessEnded, 'emergency access ended');
    };
    const timer = setTimeout(end, Math.max(0, grant.expiresAt - Date.now()));
    timer.unref();
    conn.ws.once('close', () => clearTimeout(timer));
  }

  /** Why another connection is not taken now, or null. */
  private connectionLimit(userId: string, name: string): string | null {
    const until = this.cooldown.get(`${userId}|${name}`);
    if (until !== undefined) {
      if (Date.now() < until) return 'refused-recently';
      this.cooldown.delete(`${userId}|${name}`);
    }
    if (this.connections.size >= this.maxConnections) return 'server-connections';
    let mine = 0;
    for (const c of this.connections) if (c.user.id === userId) mine++;
    return mine >= this.maxConnectionsPerUser ? 'user-connections' : null;
  }

  private safeAudit(event: Parameters<SyncDeps['audit']['record']>[0]): void {
    try {
      this.deps.audit.record(event);
    } catch (err) {
      console.error('[sync] audit write failed', err instanceof Error ? err.name : 'error');
    }
  }

  async handleBatch(user: SessionUser, body: unknown): Promise<{ docs: BatchDocResult[] }> {
    return exchangeBatch(this.batchContext, user, body);
  }

  /**
   * Names of documents of the user's clinic that the user may read, written
   * after `since` (a cursor from a previous answer). The cursor is the highest
   * update sequence number seen, so no write between two calls is missed.
   */
  async changes(user: Pick<SessionUser, 'roles' | 'clinicId'> & { id?: string }, since: string | undefined): Promise<{ docs: string[]; cursor: string }> {
    if (since !== undefined && since !== '' && !CURSOR_RE.test(since)) {
      throw new AppError('invalid', 'The changes cursor is not valid.', [{ path: 'since', message: 'Use a cursor from a previous answer' }]);
    }
    const sinceSeq = since ? Number(since) : 0;
    const kinds = DOC_KINDS.filter((k) => docAccess(user.roles, k) !== 'none');
    const { names, maxSeq } = await this.store.changedSince(user.clinicId, kinds, sinceSeq);
    // A restricted part is listed only to whom it opens (named by the restriction, or a running grant).
    const docs = names.filter((n) => !n.startsWith('restricted:') || this.mayOpenRestricted(user.id, n.slice('restricted:'.length)));
    return { docs, cursor: String(maxSeq) };
  }

  private mayOpenRestricted(userId: string | undefined, patientId: string): boolean {
    const gate = this.deps.access;
    if (!gate) return true;
    if (!userId) return false;
    return gate.named(userId, patientId) || gate.grant(userId, patientId) !== null;
  }

  /**
   * A write by the server's own code. `origin` says which: an `import` (the
   * FHIR importer, writing for the signed-in clinician named by `userId`) is
   * judged by the write policy like a client; the demo `seed` is trusted.
   * Throws AppError('forbidden') with the rules broken when refused.
   */
  async applyServerUpdate(name: string, clinicId: string, update: Uint8Array, userId: string, origin: 'import' | 'seed' | 'system' | 'replica' = 'import'): Promise<void> {
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
      live = await this.registry.acquire(name, parsed, clinicId);
    } catch (err) {
      if (err instanceof OtherClinicError) throw new AppError('forbidden', 'This document belongs to another clinic.');
      if (err instanceof QuarantinedError) throw new AppError('unavailable', 'This record is held for review on the server.');
      throw err;
    }
    const auditKey = {};
    try {
      if (isRedundant(checked, live.shadow ?? live.doc)) return;
      const outcome = this.pipeline.admit(live, checked, this.pipeline.serverAuthor(userId, origin));
      if (outcome.kind === 'incomplete') throw new AppError('invalid', 'The update depends on changes the server does not have.');
      if (outcome.kind === 'refused') {
        throw new AppError('forbidden', `Refused by the rules of the record: ${outcome.message}.`, outcome.rules.map((r) => ({ path: r, message: outcome.message })));
      }
      await writeRows(this.batchContext, live, outcome.rows, outcome.audit, { userId, server: true }, { docName: name, userId, via: 'server' }, auditKey);
    } finally {
      this.updateAudit.flush(auditKey);
      this.registry.release(live, { evictIfIdle: true });
    }
  }

  async readState(name: string, clinicId: string): Promise<Uint8Array | null> {
    const owner = await this.registry.clinicOf(name);
    if (owner === null) return null;
    if (owner !== clinicId) throw new AppError('forbidden', 'This document belongs to another clinic.');
    const live = this.registry.get(name);
    if (live) return Y.encodeStateAsUpdate(live.doc);
    return (await this.store.load(name))?.update ?? null;
  }

  /**
   * The stored document unmerged, or only its log rows after `afterSeq`
   * (DocStore.loadSince). Read from the store even when the document is
   * open: every update is appended before it is applied, so the store is
   * never behind the live document.
   */
  async readStoredSince(name: string, clinicId: string, afterSeq: number | null): Promise<{ parts: Uint8Array[]; lastSeq: number; fromSnapshot?: true } | null> {
    const owner = await this.registry.clinicOf(name);
    if (owner === null) return null;
    if (owner !== clinicId) throw new AppError('forbidden', 'This document belongs to another clinic.');
    return this.store.loadSince(name, afterSeq);
  }

  stats(): { openDocs: number; connections: number } {
    return { openDocs: this.registry.size, connections: this.connections.size };
  }

  endSession(sessionId: string, reason: string): number {
    return this.sessions.end(sessionId, reason);
  }

  /**
   * A restriction of this patient was recorded or lifted: the open
   * connections to the restricted part whose user it no longer opens to
   * (not named, no running grant) are closed (4410, not retried), so a
   * socket opened before the restriction does not keep receiving it.
   */
  revokeRestricted(patientId: string): number {
    const name = `restricted:${patientId}`;
    let closed = 0;
    for (const conn of this.connections) {
      if (conn.live.name !== name || this.mayOpenRestricted(conn.user.id, patientId)) continue;
      conn.ws.close(CLOSE.accessEnded, 'restricted at the patient\'s request');
      closed++;
    }
    return closed;
  }

  /** Rows another process wrote reached a document here: the platform's change hook (projections) runs as for a local write. */
  private notifyChanged(live: LiveDoc): void {
    if (!this.deps.onDocChanged) return;
    try {
      this.deps.onDocChanged(live.name, live.identity.clinicId, live.doc);
    } catch (err) {
      console.error('[sync] document change listener failed', err instanceof Error ? err.name : 'error');
    }
  }

  /** Presence updates from other processes dropped (malformed, or not theirs to set); for diagnostics and tests. */
  presenceRefused(): number {
    return this.presence?.refused ?? 0;
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
    if (this.resyncTimer) clearInterval(this.resyncTimer);
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
    await this.groupCommit.drain();
    await this.follower?.idle();
    this.updateAudit.flushAll();
    await this.registry.closeAll();
    await new Promise<void>((resolve, reject) => this.wss.close((err) => (err ? reject(err) : resolve())));
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
