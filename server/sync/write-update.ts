import type { SyncDeps } from '../types';
import type { LiveDoc, Writer } from './live-doc';
import type { UpdateAuditLog, UpdateSource } from './update-audit';
import type { CheckedUpdate } from './update-check';

/** What every write path (websocket, batch, server) shares. */
export interface WriteContext {
  updateAudit: UpdateAuditLog;
  onDocChanged: SyncDeps['onDocChanged'];
  /** Starts the server's watchers (prescribing audit) on a document about to be written. */
  watch?(live: LiveDoc): void;
}

/**
 * Stores and applies one update at once (batch and server writes), then
 * records it. Returns the log sequence number.
 */
export function writeUpdate(
  ctx: WriteContext,
  live: LiveDoc,
  update: CheckedUpdate,
  writer: Writer,
  source: UpdateSource,
  auditKey: object
): number {
  const seq = live.commit(update, writer);
  recordWrite(ctx, live, update.bytes.byteLength, seq, source, auditKey);
  return seq;
}

/**
 * What follows every stored and applied update, whatever its path: the audit
 * entry, then the platform's change hook (it refreshes projections from the
 * live document). A failing projection must not undo or hide a stored write,
 * so its error is logged, not thrown.
 */
export function recordWrite(
  ctx: WriteContext,
  live: LiveDoc,
  bytes: number,
  seq: number,
  source: UpdateSource,
  auditKey: object
): void {
  ctx.updateAudit.note(auditKey, source, bytes, seq);
  if (!ctx.onDocChanged) return;
  try {
    ctx.onDocChanged(live.name, live.identity.clinicId, live.doc);
  } catch (err) {
    console.error('[sync] document change listener failed', err);
  }
}
