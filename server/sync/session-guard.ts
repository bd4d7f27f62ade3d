import type { Audit } from '../types';
import { CLOSE, type SyncConnection } from './sync-connection';

/** Which of these sessions have ended, each with why; live ones are absent (see SyncDeps.endedSessions). */
export type EndedSessions = (sessionIds: readonly string[]) => ReadonlyMap<string, string>;

export interface SessionGuardDeps {
  /** Absent: sessions are checked only when a socket opens. */
  endedSessions?: EndedSessions;
  audit: Audit;
  connections(): Iterable<SyncConnection>;
  /** Period of the sweep over open sockets. */
  intervalMs: number;
}

/**
 * Ends the sockets of sessions that ended, so a signed-out, expired or
 * revoked session stops writing and receiving within seconds. Sessions can
 * end in another process (the admin CLI writes the same SQLite file), so the
 * sessions behind open sockets are re-checked every `intervalMs` in one
 * query; and each message a socket sends is checked first, so a write sent
 * after the revocation but before the sweep is never stored. The messages
 * read in one turn of the event loop (one read of the sockets) share one
 * look-up per session, made before the first of them is handled: under load
 * that is one query for many messages, where one each was the largest single
 * cost of a write; a revocation committed meanwhile counts from the next
 * turn, before any later message. Every forced close is audited; the close
 * reason names no patient or document.
 */
export class SessionGuard {
  private readonly timer: NodeJS.Timeout | null;
  /** Connections being closed for an ended session: their last frames are dropped. */
  private readonly ended = new WeakSet<SyncConnection>();
  /** This turn's look-ups: session id → why it ended, or null while open. Cleared at the end of the turn. */
  private turn: Map<string, string | null> | null = null;

  constructor(private readonly deps: SessionGuardDeps) {
    this.timer = deps.endedSessions ? setInterval(() => this.sweep(), deps.intervalMs) : null;
    this.timer?.unref();
  }

  /** Before a connection's message is read: false (and the socket closing) when its session has ended. */
  admits(conn: SyncConnection): boolean {
    if (this.ended.has(conn)) return false;
    const check = this.deps.endedSessions;
    if (!check) return true;
    const sessionId = conn.user.sessionId;
    let reason: string | undefined;
    try {
      const seen = this.turn?.get(sessionId);
      if (seen !== undefined) reason = seen ?? undefined;
      else {
        reason = check([sessionId]).get(sessionId);
        this.lookups().set(sessionId, reason ?? null);
      }
    } catch (err) {
      // A session that cannot be checked is not trusted with a write.
      console.error('[sync] could not check a session', err instanceof Error ? err.name : 'error');
      conn.ws.close(CLOSE.tryAgainLater, 'session check failed');
      return false;
    }
    if (reason === undefined) return true;
    this.close(conn, reason);
    return false;
  }

  /** Closes every socket of a session that ended in this process; returns how many. */
  end(sessionId: string, reason: string): number {
    this.turn?.delete(sessionId);
    let closed = 0;
    for (const conn of this.deps.connections()) {
      if (conn.user.sessionId !== sessionId || this.ended.has(conn)) continue;
      this.close(conn, reason);
      closed += 1;
    }
    return closed;
  }

  /** One query for the sessions behind all open sockets; closes those of ended sessions. */
  sweep(): void {
    const check = this.deps.endedSessions;
    if (!check) return;
    const bySession = new Map<string, SyncConnection[]>();
    for (const conn of this.deps.connections()) {
      if (this.ended.has(conn)) continue;
      const list = bySession.get(conn.user.sessionId);
      if (list) list.push(conn);
      else bySession.set(conn.user.sessionId, [conn]);
    }
    if (bySession.size === 0) return;
    let ended: ReadonlyMap<string, string>;
    try {
      ended = check([...bySession.keys()]);
    } catch (err) {
      console.error('[sync] could not check open sessions; retried at the next sweep', err instanceof Error ? err.name : 'error');
      return;
    }
    for (const [sessionId, reason] of ended) {
      for (const conn of bySession.get(sessionId) ?? []) this.close(conn, reason);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private lookups(): Map<string, string | null> {
    if (this.turn) return this.turn;
    const turn = new Map<string, string | null>();
    this.turn = turn;
    setImmediate(() => {
      if (this.turn === turn) this.turn = null;
    });
    return turn;
  }

  private close(conn: SyncConnection, reason: string): void {
    this.ended.add(conn);
    this.deps.audit.record({
      action: 'doc.close',
      outcome: 'success',
      userId: conn.user.id,
      target: conn.live.name,
      ip: conn.ip,
      detail: { reason: 'session-ended', session: reason, via: 'websocket' }
    });
    conn.ws.close(CLOSE.sessionEnded, 'session ended');
  }
}
