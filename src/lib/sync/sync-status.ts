/**
 * What the sync engine reports about itself. The app's rune-based
 * `syncStatus` implements the sink; Node tests and the benchmark use
 * `MemoryStatus`.
 */
export interface CatchUpState {
  running: boolean;
  done: number;
  total: number;
}

export interface SyncStatusSnapshot {
  online: boolean;
  pending: number;
  catchUp: CatchUpState;
  lastSyncedAt: string | null;
  error: string | null;
}

export interface SyncStatusSink {
  update(patch: Partial<SyncStatusSnapshot>): void;
}

export const SIGNED_OUT_MESSAGE = 'Signed out on the server — sign in again to sync';

export function initialStatus(online: boolean): SyncStatusSnapshot {
  return { online, pending: 0, catchUp: { running: false, done: 0, total: 0 }, lastSyncedAt: null, error: null };
}

/** A plain-object sink, for code that runs outside Svelte. */
export class MemoryStatus implements SyncStatusSink {
  snapshot: SyncStatusSnapshot = initialStatus(true);
  /** Every catch-up progress report, in order. */
  readonly progress: CatchUpState[] = [];

  update(patch: Partial<SyncStatusSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    if (patch.catchUp) this.progress.push(patch.catchUp);
  }
}

/** True unless the browser says it is offline (Node has no such signal: assume online). */
export function browserOnline(): boolean {
  return typeof navigator === 'undefined' || typeof navigator.onLine !== 'boolean' ? true : navigator.onLine;
}
