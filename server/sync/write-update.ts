import type { SyncDeps } from '../types';
import type { GroupCommit, WriteRow } from './group-commit';
import type { LiveDoc, Writer } from './live-doc';
import type { UpdateAuditLog, UpdateSource } from './update-audit';
import type { WritePipeline } from './write-pipeline';
import type { AuditEvent } from '../types';

/** What every write path (websocket, batch, server) shares. */
export interface WriteContext {
  updateAudit: UpdateAuditLog;
  onDocChanged: SyncDeps['onDocChanged'];
  pipeline: WritePipeline;
  groupCommit: GroupCommit;
}

/**
 * Stores admitted rows at once (batch and server writes), applies them,
 * then records the write. Resolves with the rows' sequence numbers.
 */
export async function writeRows(
  ctx: WriteContext,
  live: LiveDoc,
  rows: WriteRow[],
  audit: AuditEvent[],
  writer: Writer,
  source: UpdateSource,
  auditKey: object
): Promise<number[]> {
  const seqs = await ctx.groupCommit.writeNow(live, rows, audit, writer);
  recordWrite(ctx, live, rows[0].bytes.byteLength, seqs[0], source, auditKey);
  return seqs;
}

/**
 * What follows every stored and applied update, whatever its path: the audit
 * entry, then the platform's change hook (it refreshes projections from the
 * live document). A failing projection must not undo or hide a stored write,
 * so its error is logged, not thrown.
 */
export function recordWrite(
  ctx: Pick<WriteContext, 'updateAudit' | 'onDocChanged'>,
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
    console.error('[sync] document change listener failed', err instanceof Error ? err.name : 'error');
  }
}
