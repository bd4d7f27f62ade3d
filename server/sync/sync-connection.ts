import { WebSocket, type RawData } from 'ws';
import { SESSION_ENDED_CLOSE_CODE } from '../../src/lib/domain/sync-close-codes';
import type { Audit, SessionUser } from '../types';
import type { DocRegistry } from './doc-registry';
import type { GroupCommit } from './group-commit';
import type { LiveDoc, Peer, Writer } from './live-doc';
import { decodeClientMessage, encodeSyncStep1FromVector, encodeSyncStep2, MalformedMessageError, readAwarenessEntries } from './protocol';
import { TokenBucket } from './token-bucket';
import { checkUpdate, clientIdCollision, InvalidUpdateError, isRedundant } from './update-check';
import type { WritePipeline } from './write-pipeline';
import { recordWrite, type WriteContext } from './write-update';

/**
 * Close codes this server uses. 4400–4499 tell the app not to retry the
 * same bytes blindly (the stock client reconnects on every close; the app's
 * provider stops for these and says why).
 */
export const CLOSE = {
  goingAway: 1001,
  internalError: 1011,
  tryAgainLater: 1013,
  malformed: 4400,
  /** The write policy refused an update: the device's copy holds a change the record will not take. */
  refused: 4403,
  /** The document is quarantined on the server (it could not be loaded safely). */
  unavailable: 4404,
  /** An update was larger than the server takes on this connection: send it in parts, through the batch path. */
  tooLarge: 4413,
  /** An update reuses a Yjs client id the server holds with other content (a restored or cloned device): take a new client id and resend. */
  clientIdInUse: 4409,
  /** Too many updates too fast. */
  tooManyUpdates: 4429,
  /** The session ended (sign-out, expiry, revocation): the app locks and asks to sign in again. */
  sessionEnded: SESSION_ENDED_CLOSE_CODE,
  /** The emergency (break-glass) access this connection was opened under has ended. */
  accessEnded: 4410
} as const;

/** Per-connection write budget: steady typing is a few updates a second; a crafted flood is not. */
export const UPDATE_RATE = { perSecond: 50, burst: 500 } as const;
/** An update that needs earlier changes first is answered with a sync step 1; this many in a row ends the connection. */
const MAX_INCOMPLETE = 20;

export interface ConnectionContext extends WriteContext {
  audit: Audit;
  registry: DocRegistry;
  groupCommit: GroupCommit;
  pipeline: WritePipeline;
  /** A peer this far behind in reading is dropped rather than buffered without bound. */
  maxBufferedBytes: number;
  /** Largest size a document may reach; updates beyond it are refused. */
  maxDocBytes: number;
  /** A refusal ended this connection: the server may hold the user off this document for a while. */
  onRefused(conn: SyncConnection): void;
  onClosed(conn: SyncConnection): void;
  /** False when the connection's session has ended (the socket is then being closed): its message is dropped unread. */
  admits?(conn: SyncConnection): boolean;
}

/**
 * One websocket speaking y-websocket for one document, as one user. The
 * document is loaded before this object exists, so the server's sync step 1
 * already reflects stored state. Every update passes the write policy before
 * it is stored; a refused one ends the connection with a code the app
 * understands. Writes from a read-only connection are dropped and audited; a
 * malformed message closes only this connection.
 */
export class SyncConnection implements Peer {
  /** Cleared on each keepalive ping, set by the pong; a silent peer is terminated. */
  alive = true;
  private readonly writer: Writer;
  private readonly bucket = new TokenBucket(UPDATE_RATE.perSecond, UPDATE_RATE.burst);
  private incomplete = 0;
  private closed = false;
  /** Set once the server decided to end the connection: messages still in flight are ignored. */
  private ending = false;

