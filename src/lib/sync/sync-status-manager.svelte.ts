import { browserOnline, initialStatus, type CatchUpState, type SyncStatusSink, type SyncStatusSnapshot } from './sync-status';

/**
 * What the status bar shows about sync: online, how many documents have
 * edits the server has not confirmed, catch-up progress, when the device
 * last synced and a readable error. The sync engine writes it; the UI
 * only reads.
 */
class SyncStatusManager implements SyncStatusSink {
  #online = $state(browserOnline());
  #pending = $state(0);
  #catchUp = $state<CatchUpState>({ running: false, done: 0, total: 0 });
  #lastSyncedAt = $state<string | null>(null);
  #error = $state<string | null>(null);

  /** Browser online and the server answered the last request. */
  get online(): boolean {
    return this.#online;
  }
  /** Documents with local edits the server has not confirmed yet. */
  get pending(): number {
    return this.#pending;
  }
  get catchUp(): CatchUpState {
    return this.#catchUp;
  }
  get lastSyncedAt(): string | null {
    return this.#lastSyncedAt;
  }
  get error(): string | null {
    return this.#error;
  }

  update(patch: Partial<SyncStatusSnapshot>): void {
    if (patch.online !== undefined) this.#online = patch.online;
    if (patch.pending !== undefined) this.#pending = patch.pending;
    if (patch.catchUp !== undefined) this.#catchUp = { ...patch.catchUp };
    if (patch.lastSyncedAt !== undefined) this.#lastSyncedAt = patch.lastSyncedAt;
    if (patch.error !== undefined) this.#error = patch.error;
  }

  reset(): void {
    const s = initialStatus(browserOnline());
    this.update(s);
  }
}

export const syncStatus = new SyncStatusManager();
export type { SyncStatusManager };
