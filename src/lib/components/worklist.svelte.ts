import { onMount } from 'svelte';
import { syncStatus } from '$lib/sync/sync-status-manager.svelte';
import { messageOf } from '$lib/ui/handle-error';

export interface WorklistSource<T> {
  /** What the last build left on this device, shown at once (empty when none). */
  cached(): Promise<T[]>;
  /** Builds the list again from what the device holds (re-reading only the charts that changed). */
  rebuild(): Promise<T[]>;
}

export interface Worklist<T> {
  readonly items: T[];
  readonly loading: boolean;
  readonly error: string | null;
}

/**
 * A worklist built from the records on this device (unsigned notes, results
 * to review, refill requests): shown from its cached copy first, then built
 * again after every sync round, because the first catch-up on a new device
 * is what brings the clinic's records (a list built once said "No unsigned
 * notes" on a new device). One build at a time; one asked for during a
 * build runs once after it. A failed build is shown, never dropped.
 *
 * Call while a component initialises: it registers the component's mount
 * and effect.
 */
export function worklist<T>(source: WorklistSource<T>): Worklist<T> {
  let items = $state.raw<T[]>([]);
  let loading = $state(true);
  let error = $state<string | null>(null);

  let building = false;
  let again = false;
  let stopped = false;
  function rebuild(): void {
    if (building) {
      again = true;
      return;
    }
    building = true;
    source
      .rebuild()
      .then((fresh) => {
        if (!stopped) {
          items = fresh;
          error = null;
        }
      })
      .catch((e: unknown) => {
        if (!stopped) error = messageOf(e);
      })
      .finally(() => {
        building = false;
        if (!stopped) loading = false;
        if (again && !stopped) {
          again = false;
          rebuild();
        }
      });
  }

  onMount(() => {
    source
      .cached()
      .then((cached) => {
        if (!stopped && loading) items = cached;
      })
      .catch(() => undefined) // the cache is a head start only; the build below reports its own failure
      .finally(() => rebuild());
    return () => {
      stopped = true;
    };
  });

  $effect(() => {
    if (syncStatus.lastSyncedAt) rebuild();
  });

  return {
    get items() {
      return items;
    },
    get loading() {
      return loading;
    },
    get error() {
      return error;
    }
  };
}