  constructor(
    readonly ws: WebSocket,
    readonly live: LiveDoc,
    readonly user: SessionUser,
    readonly access: 'read' | 'write',
    readonly ip: string | null,
    private readonly ctx: ConnectionContext
  ) {
    this.writer = { userId: user.id, peer: this };
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      console.warn('[sync] websocket error', err.code ?? err.message);
    });
    ws.on('close', () => this.onClose());
    live.peers.add(this);
    this.send(encodeSyncStep1FromVector(ctx.pipeline.gate.stateVector(live)));
    const presence = live.encodePresence();
    if (presence) this.send(presence);
  }

  send(message: Uint8Array): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.ctx.maxBufferedBytes) {
      this.ws.close(CLOSE.tryAgainLater, 'too far behind');
      return;
    }
    this.ws.send(message);
  }

  /** Ends the connection with a code and a short reason (no patient data). */
  end(code: number, reason: string): void {
    this.ending = true;
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.close(code, reason.slice(0, 120));
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closed || this.ending) return;
    if (this.ctx.admits && !this.ctx.admits(this)) return;
    try {
      if (!isBinary || !Buffer.isBuffer(data)) throw new MalformedMessageError('expected one binary message');
      this.handle(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      if (err instanceof MalformedMessageError || err instanceof InvalidUpdateError) {
        this.end(CLOSE.malformed, err.message);
        return;
      }
      console.error('[sync] failed to handle a message', err instanceof Error ? err.name : 'error');
      this.end(CLOSE.internalError, 'server error');
    }
  }

  private handle(bytes: Uint8Array): void {
    const message = decodeClientMessage(bytes);
    switch (message.type) {
      case 'sync-step1': {
        let reply: Uint8Array;
        try {
          reply = encodeSyncStep2(this.live.doc, message.stateVector);
        } catch {
          throw new MalformedMessageError('undecodable state vector');
        }
        this.send(reply);
        return;
      }
      case 'sync-update':
        this.receiveUpdate(message.update);
        return;
      case 'awareness':
        this.receivePresence(message.update);
        return;
      case 'query-awareness': {
        const presence = this.live.encodePresence();
        if (presence) this.send(presence);
        return;
      }
    }
  }

  private receivePresence(update: Uint8Array): void {
    if (this.access !== 'write') return; // a reader is not shown as editing
    const entries = readAwarenessEntries(update, { name: this.user.name });
    this.live.applyPresence(entries.update, entries.entries, this);
  }

  private receiveUpdate(bytes: Uint8Array): void {
    const update = checkUpdate(bytes);
    const held = this.live.shadow ?? this.live.doc;
    const collision = this.access === 'write' ? clientIdCollision(update, held) : null;
    if (collision) {
      this.ctx.pipeline.refuseCollision(this.live, this.ctx.pipeline.userAuthor(this.user, 'websocket'), collision, this.ip);
      return this.end(CLOSE.clientIdInUse, `client id in use: ${collision.client} from ${collision.clock}`);
    }
    if (isRedundant(update, held)) return;
    if (this.access !== 'write') {
      this.ctx.audit.record({
        action: 'doc.update.rejected',
        outcome: 'failure',
        userId: this.user.id,
        target: this.live.name,
        ip: this.ip,
        detail: { reason: 'read-only', bytes: bytes.byteLength }
      });
      return;
    }
    if (!this.bucket.take()) return this.limit(CLOSE.tooManyUpdates, 'too many updates', 'update-rate');
    if (this.live.storedBytes + bytes.byteLength > this.ctx.maxDocBytes) return this.limit(CLOSE.tooLarge, 'document size limit', 'document-size');
    const author = this.ctx.pipeline.userAuthor(this.user, 'websocket');
    const outcome = this.ctx.pipeline.admit(this.live, update, author, this.ip);
    if (outcome.kind === 'incomplete') {
      // The update builds on changes the server lacks (sent before this device's catch-up): ask for them.
      if (++this.incomplete > MAX_INCOMPLETE) return this.end(CLOSE.malformed, 'updates with missing dependencies');
      this.send(encodeSyncStep1FromVector(this.ctx.pipeline.gate.stateVector(this.live)));
      return;
    }
    this.incomplete = 0;
    if (outcome.kind === 'refused') {
      this.ctx.onRefused(this);
      this.end(CLOSE.refused, `refused: ${outcome.rules.join(' ')}`);
      return;
    }
    this.ctx.groupCommit.enqueue({
      live: this.live,
      rows: outcome.rows,
      audit: outcome.audit,
      writer: this.writer,
      applied: (seqs) => recordWrite(this.ctx, this.live, bytes.byteLength, seqs[0], this.source(), this),
      failed: (err) => {
        console.error('[sync] could not store an update', err instanceof Error ? err.name : 'error');
        this.end(CLOSE.internalError, 'update not stored');
      }
    });
  }

  private limit(code: number, reason: string, what: string): void {
    this.ctx.audit.record({ action: 'sync.limit', outcome: 'failure', userId: this.user.id, target: this.live.name, ip: this.ip, detail: { limit: what } });
    this.end(code, reason);
  }

  private source() {
    return { docName: this.live.name, userId: this.user.id, via: 'websocket' as const, ip: this.ip };
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.live.peers.delete(this);
    this.live.dropPresence(this);
    this.ctx.updateAudit.flush(this);
    this.ctx.registry.release(this.live);
    this.ctx.onClosed(this);
  }
}
