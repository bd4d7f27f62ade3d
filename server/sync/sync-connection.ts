import { WebSocket, type RawData } from 'ws';
import { SESSION_ENDED_CLOSE_CODE } from '../../src/lib/domain/sync-close-codes';
import type { Audit, SessionUser } from '../types';
import type { DocRegistry } from './doc-registry';
import type { LiveDoc, Peer, Writer } from './live-doc';
import {
  decodeClientMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  MalformedMessageError,
  readAwarenessEntries
} from './protocol';
import { checkUpdate, InvalidUpdateError, isRedundant } from './update-check';
import type { GroupCommit } from './group-commit';
import { recordWrite, type WriteContext } from './write-update';

/** Close codes this server uses; 4400-4499 tell the stock client not to retry the same bytes. */
export const CLOSE = {
  goingAway: 1001,
  internalError: 1011,
  tryAgainLater: 1013,
  malformed: 4400,
  /** The session ended (sign-out, expiry, revocation): the app locks and asks to sign in again. */
  sessionEnded: SESSION_ENDED_CLOSE_CODE
} as const;

export interface ConnectionContext extends WriteContext {
  audit: Audit;
  registry: DocRegistry;
  groupCommit: GroupCommit;
  /** A peer this far behind in reading is dropped rather than buffered without bound. */
  maxBufferedBytes: number;
  onClosed(conn: SyncConnection): void;
  /** False when the connection's session has ended (the socket is then being closed): its message is dropped unread. */
  admits?(conn: SyncConnection): boolean;
}

/**
 * One websocket speaking y-websocket for one document, as one user. The
 * document is loaded before this object exists, so the server's sync step 1
 * already reflects stored state. Writes from a read-only connection are
 * dropped and audited; a malformed message closes only this connection.
 */
export class SyncConnection implements Peer {
  /** Cleared on each keepalive ping, set by the pong; a silent peer is terminated. */
  alive = true;
  private readonly writer: Writer;
  private closed = false;

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
    this.send(encodeSyncStep1(live.doc));
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

  private receive(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (this.ctx.admits && !this.ctx.admits(this)) return;
    try {
      if (!isBinary || !Buffer.isBuffer(data)) throw new MalformedMessageError('expected one binary message');
      this.handle(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (err) {
      if (err instanceof MalformedMessageError || err instanceof InvalidUpdateError) {
        this.ws.close(CLOSE.malformed, err.message);
        return;
      }
      console.error('[sync] failed to handle a message', err);
      this.ws.close(CLOSE.internalError, 'server error');
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
        this.live.applyPresence(message.update, readAwarenessEntries(message.update), this);
        return;
      case 'query-awareness': {
        const presence = this.live.encodePresence();
        if (presence) this.send(presence);
        return;
      }
    }
  }

  private receiveUpdate(bytes: Uint8Array): void {
    const update = checkUpdate(bytes);
    if (isRedundant(update, this.live.doc)) return;
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
    this.ctx.groupCommit.enqueue({
      live: this.live,
      update,
      writer: this.writer,
      applied: (seq) => recordWrite(this.ctx, this.live, bytes.byteLength, seq, this.source(), this),
      failed: (err) => {
        console.error('[sync] could not store an update', err);
        this.ws.close(CLOSE.internalError, 'update not stored');
      }
    });
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
